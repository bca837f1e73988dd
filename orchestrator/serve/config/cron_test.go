package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseCron(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		period time.Duration // after june; 0: the spec is refused
	}{
		{"@hourly", time.Hour},
		{"*/5 * * * *", 5 * time.Minute},
		{"0 9 * * *", 24 * time.Hour},
		{"CRON_TZ=Europe/Berlin 30 2 * * *", 24 * time.Hour},
		{"TZ=UTC @daily", 24 * time.Hour},
		{"@every 90m", 90 * time.Minute},
		{"@every 1s", time.Second},
		{"0 0 29 2 *", 0}, // fires, but every four years: see below
		// refused, several of which make robfig/cron panic
		{"TZ=0", 0},
		{"CRON_TZ=", 0},
		{"CRON_TZ= * * * * *", 0},
		{"CRON_TZ=Nowhere/None * * * * *", 0},
		{"TZ=../../etc/passwd * * * * *", 0},
		{"* * * * * * *", 0},
		{"* * * *", 0},
		{"", 0},
		{"   ", 0},
		{"@every 0s", 0},
		{"@every -1m", 0},
		{"@every 500ms", 0},
		{"@every", 0},
		{"@every soon", 0},
		{"@fortnightly", 0},
		{"0 0 30 2 *", 0},
		{"*/0 * * * *", 0},
		{"1-2-3 * * * *", 0},
	} {
		s, err := ParseCron(tc.spec)
		switch {
		case tc.spec == "0 0 29 2 *":
			if err != nil {
				t.Errorf("%q: %v", tc.spec, err)
			} else if p := (Schedule{Schedule: s}).Period(june); p < 4*364*24*time.Hour {
				t.Errorf("%q: period %s", tc.spec, p)
			}
		case tc.period == 0 && err == nil:
			t.Errorf("%q accepted", tc.spec)
		case tc.period == 0 && !strings.HasPrefix(err.Error(), "invalid cron spec "):
			t.Errorf("%q: %v", tc.spec, err)
		case tc.period != 0 && err != nil:
			t.Errorf("%q: %v", tc.spec, err)
		case tc.period != 0:
			if p := (Schedule{Schedule: s}).Period(june); p != tc.period {
				t.Errorf("%q: period %s, want %s", tc.spec, p, tc.period)
			}
		}
	}
}

// A schedule's time zone is its own: 02:30 in Berlin is 00:30 UTC in summer.
func TestCronTimeZone(t *testing.T) {
	s, err := ParseCron("CRON_TZ=Europe/Berlin 30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Next(june).UTC(), time.Date(2025, 6, 11, 0, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("next = %s, want %s", got, want)
	}
}

// FuzzParseCron: whatever the spec, an error or a schedule, never a panic.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"TZ=0", "CRON_TZ=Europe/Berlin 30 2 * * *", "@every 1h", "*/5 1-3 * jan-mar mon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if s, err := ParseCron(spec); err == nil && s.Next(june).IsZero() {
			t.Fatalf("%q accepted but never fires", spec)
		}
	})
}
