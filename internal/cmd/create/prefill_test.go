package create

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/prompter"
	"github.com/ent-support/ent-support/internal/support"
)

const (
	uaiPilat  = "0421234N" // in cmdtest's directory
	uaiFriend = "0690001B" // not in it
)

func marie(phone string, ms ...support.Membership) *support.User {
	return &support.User{ID: 7, Name: "Marie Curie", Email: "m.curie@ac-lyon.fr", Phone: phone,
		Role: support.RoleReporter, Establishments: ms}
}

var (
	chefPilat     = support.Membership{UAI: uaiPilat, Function: support.ChefEtablissement}
	adjointFriend = support.Membership{UAI: uaiFriend, Function: support.Adjoint}
)

// Which identity questions the form asks, for which profile: only what is
// missing, invalid or different from the profile; staff get them all.
func TestKnownFields(t *testing.T) {
	all := []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email", "establishment.uai"}
	tests := []struct {
		name     string
		me       *support.User
		edit     func(in *support.TicketInput) // what flags, file, draft or defaults changed
		estKnown bool
		want     []string
	}{
		{name: "one establishment, complete profile: nothing asked", me: marie("+33639981234", chefPilat), estKnown: true, want: all},
		{name: "the phone written another way is the same", me: marie("+33639981234", chefPilat), estKnown: true,
			edit: func(in *support.TicketInput) { in.Reporter.Phone = "06.39.98.12.34" }, want: all},
		{name: "no phone in the profile: the phone is asked", me: marie("", chefPilat), estKnown: true,
			want: []string{"reporter.name", "reporter.function", "reporter.email", "establishment.uai"}},
		{name: "a saved default phone that differs is asked", me: marie("+33639981234", chefPilat), estKnown: true,
			edit: func(in *support.TicketInput) { in.Reporter.Phone = "06 12 34 56 78" },
			want: []string{"reporter.name", "reporter.function", "reporter.email", "establishment.uai"}},
		{name: "an e-mail in another case is the same", me: marie("+33639981234", chefPilat), estKnown: true,
			edit: func(in *support.TicketInput) { in.Reporter.Email = "M.Curie@AC-LYON.fr" }, want: all},
		{name: "an invalid name in the profile is asked", me: &support.User{Name: "--", Email: "m.curie@ac-lyon.fr",
			Phone: "+33639981234", Role: support.RoleReporter, Establishments: []support.Membership{chefPilat}}, estKnown: true,
			want: []string{"reporter.function", "reporter.phone", "reporter.email", "establishment.uai"}},
		{name: "several establishments: which one is asked, not the function", me: marie("+33639981234", chefPilat, adjointFriend), estKnown: true,
			edit: func(in *support.TicketInput) { in.Establishment.UAI = uaiPilat },
			want: []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email"}},
		{name: "a UAI not theirs is asked", me: marie("+33639981234", chefPilat), estKnown: true,
			edit: func(in *support.TicketInput) { in.Establishment.UAI = uaiFriend },
			want: []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email"}},
		{name: "an establishment the directory does not know is asked", me: marie("+33639981234", chefPilat), estKnown: false,
			want: []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email"}},
		{name: "staff: everything asked", me: nil, estKnown: true, want: nil},
		{name: "staff filing for an account: its identity is not asked, the establishment is", me: nil, estKnown: true,
			edit: func(in *support.TicketInput) { in.OnBehalfOf = "m.curie@ac-lyon.fr" },
			want: []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := profileInput(tt.me)
			if tt.edit != nil {
				tt.edit(&in)
			}
			got := knownFields(in, tt.me, tt.estKnown)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("known fields (-want +got):\n%s", diff)
			}
		})
	}
}

// Where the profile fits among the sources: flags > file > draft > the
// profile on the server > the defaults saved on this computer; and the
// profile is the truth about a reporter's function.
func TestGatherWithProfile(t *testing.T) {
	fake := cmdtest.NewTickets()
	f, _, _, _ := cmdtest.Factory(t, fake)
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetProfile("default", &config.Profile{Reporter: config.Defaults{Name: "Marie Ancienne", Phone: "04 00 00 00 00",
		Email: "old@ac-lyon.fr", Function: "adjoint"}})
	opts := &NewOptions{IO: f.IOStreams, Lang: f.Lang, Config: func() (*config.Config, error) { return cfg, nil }, Profile: f.Profile}
	opts.Flags.Reporter.Email = "flag@ac-lyon.fr"
	opts.Flags.Reporter.Function = support.CorrespondantENT
	in, _, _, err := gather(opts, nil, marie("+33639981234", chefPilat))
	if err != nil {
		t.Fatal(err)
	}
	want := support.Reporter{Name: "Marie Curie", Function: support.ChefEtablissement, Phone: "+33639981234", Email: "flag@ac-lyon.fr"}
	if diff := cmp.Diff(want, in.Reporter); diff != "" || in.Establishment.UAI != uaiPilat {
		t.Errorf("reporter (-want +got):\n%s\nUAI %q", diff, in.Establishment.UAI)
	}

	// Staff: their profile gives nothing, the saved defaults stay.
	in, _, _, err = gather(opts, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in.Reporter.Name != "Marie Ancienne" || in.Reporter.Function != support.CorrespondantENT || in.Establishment.UAI != "" {
		t.Errorf("staff: %+v", in)
	}
}

// A reporter with one establishment and a complete profile: the form is
// told to ask no identity question, the ticket carries the profile, and
// nothing is offered to save.
func TestNewPrefilledFromProfile(t *testing.T) {
	fake := cmdtest.NewTickets()
	fake.User = marie("+33639981234", chefPilat)
	p := &cmdtest.Prompter{Answer: true, Fill: fillTicketOnly}
	opts, out := interactiveOptions(t, fake, p)
	if err := newRun(opts); err != nil {
		t.Fatal(err)
	}
	if len(p.Requests) != 1 {
		t.Fatalf("%d rounds of the form", len(p.Requests))
	}
	req := p.Requests[0]
	for _, f := range []string{"reporter.name", "reporter.function", "reporter.phone", "reporter.email", "establishment.uai"} {
		if !slices.Contains(req.Known, f) {
			t.Errorf("the form asks %s; known: %v", f, req.Known)
		}
	}
	want := support.Reporter{Name: "Marie Curie", Function: support.ChefEtablissement, Phone: "+33639981234", Email: "m.curie@ac-lyon.fr"}
	if len(fake.Created) != 1 || !cmp.Equal(fake.Created[0].Reporter, want) || fake.Created[0].Establishment.UAI != uaiPilat {
		t.Fatalf("created %+v, want the profile's identity", fake.Created)
	}
	for _, s := range []string{"Marie Curie", "06 39 98 12 34", "m.curie@ac-lyon.fr", uaiPilat, "Collège du Pilat"} {
		if !strings.Contains(p.Summary, s) {
			t.Errorf("the summary does not show %q:\n%s", s, p.Summary)
		}
	}
	if len(p.Questions) != 1 || len(fake.ContactUpdates) != 0 {
		t.Errorf("questions %q, updates %v: nothing differs, nothing to save", p.Questions, fake.ContactUpdates)
	}
	if out.String() != "CG42N1-1\n" {
		t.Errorf("stdout %q", out)
	}
}

// Several establishments: the form offers theirs (named from the
// directory), and the function is the one held in the one chosen.
func TestNewSeveralEstablishments(t *testing.T) {
	fake := cmdtest.NewTickets()
	fake.User = marie("+33639981234", chefPilat, adjointFriend)
	p := &cmdtest.Prompter{Answer: true, Fill: func(req *prompter.TicketRequest) error {
		fillTicketOnly(req)
		req.Input.Establishment = support.Establishment{UAI: uaiFriend, Name: "Lycée Ami", City: "Lyon"}
		return nil
	}}
	opts, _ := interactiveOptions(t, fake, p)
	fake.Info_.OpenDirectory = true
	if err := newRun(opts); err != nil {
		t.Fatal(err)
	}
	req := p.Requests[0]
	if slices.Contains(req.Known, "establishment.uai") || !slices.Contains(req.Known, "reporter.function") {
		t.Errorf("known %v: the establishment must be asked, the function not", req.Known)
	}
	wantMine := []prompter.Membership{
		{Establishment: support.Establishment{UAI: uaiPilat, Name: "Collège du Pilat", City: "Bourg-Argental"}, Function: support.ChefEtablissement},
		{Establishment: support.Establishment{UAI: uaiFriend}, Function: support.Adjoint},
	}
	if diff := cmp.Diff(wantMine, req.Mine); diff != "" {
		t.Errorf("establishments offered (-want +got):\n%s", diff)
	}
	if got := fake.Created[0].Reporter.Function; got != support.Adjoint {
		t.Errorf("function %q, want adjoint (held in %s)", got, uaiFriend)
	}
}

// A phone changed in the form: once the ticket is filed, the form asks
// once whether to save it; yes saves it, no does not.
func TestNewOffersToSaveAChangedPhone(t *testing.T) {
	for _, answer := range []bool{true, false} {
		fake := cmdtest.NewTickets()
		fake.User = marie("+33639981234", chefPilat)
		p := &cmdtest.Prompter{Answer: true, AnswerTo: func(string) bool { return answer }, Fill: func(req *prompter.TicketRequest) error {
			fillTicketOnly(req)
			req.Input.Reporter.Phone = "06 12 34 56 78"
			return nil
		}}
		opts, out := interactiveOptions(t, fake, p)
		if err := newRun(opts); err != nil {
			t.Fatal(err)
		}
		if len(p.Questions) != 2 || p.Questions[1] != "Enregistrer le numéro 06 12 34 56 78 dans votre profil, pour vos prochains tickets ?" {
			t.Fatalf("questions %q", p.Questions)
		}
		if out.String() != "CG42N1-1\n" {
			t.Errorf("stdout %q: the number comes first", out)
		}
		var want []support.ContactUpdate
		if answer {
			want = []support.ContactUpdate{{Phone: "+33612345678"}}
		}
		if diff := cmp.Diff(want, fake.ContactUpdates); diff != "" {
			t.Errorf("answer %v: updates (-want +got):\n%s", answer, diff)
		}
	}
}

// --save-profile saves without asking, from a script; a refusal is a
// note, never the command's failure; staff get a note and nothing saved.
func TestNewSaveProfileFlag(t *testing.T) {
	run := func(me *support.User, rep support.Reporter, err error) (*cmdtest.Tickets, string, error) {
		t.Helper()
		fake := cmdtest.NewTickets()
		fake.User = me
		f, _, _, errOut := cmdtest.Factory(t, fake)
		svc := &failingUpdate{Tickets: fake, err: err}
		f.Backend = func() (*cmdutil.Backend, error) { return cmdtest.Backend(svc), nil }
		opts := withServices(&NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config, Profile: f.Profile,
			Prompter: f.Prompter, NoInput: true, SaveProfile: true}, f)
		opts.Flags = scriptTicket()
		opts.Flags.Reporter = rep
		err = newRun(opts)
		return fake, errOut.String(), err
	}
	contact := support.Reporter{Phone: "06 12 34 56 78", Email: "marie@ac-lyon.fr"}
	fake, _, err := run(marie("+33639981234", chefPilat), contact, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]support.ContactUpdate{{Phone: "+33612345678", Email: "marie@ac-lyon.fr"}}, fake.ContactUpdates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
	if r := fake.Created[0].Reporter; r.Name != "Marie Curie" || r.Function != support.ChefEtablissement {
		t.Errorf("name and function do not come from the profile: %+v", r)
	}

	_, stderr, err := run(marie("+33639981234", chefPilat), contact, support.Errorf(support.ECONFLICT, "error.email_taken", nil))
	if err != nil || !strings.Contains(stderr, "Profil non enregistré") {
		t.Errorf("refused: error %v, stderr %q", err, stderr)
	}

	admin := &support.User{ID: 1, Name: "Administrateur", Email: "admin@localhost", Role: support.RoleAdmin}
	full := support.Reporter{Name: "Claire Martin", Function: support.Adjoint, Phone: "06 39 98 12 34", Email: "c.martin@ac-lyon.fr"}
	fake, stderr, err = run(admin, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.ContactUpdates) != 0 || !strings.Contains(stderr, "rien n'est enregistré") {
		t.Errorf("staff: updates %v, stderr %q", fake.ContactUpdates, stderr)
	}
	full.Phone = "+33639981234" // as normalised
	if !cmp.Equal(fake.Created[0].Reporter, full) {
		t.Errorf("staff: the ticket's reporter is %+v, want the one given", fake.Created[0].Reporter)
	}
}

// failingUpdate is the fake with an UpdateMe that fails.
type failingUpdate struct {
	*cmdtest.Tickets
	err error
}

func (f *failingUpdate) UpdateMe(ctx context.Context, c support.ContactUpdate) (*support.User, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.Tickets.UpdateMe(ctx, c)
}

// scriptTicket is the ticket's own fields, without its reporter.
func scriptTicket() support.TicketInput {
	return support.TicketInput{
		Establishment: support.Establishment{UAI: uaiPilat},
		Subject:       "ENT inaccessible", Population: []support.Population{"tous"},
		Description: "Depuis ce matin la page de connexion affiche une erreur.", Location: "Accueil > Messagerie", Priority: "bloquante"}
}

// fillTicketOnly types what a reporter types: the ticket, not themselves.
func fillTicketOnly(req *prompter.TicketRequest) error {
	t := scriptTicket()
	req.Input.Subject, req.Input.Population, req.Input.Description = t.Subject, t.Population, t.Description
	req.Input.Location, req.Input.Priority = t.Location, t.Priority
	return nil
}

// interactiveOptions runs `new` on a terminal with the scripted form.
func interactiveOptions(t *testing.T, fake *cmdtest.Tickets, p *cmdtest.Prompter) (*NewOptions, *bytes.Buffer) {
	t.Helper()
	f, _, out, _ := cmdtest.Factory(t, fake)
	f.IOStreams.SetStdinTTY(true)
	f.IOStreams.SetStderrTTY(true)
	return withServices(&NewOptions{IO: f.IOStreams, Lang: f.Lang, Getenv: f.Getenv, Config: f.Config, Profile: f.Profile,
		Prompter: func() prompter.Prompter { return p }}, f), out
}

// With several establishments the function is pre-filled only when it is
// the same in all of them; the establishment is left to choose.
func TestProfileInputSeveralEstablishments(t *testing.T) {
	corrFriend := support.Membership{UAI: uaiFriend, Function: support.CorrespondantENT}
	corrPilat := support.Membership{UAI: uaiPilat, Function: support.CorrespondantENT}
	if in := profileInput(marie("", corrPilat, corrFriend)); in.Reporter.Function != support.CorrespondantENT || in.Establishment.UAI != "" {
		t.Errorf("same function in both: %+v", in)
	}
	if in := profileInput(marie("", chefPilat, adjointFriend)); in.Reporter.Function != "" || in.Establishment.UAI != "" {
		t.Errorf("two functions: %+v", in)
	}
}
