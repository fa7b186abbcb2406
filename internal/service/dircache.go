package service

import (
	"context"
	"sync"
	"time"

	"github.com/ent-support/ent-support/internal/support"
)

// dirCacheTTL is how long a directory lookup is reused: every create looks
// its establishment up, and the directory changes a few times a year. An
// establishment added by another server process is seen within this time;
// one added through this process at once.
const (
	dirCacheTTL = 5 * time.Second
	dirCacheMax = 10_000
)

// dirCache remembers the directory's answers (found or not found) for
// dirCacheTTL. Storage errors are never kept.
type dirCache struct {
	mu      sync.Mutex
	entries map[string]dirEntry
}

type dirEntry struct {
	e       *support.Establishment
	missing error // the store's ENOTFOUND, when not in the directory
	exp     time.Time
}

// establishment looks uai up through the cache.
func (s *Service) establishment(ctx context.Context, uai string) (*support.Establishment, error) {
	now := s.cfg.Now()
	c := &s.dir
	c.mu.Lock()
	ent, ok := c.entries[uai]
	c.mu.Unlock()
	if ok && now.Before(ent.exp) {
		if ent.missing != nil {
			return nil, ent.missing
		}
		e := *ent.e
		return &e, nil
	}
	e, err := s.store.GetEstablishment(ctx, uai)
	if err != nil && support.ErrorCode(err) != support.ENOTFOUND {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) >= dirCacheMax {
		c.entries = map[string]dirEntry{}
	}
	c.entries[uai] = dirEntry{e: e, missing: err, exp: now.Add(dirCacheTTL)}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := *e
	return &out, nil
}

// forgetDirectory drops the cache after this process changed the directory.
func (s *Service) forgetDirectory() {
	s.dir.mu.Lock()
	s.dir.entries = nil
	s.dir.mu.Unlock()
}
