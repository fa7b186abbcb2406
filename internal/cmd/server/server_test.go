package server

import (
	"bytes"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags and ENT_SUPPORT_SERVER_* → options; the flag wins over the variable.
func TestNewCmdServer(t *testing.T) {
	env := map[string]string{
		"ENT_SUPPORT_SERVER_ADDR": ":9090", "ENT_SUPPORT_SERVER_PREFIX": "env", "ENT_SUPPORT_SERVER_OPEN_DIRECTORY": "true",
		"ENT_SUPPORT_SERVER_MAX_FILE_SIZE": "2MiB", "ENT_SUPPORT_BOOTSTRAP_TOKEN": "ents_bootstrap_token_0123456789",
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
	cmd.SetArgs([]string{"--prefix", "loire42", "--ready-file", "/tmp/r", "--smtp", "smtp://mail:25", "--mail-from", "a@b.fr"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := cmdutil.ServerOptions{Addr: ":9090", Prefix: "LOIRE42", OpenDirectory: true, ReadyFile: "/tmp/r", SMTP: "smtp://mail:25",
		MailFrom: "a@b.fr", BootstrapToken: "ents_bootstrap_token_0123456789",
		Limits: support.Limits{MaxFileSize: 2 << 20, MaxTicketSize: 25 << 20}}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestServerOptionsRefused(t *testing.T) {
	o := &ServerOptions{Addr: "nowhere", Prefix: "cg-42", PublicURL: "ftp://x", SMTP: "http://x", MailFrom: "nope",
		MaxFileSize: "lots", MaxTicketSize: "1KiB"}
	_, err := o.options()
	var fields []string
	for _, fe := range support.AsError(err).Fields {
		fields = append(fields, fe.Field)
	}
	if len(fields) != 6 {
		t.Errorf("fields %v, want prefix, addr, public_url, smtp, mail_from, max_file_size", fields)
	}
}
