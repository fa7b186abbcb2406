package create

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

// Flags → options.
func TestNewCmdNewFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    NewOptions
		wantErr string // a UsageError key
	}{
		{name: "nothing", args: nil, want: NewOptions{}},
		{name: "reporter and ticket", args: []string{"--name", "Claire Martin", "--function", "adjoint", "--phone", "0639981234",
			"--email", "c@ac-lyon.fr", "--uai", "0421234N", "--establishment", "Collège", "--city", "Lyon", "--subject", "Sujet",
			"--description", "D", "--location", "A > B", "--priority", "majeure"},
			want: NewOptions{Flags: support.TicketInput{
				Reporter:      support.Reporter{Name: "Claire Martin", Function: "adjoint", Phone: "0639981234", Email: "c@ac-lyon.fr"},
				Establishment: support.Establishment{UAI: "0421234N", Name: "Collège", City: "Lyon"},
				Subject:       "Sujet", Description: "D", Location: "A > B", Priority: "majeure"}}},
		{name: "population repeated and comma list", args: []string{"--population", "eleves, parents", "--population", "tous"},
			want: NewOptions{Populations: []string{"eleves", "parents", "tous"}}},
		{name: "attachments repeated", args: []string{"--attach", "a.png", "--attach", "b,c.pdf"},
			want: NewOptions{Attach: []string{"a.png", "b,c.pdf"}}},
		{name: "files and modes", args: []string{"--from-file", "-", "--description-file", "d.txt", "--no-input", "--json"},
			want: NewOptions{FromFile: "-", DescriptionFile: "d.txt", NoInput: true, JSON: true}},
		{name: "both descriptions", args: []string{"--description", "x", "--description-file", "y"}, wantErr: "cli.usage.exclusive"},
		{name: "stdin twice", args: []string{"--from-file", "-", "--description-file", "-"}, wantErr: "cli.new.stdin_twice"},
		{name: "unknown flag", args: []string{"--urgence"}, wantErr: "cli.usage.unknown_flag"},
		{name: "an argument", args: []string{"ticket"}, wantErr: "cli.usage.extra_args"},
		{name: "resume the latest", args: []string{"--resume", "--no-input"}, want: NewOptions{Resume: true, NoInput: true}},
		{name: "resume one", args: []string{"--resume", "20261128-193216-a1b2"}, want: NewOptions{Resume: true, ResumeID: "20261128-193216-a1b2"}},
		{name: "resume two", args: []string{"--resume", "a", "b"}, wantErr: "cli.usage.extra_args"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
			var got *NewOptions
			cmd := NewCmdNew(f, func(o *NewOptions) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagError(err) })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var ue *cmdutil.UsageError
				if !errors.As(cmdutil.FlagError(err), &ue) || ue.Key != tt.wantErr {
					t.Fatalf("error %v, want usage error %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			opts := cmp.Options{cmp.FilterPath(func(p cmp.Path) bool {
				switch p.Last().String() {
				case ".IO", ".Getenv", ".Config", ".Profile", ".Tickets", ".Info", ".Identity", ".Directory", ".ContactEditor",
					".Embedded", ".Prompter", ".Drafts", ".Outbox", ".Ctx", ".Lang", ".PhoneWhenOpen":
					return true
				}
				return false
			}, cmp.Ignore())}
			if diff := cmp.Diff(tt.want, *got, opts); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

