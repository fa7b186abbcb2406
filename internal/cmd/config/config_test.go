package config

import (
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/support"
)

func TestConfigSetGetList(t *testing.T) {
	f, _, out, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	opts := &ConfigOptions{IO: f.IOStreams, Config: f.Config, Profile: func() string { return "loire" }}
	steps := []struct {
		run     func(*ConfigOptions) error
		key, v  string
		wantErr string
	}{
		{setRun, "server", "https://assistance.example.fr", ""},
		{setRun, "token", "ents_abcdefghijklmnopqrstuvwxyz", ""},
		{setRun, "Phone", "06 39 98 12 34", ""},
		{setRun, "phone", "12", support.EINVALID},
		{setRun, "server", "assistance.example.fr", support.EINVALID},
		{setRun, "couleur", "bleu", "usage"},
		{getRun, "phone", "", ""},
	}
	for _, s := range steps {
		opts.Key, opts.Value = s.key, s.v
		err := s.run(opts)
		switch {
		case s.wantErr == "usage":
			if _, ok := err.(*cmdutil.UsageError); !ok {
				t.Errorf("%s: %v, want a usage error", s.key, err)
			}
		case support.ErrorCode(err) != s.wantErr:
			t.Errorf("%s=%s: %v, want %q", s.key, s.v, err, s.wantErr)
		}
	}
	if out.String() != "06 39 98 12 34\n" {
		t.Errorf("get: %q", out)
	}
	out.Reset()
	if err := listRun(opts); err != nil {
		t.Fatal(err)
	}
	want := "server=https://assistance.example.fr\ntoken=ents_…wxyz\nname=\nfunction=\nphone=06 39 98 12 34\nemail=\nuai=\nestablishment=\ncity=\n"
	if out.String() != want {
		t.Errorf("list:\n%s\nwant:\n%s", out, want)
	}
}
