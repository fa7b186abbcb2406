package redmine

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// catalog is what a Redmine says of the profile's project: ids for the
// names the profile uses. Found once per process, on first need.
type catalog struct {
	projectID     int64
	trackerID     int64
	fields        map[string]int64 // ENT field key -> custom field id (present in the project)
	priorities    map[support.Priority]int64
	priorityNames map[int64]string // every priority's name, by id
	statusIDs     map[support.Status]int64
	statuses      map[int64]status // every status, by id
	// defs are the project's custom fields by name, for helpdesk's checks:
	// names and ids only (formats and values are shown to admins only).
	defs map[string]helpdesk.FieldDef
}

// discover reads the project (trackers, custom fields) and the priorities
// and statuses, concurrently: three short reads.
func (c *Client) discover(ctx context.Context) (*catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.found != nil {
		return c.found, nil
	}
	var (
		p   projectAnswer
		pr  priorityList
		st  statusList
		err [3]error
	)
	done := make(chan struct{})
	go func() { err[1] = c.getJSON(ctx, "/enumerations/issue_priorities.json", nil, &pr); done <- struct{}{} }()
	go func() { err[2] = c.getJSON(ctx, "/issue_statuses.json", nil, &st); done <- struct{}{} }()
	err[0] = c.projectInfo(ctx, &p)
	<-done
	<-done
	for _, e := range err {
		if e != nil {
			return nil, e
		}
	}
	cat := &catalog{projectID: p.Project.ID, fields: map[string]int64{}, defs: map[string]helpdesk.FieldDef{},
		priorities: map[support.Priority]int64{}, priorityNames: map[int64]string{}, statusIDs: map[support.Status]int64{}, statuses: map[int64]status{}}
	for _, t := range p.Project.Trackers {
		if sameName(t.Name, c.cfg.Tracker) || (c.cfg.Tracker == "" && cat.trackerID == 0) {
			cat.trackerID = t.ID
		}
	}
	if cat.trackerID == 0 {
		return nil, support.Errorf(support.EINVALID, "redmine.no_tracker",
			map[string]string{"tracker": c.cfg.Tracker, "project": c.cfg.Project})
	}
	for _, f := range p.Project.IssueCustomFields {
		cat.defs[f.Name] = helpdesk.FieldDef{ID: strconv.FormatInt(f.ID, 10), Name: f.Name}
		for _, k := range fieldKeys {
			if sameName(f.Name, c.names[k]) {
				cat.fields[k] = f.ID
			}
		}
	}
	for _, e := range pr.IssuePriorities {
		cat.priorityNames[e.ID] = e.Name
	}
	for _, q := range support.Priorities {
		for _, e := range pr.IssuePriorities {
			if e.Active && sameName(e.Name, c.priorityName(q)) {
				cat.priorities[q] = e.ID
			}
		}
	}
	for _, s := range st.IssueStatuses {
		cat.statuses[s.ID] = s
	}
	for _, ours := range support.Statuses {
		for _, s := range st.IssueStatuses {
			if sameName(s.Name, c.statusName(ours)) {
				cat.statusIDs[ours] = s.ID
			}
		}
	}
	c.found = cat
	return cat, nil
}

func (c *Client) projectInfo(ctx context.Context, p *projectAnswer) error {
	err := c.getJSON(ctx, "/projects/"+url.PathEscape(c.cfg.Project)+".json",
		url.Values{"include": {"trackers,issue_custom_fields"}}, p)
	if support.ErrorCode(err) == support.ENOTFOUND || support.ErrorCode(err) == support.EFORBIDDEN {
		return support.Errorf(support.ENOTFOUND, "redmine.no_project_access", map[string]string{"project": c.cfg.Project})
	}
	return err
}

// ourStatus maps a Redmine status onto the SPEC's: by the names the
// profile gives (French defaults), then Rejeté and any other closed
// status as clos, anything else open as en_cours.
func (c *Client) ourStatus(s status) support.Status {
	for _, ours := range support.Statuses {
		if sameName(s.Name, c.statusName(ours)) {
			return ours
		}
	}
	if s.IsClosed {
		return support.StatusClosed
	}
	return support.StatusOpen
}

// ourPriority maps a Redmine priority onto ours by name ("" if none).
func (c *Client) ourPriority(name string) support.Priority {
	for _, p := range support.Priorities {
		if sameName(name, c.priorityName(p)) {
			return p
		}
	}
	return ""
}

// statusByID is the name of a status id seen in a journal.
func (cat *catalog) statusByID(v string) status {
	id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return cat.statuses[id]
}