const validYAML = `reporter:
  name: Claire Martin
  function: chef_etablissement
  phone: 06 39 98 12 34
  email: claire.martin@ac-lyon.fr
establishment: {uai: 0421234N}
subject: ENT inaccessible
population: [tous]
description: Depuis ce matin la page de connexion affiche une erreur 502.
location: https://dupilat.cybercolleges42.fr/
priority: bloquante
`

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Options → behaviour.
func TestNewRun(t *testing.T) {
	dir := t.TempDir()
	ticket := write(t, dir, "t.yaml", validYAML)
	png := write(t, dir, "shot.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"+strings.Repeat("x", 100))
	html := write(t, dir, "page.png", "<!DOCTYPE html><html><body>hi</body></html>")
	empty := write(t, dir, "empty.png", "")

	tests := []struct {
		name      string
		opts      func(o *NewOptions)
		stdin     string
		profile   config.Defaults
		fakeErr   error
		wantOut   string
		wantErr   string   // support code, or "usage"
		wantField []string // fields of the EINVALID error
		check     func(t *testing.T, fake *cmdtest.Tickets)
	}{
		{name: "from a file: the number alone", opts: func(o *NewOptions) { o.FromFile = ticket }, wantOut: "CG42N1-1\n",
			check: func(t *testing.T, fake *cmdtest.Tickets) {
				in := fake.Created[0]
				if in.Reporter.Phone != "+33639981234" || in.Establishment.Name != "Collège du Pilat" {
					t.Errorf("sent %+v, want a normalised ticket completed from the directory", in)
				}
				if !strings.HasPrefix(fake.CreateOps[0].IdempotencyKey, "cli-") {
					t.Errorf("no idempotency key: %+v", fake.CreateOps[0])
				}
			}},
		{name: "json", opts: func(o *NewOptions) { o.FromFile = ticket; o.JSON = true }, wantOut: `"number": "CG42N1-1"`},
		{name: "from stdin", opts: func(o *NewOptions) { o.FromFile = "-" }, stdin: validYAML, wantOut: "CG42N1-1\n"},
		{name: "flags win over the file, which wins over the profile",
			profile: config.Defaults{Name: "Profil Nom", Email: "profil@ac-lyon.fr", UAI: "0420001Y"},
			opts: func(o *NewOptions) {
				o.FromFile = ticket
				o.Flags.Subject = "Sujet par option"
				o.Populations = []string{"eleves"}
			}, wantOut: "CG42N1-1\n",
			check: func(t *testing.T, fake *cmdtest.Tickets) {
				in := fake.Created[0]
				if in.Subject != "Sujet par option" || in.Reporter.Name != "Claire Martin" || in.Reporter.Email != "claire.martin@ac-lyon.fr" ||
					!cmp.Equal(in.Population, []support.Population{"eleves"}) {
					t.Errorf("sent %+v", in)
				}
			}},
		{name: "the profile fills what is missing", profile: config.Defaults{Name: "Profil Nom", Function: "adjoint", Phone: "0477000001", Email: "p@ac-lyon.fr", UAI: "0421234N"},
			opts: func(o *NewOptions) {
				o.Flags = support.TicketInput{Subject: "Sujet assez long", Description: "Une description de plus de vingt caractères.",
					Location: "Accueil > Messagerie", Priority: "mineure"}
				o.Populations = []string{"tous"}
			}, wantOut: "CG42N1-1\n",
			check: func(t *testing.T, fake *cmdtest.Tickets) {
				if got := fake.Created[0].Reporter; got.Name != "Profil Nom" || got.Phone != "+33477000001" {
					t.Errorf("reporter %+v", got)
				}
			}},
		{name: "attachments are uploaded", opts: func(o *NewOptions) { o.FromFile = ticket; o.Attach = []string{png} }, wantOut: "CG42N1-1\n",
			check: func(t *testing.T, fake *cmdtest.Tickets) {
				if ups := fake.CreateOps[0].Attachments; len(ups) != 1 || ups[0].Name != "shot.png" || ups[0].Size != 116 {
					t.Errorf("uploads %+v", ups)
				}
			}},
		{name: "every problem at once, nothing sent", opts: func(o *NewOptions) {
			o.FromFile = ticket
			o.Flags.Reporter.Phone = "12"
			o.Flags.Establishment.UAI = "0691234S"
			o.Attach = []string{html, empty, filepath.Join(dir, "absent.png")}
		}, wantErr: support.EINVALID, wantField: []string{"reporter.phone", "establishment.uai", "attachments", "attachments", "attachments"}},
		{name: "an unknown key in the file", opts: func(o *NewOptions) { o.FromFile = "-" }, stdin: validYAML + "urgence: oui\n",
			wantErr: support.EINVALID, wantField: []string{"from_file"}},
		{name: "a server that cannot be reached", opts: func(o *NewOptions) { o.FromFile = ticket },
			fakeErr: support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil), wantErr: support.EUNAVAILABLE},
		{name: "fields first when the server cannot be reached", opts: func(o *NewOptions) { o.FromFile = ticket; o.Flags.Reporter.Phone = "1" },
			fakeErr: support.Errorf(support.EUNAVAILABLE, "error.unreachable", nil), wantErr: support.EINVALID, wantField: []string{"reporter.phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			fake.Establishments = append(fake.Establishments, support.Establishment{UAI: "0420001Y", Name: "Lycée", City: "Saint-Étienne"})
			f, in, out, _ := cmdtest.Factory(t, fake)
			cfg, _ := f.Config()
			cfg.SetProfile("", &config.Profile{Reporter: tt.profile})
			cfg.Save()
			in.WriteString(tt.stdin)
			opts := withServices(&NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config, Profile: f.Profile,
				Prompter: f.Prompter, NoInput: true}, f)
			tt.opts(opts)
			fake.Err = tt.fakeErr
			err := newRun(opts)
			if tt.wantErr != "" {
				if code := support.ErrorCode(err); code != tt.wantErr {
					t.Fatalf("error %v (%s), want %s", err, code, tt.wantErr)
				}
				if len(fake.Created) != 0 {
					t.Error("a ticket was sent")
				}
				var fields []string
				for _, fe := range support.AsError(err).Fields {
					fields = append(fields, fe.Field)
				}
				if diff := cmp.Diff(tt.wantField, fields); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q, want %q", out, tt.wantOut)
			}
			if tt.check != nil {
				tt.check(t, fake)
			}
		})
	}
}

