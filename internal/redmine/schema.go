package redmine

import "time"

// The shapes of Redmine 5's JSON, as far as we read them.

type idName struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type customValue struct {
	ID       int64  `json:"id"`
	Name     string `json:"name,omitempty"`
	Multiple bool   `json:"multiple,omitempty"`
	// Value is a string, a list of strings, or null.
	Value any `json:"value"`
}

// strings returns v's value as a list (empty for null or "").
func (v customValue) strings() []string {
	switch x := v.Value.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

type status struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	IsClosed bool   `json:"is_closed"`
}

type attachment struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	Filesize    int64     `json:"filesize"`
	ContentType string    `json:"content_type"`
	ContentURL  string    `json:"content_url"`
	Author      idName    `json:"author"`
	CreatedOn   time.Time `json:"created_on"`
}

type journalDetail struct {
	Property string `json:"property"` // attr, cf, attachment, relation
	Name     string `json:"name"`
	OldValue string `json:"old_value"`
	NewValue string `json:"new_value"`
}

type journal struct {
	ID           int64           `json:"id"`
	User         idName          `json:"user"`
	Notes        string          `json:"notes"`
	PrivateNotes bool            `json:"private_notes"`
	CreatedOn    time.Time       `json:"created_on"`
	Details      []journalDetail `json:"details"`
}

type issue struct {
	ID              int64         `json:"id"`
	Project         idName        `json:"project"`
	Tracker         idName        `json:"tracker"`
	Status          status        `json:"status"`
	Priority        idName        `json:"priority"`
	Author          idName        `json:"author"`
	AssignedTo      *idName       `json:"assigned_to"`
	Subject         string        `json:"subject"`
	Description     string        `json:"description"`
	CustomFields    []customValue `json:"custom_fields"`
	CreatedOn       time.Time     `json:"created_on"`
	UpdatedOn       time.Time     `json:"updated_on"`
	Attachments     []attachment  `json:"attachments"`
	Journals        []journal     `json:"journals"`
	AllowedStatuses []status      `json:"allowed_statuses"`
}

type issueAnswer struct {
	Issue issue `json:"issue"`
}

type issueList struct {
	Issues     []issue `json:"issues"`
	TotalCount int     `json:"total_count"`
	Offset     int     `json:"offset"`
	Limit      int     `json:"limit"`
}

// issueWrite is what a create or an update sends.
type issueWrite struct {
	ProjectID    string        `json:"project_id,omitempty"`
	TrackerID    int64         `json:"tracker_id,omitempty"`
	Subject      string        `json:"subject,omitempty"`
	Description  string        `json:"description,omitempty"`
	PriorityID   int64         `json:"priority_id,omitempty"`
	StatusID     int64         `json:"status_id,omitempty"`
	AssignedToID int64         `json:"assigned_to_id,omitempty"`
	Notes        string        `json:"notes,omitempty"`
	CustomFields []customValue `json:"custom_fields,omitempty"`
	Uploads      []uploadRef   `json:"uploads,omitempty"`
}

type uploadRef struct {
	Token       string `json:"token"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
}

type projectAnswer struct {
	Project struct {
		ID                int64    `json:"id"`
		Name              string   `json:"name"`
		Identifier        string   `json:"identifier"`
		Trackers          []idName `json:"trackers"`
		IssueCustomFields []idName `json:"issue_custom_fields"`
	} `json:"project"`
}

type priorityList struct {
	IssuePriorities []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Active bool   `json:"active"`
	} `json:"issue_priorities"`
}

type statusList struct {
	IssueStatuses []status `json:"issue_statuses"`
}

// customFieldDef is one entry of GET /custom_fields.json (admins only).
type customFieldDef struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	CustomizedType string `json:"customized_type"`
	FieldFormat    string `json:"field_format"`
	Multiple       bool   `json:"multiple"`
	PossibleValues []struct {
		Value string `json:"value"`
	} `json:"possible_values"`
	Trackers []idName `json:"trackers"`
}

type customFieldList struct {
	CustomFields []customFieldDef `json:"custom_fields"`
}

type currentUser struct {
	User struct {
		ID        int64  `json:"id"`
		Login     string `json:"login"`
		Admin     bool   `json:"admin"`
		Firstname string `json:"firstname"`
		Lastname  string `json:"lastname"`
		Mail      string `json:"mail"`
		// Memberships come with ?include=memberships.
		Memberships []struct {
			Project idName   `json:"project"`
			Roles   []idName `json:"roles"`
		} `json:"memberships"`
	} `json:"user"`
}
