package cmdutil

import (
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// EnvNow fixes the clock that `contact` and the end of a `bloquante`
// ticket read to say whether the phone line is open: an RFC 3339 time. It
// exists for tests and demonstrations; nothing else reads it.
const EnvNow = "ENT_SUPPORT_NOW"

// Clock returns the time to judge the phone line by: EnvNow when set,
// else the factory's clock.
func (f *Factory) Clock() (time.Time, error) {
	if f.Getenv != nil {
		if v := strings.TrimSpace(f.Getenv(EnvNow)); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return time.Time{}, Usage("cli.contact.bad_now", map[string]string{"var": EnvNow, "value": v})
			}
			return t, nil
		}
	}
	if f.Now != nil {
		return f.Now(), nil
	}
	return time.Now(), nil
}

// ChannelsOf returns the channels a server publishes, or the procedure's
// when it publishes none (info nil: the server could not be asked).
func ChannelsOf(info *support.ServerInfo) support.Channels {
	if info == nil || info.Contact == nil {
		return support.DefaultChannels()
	}
	return info.Contact.OrDefaults()
}

// PhoneWhenOpen returns the line that ends a `bloquante` ticket: the phone
// number to call, when the line is open now; "" when it is closed or its
// hours cannot be read.
func (f *Factory) PhoneWhenOpen(info *support.ServerInfo) string {
	c := ChannelsOf(info)
	h, err := support.ParseHours(c.Hours)
	if err != nil {
		return ""
	}
	now, err := f.Clock()
	if err != nil {
		return ""
	}
	open, closes := h.State(now)
	if !open {
		return ""
	}
	return f.T("cli.contact.blocking_phone", map[string]string{"phone": c.Phone, "until": closes.Format("15:04")})
}
