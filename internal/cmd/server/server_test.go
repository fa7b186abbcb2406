package server

import (
	"bytes"
	"net/netip"
	"os"
	"reflect"
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
		"ENT_SUPPORT_SERVER_CREATE_LIMIT": "5/1m", "ENT_SUPPORT_SERVER_COMMENT_LIMIT": "10/1h", "ENT_SUPPORT_SERVER_IDLE_TIMEOUT": "30s", "ENT_SUPPORT_SERVER_TLS_KEY": "/etc/k.pem",
		"ENT_SUPPORT_SERVER_MAX_STREAMS_PER_USER": "4", "ENT_SUPPORT_SERVER_WRITE_TIMEOUT": "1m",
		"ENT_SUPPORT_SERVER_CONTACT_HOURS": "tue-sat  09:00-17:00 UTC",
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
		"--auth-failure-limit", "off", "--tls-cert", "/etc/c.pem", "--tls-key", "/k.pem", "--max-header-size", "16KiB", "--write-timeout", "45s",
		"--contact-phone", "+33 6 12 34 56 78", "--maintenance-phone", "none"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := cmdutil.ServerOptions{Addr: ":9090", Prefix: "LOIRE42", OpenDirectory: true, ReadyFile: "/tmp/r", SMTP: "smtp://mail:25",
		MailFrom: "a@b.fr", BootstrapToken: "ents_bootstrap_token_0123456789",
		Limits:      support.Limits{MaxFileSize: 2 << 20, MaxTicketSize: 25 << 20},
		CreateLimit: support.RateLimit{N: 5, Per: time.Minute}, CommentLimit: support.RateLimit{N: 10, Per: time.Hour}, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10, TLSCert: "/etc/c.pem", TLSKey: "/k.pem",
		WriteTimeout: 45 * time.Second, MaxStreamsPerUser: 4,
		Contact: support.Channels{Email: support.DefaultContactEmail, Phone: "06 12 34 56 78", Hours: "tue-sat 09:00-17:00 UTC"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// --trusted-proxy is repeatable; ENT_SUPPORT_SERVER_TRUSTED_PROXY takes a
// comma-separated list; a bare address is a /32 (or /128); anything else
// is refused, naming the flag and the value.
func TestTrustedProxyOption(t *testing.T) {
	parse := func(env map[string]string, args ...string) (cmdutil.ServerOptions, error) {
		t.Helper()
		f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
		f.Getenv = func(k string) string { return env[k] }
		var got cmdutil.ServerOptions
		cmd := NewCmdServer(f, func(o *ServerOptions) error {
			var err error
			got, err = o.options()
			return err
		})
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		return got, cmd.Execute()
	}
	p := netip.MustParsePrefix
	got, err := parse(nil, "--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "10.0.0.0/8,fd00::1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []netip.Prefix{p("127.0.0.1/32"), p("10.0.0.0/8"), p("fd00::1/128")}; !reflect.DeepEqual(got.TrustedProxies, want) {
		t.Errorf("flags: %v, want %v", got.TrustedProxies, want)
	}
	got, err = parse(map[string]string{"ENT_SUPPORT_SERVER_TRUSTED_PROXY": "192.0.2.10, 10.1.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []netip.Prefix{p("192.0.2.10/32"), p("10.1.0.0/16")}; !reflect.DeepEqual(got.TrustedProxies, want) {
		t.Errorf("environment: %v, want %v", got.TrustedProxies, want)
	}
	got, _ = parse(map[string]string{"ENT_SUPPORT_SERVER_TRUSTED_PROXY": "192.0.2.10"}, "--trusted-proxy", "127.0.0.1")
	if want := []netip.Prefix{p("127.0.0.1/32")}; !reflect.DeepEqual(got.TrustedProxies, want) {
		t.Errorf("the flag must win over the variable: %v", got.TrustedProxies)
	}
	if got, _ := parse(nil); got.TrustedProxies != nil {
		t.Errorf("no flag trusts %v", got.TrustedProxies)
	}
	_, err = parse(nil, "--trusted-proxy", "nginx.local")
	fields := support.AsError(err).Fields
	if len(fields) != 1 || fields[0].Field != "trusted_proxy" || fields[0].Rule != "cli_cidr" || fields[0].Params["value"] != "nginx.local" {
		t.Errorf("a bad CIDR: %v, %+v", err, fields)
	}
}

func TestServerOptionsRefused(t *testing.T) {
	o := &ServerOptions{Addr: "nowhere", Prefix: "cg-42", PublicURL: "ftp://x", SMTP: "http://x", MailFrom: "nope",
		MaxFileSize: "lots", MaxTicketSize: "1KiB", AuthFailureLimit: "20/1m", CreateLimit: "off", CommentLimit: "off",
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
		AuthFailureLimit: "lots", CreateLimit: "5", CommentLimit: "1/0s", ReadHeaderTimeout: 0, ReadTimeout: time.Minute, Idle: 48 * time.Hour,
		MaxHeaderSize: "1KiB", TLSCert: "c.pem", WriteTimeout: 10 * time.Millisecond, MaxStreamsPerUser: 0}
	_, err := o.options()
	var got []string
	for _, fe := range support.AsError(err).Fields {
		got = append(got, fe.Field+":"+fe.Rule)
	}
	want := []string{"auth_failure_limit:cli_rate_limit", "create_limit:cli_rate_limit", "comment_limit:cli_rate_limit", "read_header_timeout:cli_timeout",
		"idle_timeout:cli_timeout", "write_timeout:cli_timeout", "max_streams_per_user:cli_max_streams", "max_header_size:cli_header_size", "tls_key:cli_tls_pair"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("refused %v\nwant    %v", got, want)
	}
}

// --imap: the URL is checked at start-up, the password comes from the
// environment or a file (its end of line dropped), never from the URL;
// each problem names its field.
func TestIMAPOptions(t *testing.T) {
	pwFile := t.TempDir() + "/imap-password"
	if err := os.WriteFile(pwFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := ServerOptions{Addr: ":1", Prefix: "CG42", MaxFileSize: "1MiB", MaxTicketSize: "2MiB", AuthFailureLimit: "off",
		CreateLimit: "off", CommentLimit: "off", ReadHeaderTimeout: time.Second, ReadTimeout: time.Minute, Idle: time.Minute,
		MaxHeaderSize: "64KiB", WriteTimeout: time.Minute, MaxStreamsPerUser: 1}
	for _, c := range []struct {
		name, url, file, env string
		want                 string // "" = accepted
	}{
		{"env password", "imaps://support@mail.exemple.fr/INBOX", "", "from-env", ""},
		{"password file wins", "imap://support@mail.exemple.fr:143/INBOX", pwFile, "from-env", ""},
		{"no password", "imaps://support@mail.exemple.fr/INBOX", "", "", "imap_password:required"},
		{"unreadable file", "imaps://support@mail.exemple.fr/INBOX", pwFile + ".missing", "", "imap_password_file:cli_password_file"},
		{"password in the URL", "imaps://support:pw@mail.exemple.fr/INBOX", "", "x", "imap:cli_imap"},
		{"no user", "imaps://mail.exemple.fr/INBOX", "", "x", "imap:cli_imap"},
		{"plain over the network", "imap+plain://support@mail.exemple.fr/INBOX", "", "x", "imap:cli_imap"},
		{"plain on loopback", "imap://support@127.0.0.1:1143/INBOX?tls=none", "", "x", ""},
		{"not IMAP", "https://support@mail.exemple.fr/", "", "x", "imap:cli_imap"},
		{"a file without a mailbox", "", pwFile, "", "imap:required"},
	} {
		o := base
		o.IMAP, o.IMAPPasswordFile = c.url, c.file
		o.Getenv = func(k string) string {
			if k == EnvIMAPPassword {
				return c.env
			}
			return ""
		}
		so, err := o.options()
		var got []string
		if err != nil {
			for _, fe := range support.AsError(err).Fields {
				got = append(got, fe.Field+":"+fe.Rule)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: refused %v, want %q", c.name, got, c.want)
		}
		if c.want == "" {
			wantPw := c.env
			if c.file != "" {
				wantPw = "s3cret"
			}
			if so.IMAP != c.url || so.IMAPPassword != wantPw {
				t.Errorf("%s: IMAP %q password %q, want %q %q", c.name, so.IMAP, so.IMAPPassword, c.url, wantPw)
			}
		}
	}
}
