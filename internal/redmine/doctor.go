package redmine

import (
	"context"
	"slices"
	"strings"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/locale"
	"github.com/ent-support/ent-support/internal/support"
)

// Doctor checks the profile against the Redmine, in order: server, key,
// project, tracker, each custom field (present in the project; with an
// admin key also its format, its values and its tracker), priorities and
// statuses. Each failed check names what is missing and how to add it.
// An unreachable server or a refused key ends the list.
func (c *Client) Doctor(ctx context.Context) []support.Check {
	lang := locale.FromAcceptLanguage(c.cfg.Lang)
	t := func(key string, p map[string]string) string { return locale.T(lang, key, p) }
	var out []support.Check
	add := func(name string, ok bool, detail, fix string) {
		out = append(out, support.Check{Name: name, OK: ok, Detail: detail, Fix: fix})
	}
	srv := map[string]string{"server": c.base, "project": c.cfg.Project, "tracker": c.cfg.Tracker}

	var me currentUser
	err := c.getJSON(ctx, "/users/current.json", nil, &me)
	switch support.ErrorCode(err) {
	case "":
		add(t("redmine.doctor.server", srv), true, c.base, "")
		srv["user"] = me.User.Login
		add(t("redmine.doctor.key", srv), true, t("redmine.doctor.key_ok", srv), "")
	case support.EUNAVAILABLE, support.EINTERNAL:
		add(t("redmine.doctor.server", srv), false, t("redmine.doctor.unreachable", srv), t("redmine.doctor.unreachable_fix", srv))
		return out
	default: // 401, or 403 when the REST API is off
		add(t("redmine.doctor.server", srv), true, c.base, "")
		add(t("redmine.doctor.key", srv), false, t("redmine.doctor.key_bad", srv), t("redmine.doctor.key_fix", srv))
		return out
	}

	var p projectAnswer
	if err := c.projectInfo(ctx, &p); err != nil {
		add(t("redmine.doctor.project", srv), false, t("redmine.doctor.project_missing", srv), t("redmine.doctor.project_fix", srv))
		return out
	}
	add(t("redmine.doctor.project", srv), true, p.Project.Name, "")
	if slices.ContainsFunc(p.Project.Trackers, func(x idName) bool { return sameName(x.Name, c.cfg.Tracker) }) {
		add(t("redmine.doctor.tracker", srv), true, "", "")
	} else {
		add(t("redmine.doctor.tracker", srv), false, t("redmine.doctor.tracker_missing", srv), t("redmine.doctor.tracker_fix", srv))
	}

	out = append(out, c.doctorFields(ctx, p, t)...)

	var pr priorityList
	if err := c.getJSON(ctx, "/enumerations/issue_priorities.json", nil, &pr); err == nil {
		for _, q := range support.Priorities {
			pp := map[string]string{"priority": string(q), "name": c.priorityName(q)}
			ok := slices.ContainsFunc(pr.IssuePriorities, func(e struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Active bool   `json:"active"`
			}) bool {
				return e.Active && sameName(e.Name, c.priorityName(q))
			})
			if ok {
				add(t("redmine.doctor.priority", pp), true, "", "")
			} else {
				add(t("redmine.doctor.priority", pp), false, t("redmine.doctor.priority_missing", pp), t("redmine.doctor.priority_fix", pp))
			}
		}
	}
	var st statusList
	if err := c.getJSON(ctx, "/issue_statuses.json", nil, &st); err == nil {
		for _, s := range support.Statuses {
			sp := map[string]string{"status": string(s), "name": c.statusName(s)}
			if slices.ContainsFunc(st.IssueStatuses, func(x status) bool { return sameName(x.Name, c.statusName(s)) }) {
				add(t("redmine.doctor.status", sp), true, "", "")
			} else {
				add(t("redmine.doctor.status", sp), false, t("redmine.doctor.status_missing", sp), t("redmine.doctor.status_fix", sp))
			}
		}
	}
	return out
}

// doctorFields checks each custom field with helpdesk.DoctorFields. An
// admin key sees every field's format, values and trackers: a field counts
// as present only when enabled for both the project and the tracker
// (else Redmine drops its values silently). Other keys see the project's
// fields by name only, so only their presence is checked, and said so.
func (c *Client) doctorFields(ctx context.Context, p projectAnswer, t func(string, map[string]string) string) []support.Check {
	params := func(k, name string) map[string]string {
		return map[string]string{"field": name, "project": c.cfg.Project, "tracker": c.cfg.Tracker,
			"format": wantFormat(k), "values": strings.Join(helpdesk.Allowed(k), " | ")}
	}
	var all customFieldList
	admin := c.getJSON(ctx, "/custom_fields.json", nil, &all) == nil
	defs := map[string]helpdesk.FieldDef{}
	known := map[string]string{} // names that exist but are not enabled: why
	for _, f := range p.Project.IssueCustomFields {
		if !admin {
			k := slices.IndexFunc(fieldKeys, func(k string) bool { return sameName(c.names[k], f.Name) })
			if k >= 0 { // presence only: assume the rest
				key := fieldKeys[k]
				defs[f.Name] = helpdesk.FieldDef{Name: f.Name, List: helpdesk.Allowed(key) != nil,
					Multiple: helpdesk.Multiple(key), Values: helpdesk.Allowed(key)}
			}
		}
	}
	for _, d := range all.CustomFields {
		if d.CustomizedType != "issue" {
			continue
		}
		inProject := slices.ContainsFunc(p.Project.IssueCustomFields, func(x idName) bool { return x.ID == d.ID })
		inTracker := slices.ContainsFunc(d.Trackers, func(x idName) bool { return sameName(x.Name, c.cfg.Tracker) })
		switch {
		case inProject && inTracker:
			def := helpdesk.FieldDef{Name: d.Name, List: d.FieldFormat == "list", Multiple: d.Multiple}
			for _, v := range d.PossibleValues {
				def.Values = append(def.Values, v.Value)
			}
			defs[d.Name] = def
		case inProject:
			known[d.Name] = t("redmine.doctor.field_tracker", params("", d.Name))
		default:
			known[d.Name] = t("redmine.doctor.field_project", params("", d.Name))
		}
	}
	checks := helpdesk.DoctorFields(defs, c.names,
		func(k, name string) string { return t("redmine.doctor.field", params(k, name)) },
		func(k, name string, missing []string, problem string) string {
			pp := params(k, name)
			switch problem {
			case "type":
				return t("redmine.doctor.field_type_fix", pp)
			case "values":
				pp["values"] = strings.Join(missing, " | ")
				return t("redmine.doctor.field_values_fix", pp)
			}
			return t("redmine.doctor.field_fix", pp)
		})
	for i, k := range c.names.Keys() {
		pp := params(k, c.names[k])
		switch {
		case checks[i].OK && admin:
			checks[i].Detail = t("redmine.doctor.field_ok", pp)
		case checks[i].OK:
			checks[i].Detail = t("redmine.doctor.field_ok_nonadmin", pp)
		case known[c.names[k]] != "":
			checks[i].Detail = known[c.names[k]]
		default:
			checks[i].Detail = t("redmine.doctor.field_missing", pp)
		}
	}
	return checks
}

// wantFormat is the Redmine field format doctor advises for an ENT field.
func wantFormat(key string) string {
	if helpdesk.Allowed(key) != nil {
		return "list"
	}
	return "string"
}
