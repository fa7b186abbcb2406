package rt

import (
	"context"
	"net/http"
	"strings"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// Doctor checks the profile against RT, in order: the server answers as
// RT's REST2, the token is valid, the queue is visible, then each custom
// field (present on the queue, the right type, every value the client
// writes allowed) — the ENT priority field among them, which is how
// priorities are found. An unreachable server or a bad token ends the
// list. The field definitions read here refresh the client's cache.
func (c *Client) Doctor(ctx context.Context) []support.Check {
	p := map[string]string{"server": c.base, "queue": c.queue}
	var out []support.Check
	add := func(ok bool, name, detail, fix string) bool {
		ch := support.Check{Name: c.t(name, p), OK: ok}
		if detail != "" {
			ch.Detail = c.t(detail, p)
		}
		if !ok {
			ch.Fix = c.t(fix, p)
		}
		out = append(out, ch)
		return ok
	}

	// Reachable: REST2 answers 401 without a token.
	_, err := c.once(ctx, request{method: http.MethodGet, path: "/rt", anonymous: true})
	if !add(err == nil, "rt.doctor.reachable", "", "rt.doctor.reachable.fix") {
		return out
	}
	// The token.
	var ver struct {
		Version string `json:"Version"`
	}
	err = c.get(ctx, "/rt", nil, false, &ver)
	p["version"] = ver.Version
	if !add(err == nil, "rt.doctor.token", map[bool]string{true: "rt.doctor.token.detail"}[err == nil], "rt.doctor.token.fix") {
		return out
	}
	// The queue and its fields.
	q, err := c.queueFields(ctx, true)
	if !add(err == nil, "rt.doctor.queue", "", "rt.doctor.queue.fix") {
		if code := support.ErrorCode(err); code != support.ENOTFOUND {
			out[len(out)-1].Detail = err.Error()
		}
		return out
	}
	label := func(key, name string) string {
		return c.t("rt.doctor.field", map[string]string{"name": name, "field": helpdesk.FormField(key)})
	}
	fix := func(key, name string, missing []string, problem string) string {
		fp := map[string]string{"name": name, "queue": c.queue, "values": strings.Join(missing, ", ")}
		switch {
		case problem == "missing" && missing == nil:
			return c.t("rt.doctor.field.missing_text", fp)
		case problem == "missing" && helpdesk.Multiple(key):
			return c.t("rt.doctor.field.missing_multi", fp)
		case problem == "missing":
			return c.t("rt.doctor.field.missing_select", fp)
		case problem == "type" && helpdesk.Multiple(key):
			return c.t("rt.doctor.field.type_multi", fp)
		case problem == "type":
			return c.t("rt.doctor.field.type_select", fp)
		}
		return c.t("rt.doctor.field.values", fp)
	}
	return append(out, helpdesk.DoctorFields(q.Fields, c.names, label, fix)...)
}
