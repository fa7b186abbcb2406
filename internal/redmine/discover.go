package redmine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ent-support/ent-support/internal/config"
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
	me   currentUser // the key's owner
}

// raw is what discovery reads: kept in the state directory for an hour,
// so that filing a ticket costs Redmine no more requests than curl would.
type raw struct {
	SavedAt    time.Time     `json:"saved_at"`
	Project    projectAnswer `json:"project"`
	Priorities priorityList  `json:"priorities"`
	Statuses   statusList    `json:"statuses"`
	User       currentUser   `json:"user"` // the key's owner, with memberships
}

// cacheTTL bounds how long a project's names and ids are trusted; a
// create that does not match them reads them again at once.
const cacheTTL = time.Hour

// cachePath is the cache file of this server and project ("" for none).
func (c *Client) cachePath() string {
	if c.cfg.StateDir == "" {
		return ""
	}
	// One file per server, project and key: the user is the key's owner.
	h := sha256.Sum256([]byte(c.base + "\x00" + c.cfg.Project + "\x00" + c.cfg.Key))
	return filepath.Join(c.cfg.StateDir, "helpdesk", "redmine-"+hex.EncodeToString(h[:8])+".json")
}

// discover returns the project's catalog: from this process's memory,
// else the state directory's cache when fresh, else Redmine.
func (c *Client) discover(ctx context.Context) (*catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.found != nil {
		return c.found, nil
	}
	if path := c.cachePath(); path != "" {
		var r raw
		if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &r) == nil && time.Since(r.SavedAt) < cacheTTL {
			if cat, err := c.build(&r); err == nil {
				c.found, c.cached = cat, true
				return cat, nil
			}
		}
	}
	return c.fetch(ctx)
}

// rediscover drops a cached catalog and reads Redmine again; it returns
// nil when the catalog in hand is already fresh.
func (c *Client) rediscover(ctx context.Context) (*catalog, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.cached {
		return nil, nil
	}
	return c.fetch(ctx)
}

// fetch reads the project (trackers, custom fields), the priorities, the
// statuses and the key's owner, concurrently, and keeps them in the cache.
// c.mu is held.
func (c *Client) fetch(ctx context.Context) (*catalog, error) {
	r := raw{SavedAt: time.Now()}
	var err [4]error
	done := make(chan struct{})
	read := func(i int, path string, q url.Values, out any) {
		err[i] = c.getJSON(ctx, path, q, out)
		done <- struct{}{}
	}
	go read(1, "/enumerations/issue_priorities.json", nil, &r.Priorities)
	go read(2, "/issue_statuses.json", nil, &r.Statuses)
	go read(3, "/users/current.json", url.Values{"include": {"memberships"}}, &r.User)
	err[0] = c.projectInfo(ctx, &r.Project)
	for range 3 {
		<-done
	}
	for _, e := range err {
		if e != nil {
			return nil, e
		}
	}
	cat, e := c.build(&r)
	if e != nil {
		return nil, e
	}
	if path := c.cachePath(); path != "" {
		if b, err := json.Marshal(r); err == nil && os.MkdirAll(filepath.Dir(path), 0o700) == nil {
			config.WriteFileAtomic(path, b, 0o600) // a cache: a failure only costs requests
		}
	}
	c.found, c.cached = cat, false
	return cat, nil
}

// build derives the catalog from what Redmine said, with the profile's names.
func (c *Client) build(r *raw) (*catalog, error) {
	p, pr, st := r.Project, r.Priorities, r.Statuses
	cat := &catalog{me: r.User, projectID: p.Project.ID, fields: map[string]int64{}, defs: map[string]helpdesk.FieldDef{},
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

// ourStatus maps a Redmine status onto ours: by the names the
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
