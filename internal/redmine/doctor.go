package redmine

import (
	"context"
	"slices"
	"strings"

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

	// Formats, values and trackers are only visible to admins.
	var defs customFieldList
	admin := c.getJSON(ctx, "/custom_fields.json", nil, &defs) == nil
	for _, k := range fieldKeys {
		name := c.fieldName(k)
		fp := map[string]string{"field": name, "project": c.cfg.Project, "tracker": c.cfg.Tracker,
			"format": wantFormat(k), "values": strings.Join(wantValues(k), " | ")}
		label := t("redmine.doctor.field", fp)
		inProject := slices.ContainsFunc(p.Project.IssueCustomFields, func(x idName) bool { return sameName(x.Name, name) })
		if !admin {
			if inProject {
				add(label, true, t("redmine.doctor.field_ok_nonadmin", fp), "")
			} else {
				add(label, false, t("redmine.doctor.field_missing", fp), t("redmine.doctor.field_fix", fp))
			}
			continue
		}
		i := slices.IndexFunc(defs.CustomFields, func(d customFieldDef) bool {
			return d.CustomizedType == "issue" && sameName(d.Name, name)
		})
		if i < 0 {
			add(label, false, t("redmine.doctor.field_missing", fp), t("redmine.doctor.field_fix", fp))
			continue
		}
		if problems := c.fieldProblems(defs.CustomFields[i], k, inProject, t, fp); len(problems) > 0 {
			add(label, false, strings.Join(problems, " ; "), t("redmine.doctor.field_fix", fp))
			continue
		}
		add(label, true, t("redmine.doctor.field_ok", fp), "")
	}

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

// fieldProblems lists what is wrong with a custom field's definition.
func (c *Client) fieldProblems(d customFieldDef, key string, inProject bool, t func(string, map[string]string) string, fp map[string]string) []string {
	var out []string
	if !slices.Contains(okFormats(key), d.FieldFormat) {
		out = append(out, t("redmine.doctor.field_format", map[string]string{"format": d.FieldFormat, "want": wantFormat(key)}))
	}
	if key == keyPopulation && !d.Multiple {
		out = append(out, t("redmine.doctor.field_multiple", nil))
	}
	var have []string
	for _, v := range d.PossibleValues {
		have = append(have, v.Value)
	}
	var lacking []string
	for _, v := range wantValues(key) {
		if !slices.ContainsFunc(have, func(h string) bool { return sameName(h, v) }) {
			lacking = append(lacking, v)
		}
	}
	if len(lacking) > 0 && d.FieldFormat == "list" {
		out = append(out, t("redmine.doctor.field_values", map[string]string{"values": strings.Join(lacking, " | ")}))
	}
	if !slices.ContainsFunc(d.Trackers, func(x idName) bool { return sameName(x.Name, c.cfg.Tracker) }) {
		out = append(out, t("redmine.doctor.field_tracker", fp))
	}
	if !inProject {
		out = append(out, t("redmine.doctor.field_project", fp))
	}
	return out
}

// okFormats are the Redmine field formats that hold an ENT field's values.
func okFormats(key string) []string {
	switch key {
	case keyFunction:
		return []string{"list", "string"}
	case keyPopulation:
		return []string{"list"}
	case keyLocation:
		return []string{"string", "link", "text"}
	}
	return []string{"string", "text"}
}

// wantFormat is the Redmine field format doctor advises for an ENT field.
func wantFormat(key string) string {
	if key == keyFunction || key == keyPopulation {
		return "list"
	}
	return "string"
}

// wantValues are the values a list field must allow: our labels.
func wantValues(key string) []string {
	var out []string
	switch key {
	case keyFunction:
		for _, f := range support.Functions {
			out = append(out, functionLabel(f))
		}
	case keyPopulation:
		for _, p := range support.Populations {
			out = append(out, populationLabel(p))
		}
	}
	return out
}
