package admin

import (
	"errors"
	"strings"
	"testing"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/support"
)

// `admin user update`: the ref and the flags reach the service as given;
// a bad address or an update with nothing in it is refused with the field
// named before the service is reached; the note goes to stderr, --json to
// stdout.
func TestUserUpdate(t *testing.T) {
	run := func(fake *cmdtest.Tickets, args ...string) (string, string, error) {
		t.Helper()
		f, _, out, errOut := cmdtest.Factory(t, fake)
		cmd := NewCmdUserUpdate(f, nil)
		cmd.SetArgs(args)
		cmd.SetOut(errOut)
		cmd.SetErr(errOut)
		err := cmd.Execute()
		return out.String(), errOut.String(), err
	}

	fake := cmdtest.NewTickets()
	out, errOut, err := run(fake, "paul.corr@ac-lyon.fr", "--email", "paul@ac-grenoble.fr", "--phone", "06 12 34 56 78")
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.Changes) != 1 || fake.Changes[0] != (cmdtest.Change{Action: "update", Value: "paul.corr@ac-lyon.fr paul@ac-grenoble.fr 06 12 34 56 78"}) {
		t.Errorf("service calls = %+v", fake.Changes)
	}
	if out != "" || !strings.Contains(errOut, "Compte de Carla Corr mis à jour : e-mail paul@ac-grenoble.fr") {
		t.Errorf("stdout %q, stderr %q", out, errOut)
	}

	out, _, err = run(fake, "12", "--email", "paul@ac-grenoble.fr", "--json")
	if err != nil || !strings.Contains(out, `"email": "paul@ac-grenoble.fr"`) {
		t.Errorf("--json: %q, %v", out, err)
	}

	for _, tc := range []struct {
		args       []string
		field, key string
	}{
		{[]string{"12", "--email", "pas-une-adresse"}, "email", support.RuleEmail},
		{[]string{"12", "--phone", "12"}, "phone", support.RulePhone},
		{[]string{"12"}, "email", "email_or_phone"},
		{[]string{"12", "--email", "  "}, "email", "email_or_phone"},
	} {
		fake := cmdtest.NewTickets()
		_, _, err := run(fake, tc.args...)
		var e *support.Error
		if !errors.As(err, &e) || e.Code != support.EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Rule != tc.key {
			t.Errorf("%v: %v", tc.args, err)
		}
		if len(fake.Changes) != 0 {
			t.Errorf("%v reached the service: %+v", tc.args, fake.Changes)
		}
	}
	if _, _, err := run(cmdtest.NewTickets()); err == nil {
		t.Error("no USER: no error")
	}
}
