package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseCron parses a schedule as robfig/cron/v3's standard parser does: five
// fields (minute hour day-of-month month day-of-week) or a descriptor
// (@hourly, @daily, @every 90m, ...), optionally after CRON_TZ=Zone (or
// TZ=Zone) and a space; without one the daemon's local time zone applies.
//
// Unlike the library it never panics ("TZ=0" slices out of range there),
// refuses @every shorter than a second (the library would round it up to
// one) and refuses a spec that never fires ("0 0 30 2 *").
func ParseCron(spec string) (s cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid cron spec %q", spec)
		}
	}()
	if msg := cronProblem(spec); msg != "" {
		return nil, fmt.Errorf("invalid cron spec %q: %s", spec, msg)
	}
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %v", spec, err)
	}
	if s.Next(time.Now()).IsZero() {
		return nil, fmt.Errorf("invalid cron spec %q: never fires", spec)
	}
	return s, nil
}

// cronProblem checks what the library gets wrong or words poorly: the
// time zone prefix and @every's interval.
func cronProblem(spec string) string {
	if strings.TrimSpace(spec) == "" {
		return "empty"
	}
	rest := spec
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if after, ok := strings.CutPrefix(spec, p); ok {
			zone, sched, ok := strings.Cut(after, " ")
			switch {
			case !ok || strings.TrimSpace(sched) == "":
				return "a time zone must be followed by a space and the schedule, as in \"CRON_TZ=Europe/Berlin 30 2 * * *\""
			case zone == "":
				return "empty time zone"
			}
			if _, err := time.LoadLocation(zone); err != nil {
				return fmt.Sprintf("unknown time zone %q", zone)
			}
			rest = strings.TrimSpace(sched)
			break
		}
	}
	if iv, ok := strings.CutPrefix(rest, "@every "); ok {
		d, err := time.ParseDuration(iv)
		switch {
		case err != nil:
			return fmt.Sprintf("@every needs a duration such as 90m, got %q", iv)
		case d < time.Second:
			return fmt.Sprintf("@every must be at least 1s, got %s", iv)
		}
	}
	return ""
}