func TestCanPrompt(t *testing.T) {
	p := &cmdtest.Prompter{}
	tests := []struct {
		name                   string
		stdin, stderr, noInput bool
		ci                     bool
		fromFile               string
		noPrompter             bool
		want                   bool
	}{
		{name: "terminal", stdin: true, stderr: true, want: true},
		{name: "stdout redirected is fine", stdin: true, stderr: true, want: true},
		{name: "stdin piped", stdin: false, stderr: true},
		{name: "stderr redirected", stdin: true, stderr: false},
		{name: "--no-input", stdin: true, stderr: true, noInput: true},
		{name: "CI", stdin: true, stderr: true, ci: true},
		{name: "file from stdin", stdin: true, stderr: true, fromFile: "-"},
		{name: "no form available", stdin: true, stderr: true, noPrompter: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
			f.IOStreams.SetStdinTTY(tt.stdin)
			f.IOStreams.SetStderrTTY(tt.stderr)
			f.IOStreams.SetCI(tt.ci)
			opts := &NewOptions{IO: f.IOStreams, NoInput: tt.noInput, FromFile: tt.fromFile,
				Prompter: func() prompter.Prompter { return p }}
			if tt.noPrompter {
				opts.Prompter = func() prompter.Prompter { return nil }
			}
			if got := canPrompt(opts); got != tt.want {
				t.Errorf("canPrompt = %v, want %v", got, tt.want)
			}
		})
	}
}

// The form fills what is missing; the whole ticket is checked again with
// the flag path's code, and a refusal at the summary sends nothing.
func TestNewInteractive(t *testing.T) {
	fillAll := func(req *prompter.TicketRequest) error {
		req.Input = support.TicketInput{
			Reporter:      support.Reporter{Name: "Claire Martin", Function: "chef_etablissement", Phone: "06 39 98 12 34", Email: "c@ac-lyon.fr"},
			Establishment: support.Establishment{UAI: "0421234N"}, Subject: "ENT inaccessible", Population: []support.Population{"tous"},
			Description: "Depuis ce matin la page de connexion affiche une erreur.", Location: "Accueil > Messagerie", Priority: "bloquante"}
		return nil
	}
	tests := []struct {
		name       string
		p          *cmdtest.Prompter
		wantErr    error
		wantCode   string
		wantRounds int
		wantSent   int
	}{
		{name: "filled and confirmed", p: &cmdtest.Prompter{Fill: fillAll, Answer: true}, wantRounds: 1, wantSent: 1},
		{name: "refused at the summary", p: &cmdtest.Prompter{Fill: fillAll, Answer: false}, wantErr: prompter.ErrCancelled, wantRounds: 1},
		{name: "interrupted", p: &cmdtest.Prompter{Fill: func(*prompter.TicketRequest) error { return prompter.ErrCancelled }},
			wantErr: prompter.ErrCancelled, wantRounds: 1},
		{name: "a form that accepts a bad value is caught, three times at most",
			p:        &cmdtest.Prompter{Fill: func(req *prompter.TicketRequest) error { fillAll(req); req.Input.Reporter.Phone = "12"; return nil }, Answer: true},
			wantCode: support.EINVALID, wantRounds: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			f, _, out, errOut := cmdtest.Factory(t, fake)
			f.IOStreams.SetStdinTTY(true)
			f.IOStreams.SetStderrTTY(true)
			opts := withServices(&NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config, Profile: f.Profile,
				Prompter: func() prompter.Prompter { return tt.p }}, f)
			err := newRun(opts)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
			case tt.wantCode != "":
				if support.ErrorCode(err) != tt.wantCode {
					t.Fatalf("error %v, want %s", err, tt.wantCode)
				}
			case err != nil:
				t.Fatal(err)
			}
			if tt.p.Rounds != tt.wantRounds {
				t.Errorf("%d rounds of the form, want %d", tt.p.Rounds, tt.wantRounds)
			}
			if len(fake.Created) != tt.wantSent {
				t.Errorf("%d tickets sent, want %d", len(fake.Created), tt.wantSent)
			}
			if tt.wantSent == 1 {
				if out.String() != "CG42N1-1\n" || !strings.Contains(errOut.String(), "Ticket CG42N1-1 créé.") {
					t.Errorf("stdout %q stderr %q", out, errOut)
				}
				cmdtest.Golden(t, "summary.golden", tt.p.Summary)
			}
			if len(tt.p.Problems) > 0 && len(tt.p.Problems[0]) == 0 {
				t.Error("the first round was not told which fields are missing")
			}
		})
	}
}
