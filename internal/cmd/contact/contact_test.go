package contact

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ent-support/ent-support/internal/cmd/cmdtest"
	"github.com/ent-support/ent-support/internal/cmdutil"
	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/support"
)

func TestNewCmdContactFlags(t *testing.T) {
	f, _, _, _ := cmdtest.Factory(t, cmdtest.NewTickets())
	for _, tt := range []struct {
		args []string
		json bool
	}{{nil, false}, {[]string{"--json"}, true}} {
		var got *Options
		cmd := NewCmdContact(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.JSON != tt.json {
			t.Errorf("%v: JSON = %v", tt.args, got.JSON)
		}
	}
}

// The server's channels when it publishes some; the procedure's when no
// server is configured, when it publishes none (RT, Redmine), or when it
// cannot be asked (then stderr says so).
func TestContactRunSources(t *testing.T) {
	own := &support.Channels{Email: "assistance@example.fr", Phone: "06 39 98 12 34", Hours: "mon-fri 09:00-17:00 UTC"}
	for _, tt := range []struct {
		name       string
		server     string
		info       *support.ServerInfo
		infoErr    error
		wantSource string
		wantEmail  string
		wantErr    string
	}{
		{name: "no server", wantSource: "default", wantEmail: support.DefaultContactEmail},
		{name: "server with channels", server: "https://assistance.example.fr", info: &support.ServerInfo{Contact: own},
			wantSource: "server", wantEmail: "assistance@example.fr"},
		{name: "server without channels", server: "https://rt.example.fr", info: &support.ServerInfo{},
			wantSource: "default", wantEmail: support.DefaultContactEmail},
		{name: "server unreachable", server: "https://down.example.fr", infoErr: support.Errorf(support.EUNAVAILABLE, "", nil),
			wantSource: "default", wantEmail: support.DefaultContactEmail, wantErr: "https://down.example.fr n'a pas pu donner ses coordonnées"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := cmdtest.NewTickets()
			f, _, out, errOut := cmdtest.Factory(t, fake)
			f.ServerFlag = tt.server
			f.Connect = func(server, token string, b config.Backend) (*cmdutil.Backend, error) {
				if server != tt.server {
					t.Errorf("connect to %q", server)
				}
				return cmdtest.Backend(infoService{fake, tt.info, tt.infoErr}), nil
			}
			if err := contactRun(context.Background(), &Options{F: f, JSON: true}); err != nil {
				t.Fatal(err)
			}
			var res Result
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if res.Source != tt.wantSource || res.Email != tt.wantEmail {
				t.Errorf("source %q email %q, want %q %q", res.Source, res.Email, tt.wantSource, tt.wantEmail)
			}
			if tt.wantErr == "" && errOut.Len() > 0 || !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr %q, want %q", errOut, tt.wantErr)
			}
			// cmdtest's clock: Monday 30 November 2026, 09:30 in Paris.
			if tt.wantSource == "default" && (!res.PhoneOpen || res.PhoneClosesAt.Format(time.RFC3339) != "2026-11-30T18:00:00+01:00") {
				t.Errorf("phone open %v until %v", res.PhoneOpen, res.PhoneClosesAt)
			}
		})
	}
}

type infoService struct {
	*cmdtest.Tickets
	info *support.ServerInfo
	err  error
}

func (s infoService) Info(context.Context) (*support.ServerInfo, error) { return s.info, s.err }
