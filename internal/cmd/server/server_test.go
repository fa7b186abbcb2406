package server

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags and ENT_SUPPORT_SERVER_* → options; the flag wins over the variable.
func TestNewCmdServer(t *testing.T) {
	env := map[string]string{
		"ENT_SUPPORT_SERVER_ADDR": ":9090", "ENT_SUPPORT_SERVER_PREFIX": "env", "ENT_SUPPORT_SERVER_OPEN_DIRECTORY": "true",
		"ENT_SUPPORT_SERVER_MAX_FILE_SIZE": "2MiB", "ENT_SUPPORT_BOOTSTRAP_TOKEN": "ents_bootstrap_token_0123456789",
		"ENT_SUPPORT_SERVER_CREATE_LIMIT": "5/1m", "ENT_SUPPORT_SERVER_IDLE_TIMEOUT": "30s", "ENT_SUPPORT_SERVER_TLS_KEY": "/etc/k.pem",
		"ENT_SUPPORT_SERVER_MAX_STREAMS_PER_USER": "4", "ENT_SUPPORT_SERVER_WRITE_TIMEOUT": "1m",
	}
	f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	f.Getenv = func(k string) string { return env[k] }
	var got cmdutil.ServerOptions
	f.RunServer = nil
	cmd := NewCmdServer(f, func(o *ServerOptions) error {
		var err error
		got, err = o.options()
		return err
	})
	cmd.SetArgs([]string{"--prefix", "loire42", "--ready-file", "/tmp/r", "--smtp", "smtp://mail:25", "--mail-from", "a@b.fr",
		"--auth-failure-limit", "off", "--tls-cert", "/etc/c.pem", "--tls-key", "/k.pem", "--max-header-size", "16KiB", "--write-timeout", "45s"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := cmdutil.ServerOptions{Addr: ":9090", Prefix: "LOIRE42", OpenDirectory: true, ReadyFile: "/tmp/r", SMTP: "smtp://mail:25",
		MailFrom: "a@b.fr", BootstrapToken: "ents_bootstrap_token_0123456789",
		Limits:      support.Limits{MaxFileSize: 2 << 20, MaxTicketSize: 25 << 20},
		CreateLimit: support.RateLimit{N: 5, Per: time.Minute}, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10, TLSCert: "/etc/c.pem", TLSKey: "/k.pem",
		WriteTimeout: 45 * time.Second, MaxStreamsPerUser: 4}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestServerOptionsRefused(t *testing.T) {
	o := &ServerOptions{Addr: "nowhere", Prefix: "cg-42", PublicURL: "ftp://x", SMTP: "http://x", MailFrom: "nope",
		MaxFileSize: "lots", MaxTicketSize: "1KiB", AuthFailureLimit: "20/1m", CreateLimit: "off",
		ReadHeaderTimeout: time.Second, ReadTimeout: time.Minute, Idle: time.Minute, MaxHeaderSize: "64KiB",
		WriteTimeout: 30 * time.Second, MaxStreamsPerUser: 16}
	_, err := o.options()
	var fields []string
	for _, fe := range support.AsError(err).Fields {
		fields = append(fields, fe.Field)
	}
	if len(fields) != 6 {
		t.Errorf("fields %v, want prefix, addr, public_url, smtp, mail_from, max_file_size", fields)
	}
}

// Bad limits, timeouts and half a TLS pair are each named.
func TestServerAbuseOptionsRefused(t *testing.T) {
	o := &ServerOptions{Addr: ":1", Prefix: "CG42N1", MaxFileSize: "1MiB", MaxTicketSize: "2MiB",
		AuthFailureLimit: "lots", CreateLimit: "5", ReadHeaderTimeout: 0, ReadTimeout: time.Minute, Idle: 48 * time.Hour,
		MaxHeaderSize: "1KiB", TLSCert: "c.pem", WriteTimeout: 10 * time.Millisecond, MaxStreamsPerUser: 0}
	_, err := o.options()
	var got []string
	for _, fe := range support.AsError(err).Fields {
		got = append(got, fe.Field+":"+fe.Rule)
	}
	want := []string{"auth_failure_limit:cli_rate_limit", "create_limit:cli_rate_limit", "read_header_timeout:cli_timeout",
		"idle_timeout:cli_timeout", "write_timeout:cli_timeout", "max_streams_per_user:cli_max_streams", "max_header_size:cli_header_size", "tls_key:cli_tls_pair"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("refused %v\nwant    %v", got, want)
	}
}
