package rt

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/config"
	"github.com/ent-support/ent-support/internal/helpdesk"
	"github.com/ent-support/ent-support/internal/support"
)

// fieldsTTL is how long the queue's field definitions are trusted from the
// cache: reading them costs RT four requests (about 0.4 s each, most of it
// RT checking the token), too much for every `new`; the read-back after
// each create still catches a field removed in the meantime.
const fieldsTTL = 10 * time.Minute

// queueInfo is the queue and its ticket custom fields, by name.
type queueInfo struct {
	ID      int64                        `json:"id"`
	Fields  map[string]helpdesk.FieldDef `json:"fields"`
	Fetched time.Time                    `json:"fetched"`
}

type rtQueue struct {
	ID                 flexID `json:"id"`
	Name               string `json:"Name"`
	Lifecycle          string `json:"Lifecycle"`
	TicketCustomFields []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"TicketCustomFields"`
}

type rtCustomField struct {
	ID        flexID `json:"id"`
	Name      string `json:"Name"`
	Type      string `json:"Type"`
	Record    string `json:"type"` // "customfield": RT sends both keys; json matches case-blind
	MaxValues string `json:"MaxValues"`
	Values    any    `json:"Values"` // a list on the record, "" in collections
}

// queueFields returns the queue's fields, from the cache when fresh.
func (c *Client) queueFields(ctx context.Context, fresh bool) (*queueInfo, error) {
	if !fresh && c.cache != "" {
		if b, err := os.ReadFile(c.cache); err == nil {
			var q queueInfo
			if json.Unmarshal(b, &q) == nil && c.now().Sub(q.Fetched) < fieldsTTL && q.ID > 0 {
				return &q, nil
			}
		}
	}
	q, err := c.fetchQueueFields(ctx)
	if err != nil {
		return nil, err
	}
	if c.cache != "" {
		if b, err := json.Marshal(q); err == nil {
			_ = config.WriteFileAtomic(c.cache, b, 0o600)
		}
	}
	return q, nil
}

// fetchQueueFields reads the queue (its fields' names), their types in one
// collection call, then the allowed values of each list field, together.
func (c *Client) fetchQueueFields(ctx context.Context) (*queueInfo, error) {
	var q rtQueue
	if err := c.get(ctx, "/queue/"+url.PathEscape(c.queue), nil, false, &q); err != nil {
		if support.ErrorCode(err) == support.ENOTFOUND || support.ErrorCode(err) == support.EFORBIDDEN {
			return nil, support.Errorf(support.ENOTFOUND, "rt.queue_not_found", map[string]string{"queue": c.queue})
		}
		return nil, err
	}
	info := &queueInfo{ID: int64(q.ID), Fields: map[string]helpdesk.FieldDef{}, Fetched: c.now()}
	var coll struct {
		Items []rtCustomField `json:"items"`
	}
	path := "/queue/" + itoa(int64(q.ID)) + "/customfields"
	if err := c.get(ctx, path, url.Values{"fields": {"Name,Type,MaxValues"}, "per_page": {"100"}}, false, &coll); err != nil {
		return nil, err
	}
	types := map[string]rtCustomField{}
	for _, f := range coll.Items {
		types[itoa(int64(f.ID))] = f
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		err error
	)
	for _, f := range q.TicketCustomFields {
		t, seen := types[f.ID]
		d := helpdesk.FieldDef{ID: f.ID, Name: f.Name}
		if seen {
			d.List = isList(t.Type)
			d.Multiple = t.MaxValues != "1"
		}
		if !d.List {
			info.Fields[f.Name] = d
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var full rtCustomField
			e := c.get(ctx, "/customfield/"+d.ID, nil, false, &full)
			mu.Lock()
			defer mu.Unlock()
			if e != nil {
				if err == nil && support.ErrorCode(e) != support.EFORBIDDEN {
					err = e
				}
				// A field whose values we may not read is kept, without
				// values: checks then report each value as refused.
			}
			if vs, ok := full.Values.([]any); ok {
				for _, v := range vs {
					if s, ok := v.(string); ok {
						d.Values = append(d.Values, s)
					}
				}
			}
			info.Fields[f.Name] = d
		}()
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return info, nil
}

// isList: the RT field type whose values must come from its list
// (Combobox and Autocomplete also take free text).
func isList(t string) bool {
	switch strings.ToLower(t) {
	case "select":
		return true
	}
	return false
}
