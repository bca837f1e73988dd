package webhook

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// recorder is a test Enqueuer that dedupes by (hook, ID) like the store.
type recorder struct {
	mu    sync.Mutex
	calls []Delivery
	runs  map[string]string
	fail  error
}

func (r *recorder) Enqueue(_ context.Context, d Delivery) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, d)
	if r.fail != nil {
		return "", false, r.fail
	}
	key := d.Hook + "\x00" + d.ID
	if id, ok := r.runs[key]; ok {
		return id, true, nil
	}
	if r.runs == nil {
		r.runs = map[string]string{}
	}
	id := fmt.Sprintf("run-%d", len(r.runs)+1)
	r.runs[key] = id
	return id, false, nil
}

func (r *recorder) Calls() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.calls...)
}

// observer records outcomes as "hook/outcome".
type observer struct {
	mu   sync.Mutex
	seen []string
}

func (o *observer) Webhook(hook, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, hook+"/"+outcome)
}

func (o *observer) Seen() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.seen...)
}

// clock is a settable now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
