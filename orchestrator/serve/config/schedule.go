package config

import (
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/action"
)

var scheduleKeys = []string{"name", "playbook", "action", "cron", "splay", "limit", "timeout"}

// Schedule runs an action on a playbook's hosts at the times Cron names.
type Schedule struct {
	Name     string
	Playbook string // a key of Config.Playbooks
	Action   action.Name
	Cron     string        // as written
	Schedule cron.Schedule // Cron parsed; fires at least once
	Splay    time.Duration // a random delay in [0, Splay] before each run
	Timeout  time.Duration // 0: the daemon's default
	Limit    string        // Ansible host pattern; "" for every host
}

// Period returns the gap between the next two fire times after at: what
// the daemon compares a missed run's age with. 0 if either never comes.
func (s Schedule) Period(at time.Time) time.Duration {
	first := s.Schedule.Next(at)
	if first.IsZero() {
		return 0
	}
	second := s.Schedule.Next(first)
	if second.IsZero() {
		return 0
	}
	return second.Sub(first)
}

func (d *decoder) schedules(n *yaml.Node, c *Config) []Schedule {
	return items(d, n, "schedules", c, d.schedule)
}

// items decodes each entry of the list at key with one, keeping those
// that decoded; seen catches duplicate names across the list.
func items[T any](d *decoder, n *yaml.Node, key string, c *Config, one func(*yaml.Node, string, *Config, names) (T, bool)) []T {
	var out []T
	seen := names{}
	for i, item := range d.list(n, key) {
		if v, ok := one(item, yamlnode.Index(key, i), c, seen); ok {
			out = append(out, v)
		}
	}
	return out
}

func (d *decoder) schedule(item *yaml.Node, path string, c *Config, seen names) (Schedule, bool) {
	m, ok := d.section(item, path, scheduleKeys...)
	if !ok {
		return Schedule{}, false
	}
	before := len(d.errs)
	s := Schedule{Name: d.name(m, item, path, "schedule", seen)}
	t := d.target(m, item, path, c)
	s.Playbook, s.Action, s.Limit = t.Playbook, t.Action, t.Limit
	if v := m["cron"]; v == nil {
		d.errorf(yamlnode.Resolve(item).Line, yamlnode.At(path, "cron"), "required")
	} else if spec, ok := d.Str(v, yamlnode.At(path, "cron")); ok {
		s.Cron = spec
		sched, err := ParseCron(spec)
		if err != nil {
			d.errorf(yamlnode.Resolve(v).Line, yamlnode.At(path, "cron"), "%v", err)
		}
		s.Schedule = sched
	}
	s.Splay = d.duration(m["splay"], yamlnode.At(path, "splay"), 0)
	s.Timeout = d.positive(m["timeout"], yamlnode.At(path, "timeout"), 0)
	return s, len(d.errs) == before
}
