package firewall

import (
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// clock is what a change's deadline is measured with. The wait runs on
// boot: CLOCK_BOOTTIME, monotonic and counting suspend, so neither an NTP
// step nor a settimeofday moves a rollback, and a laptop or VM that slept
// past the deadline rolls back on waking. wall only dates messages and
// results, and is the whole deadline of a pending.json from an agent that
// predates the boot fields.
type clock struct {
	wall   func() time.Time
	boot   func() time.Duration // CLOCK_BOOTTIME since boot; 0 when unknown
	bootID string               // /proc/sys/kernel/random/boot_id; "" when unknown
}

// wallNow is the host's wall clock. Only a ck8schaos build changes it
// (clockstep_chaos.go).
var wallNow = time.Now

// systemClock is the host's clock.
func systemClock() clock {
	return clock{wall: wallNow, boot: bootTime, bootID: readBootID()}
}

// withWall is the host's clock with the wall time from now (Confirm takes
// one, for its messages and tests).
func withWall(now func() time.Time) clock {
	c := systemClock()
	c.wall = now
	return c
}

func bootTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// readBootID is the id the kernel draws at every boot: a boot-time
// deadline means something only in the boot that set it.
var readBootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// setDeadline sets p's deadline timeout from now on both clocks.
func (c clock) setDeadline(p *pending, timeout time.Duration) {
	p.Deadline = c.wall().Add(timeout).UTC()
	if now := c.boot(); now > 0 && c.bootID != "" {
		p.BootID, p.BootDeadline = c.bootID, now+timeout
	}
}

// left is how long p has until its deadline; zero or less: passed. A
// deadline from another boot has passed (the rules it guards were lost
// with that boot, or came back from the boot files, and nobody waited on
// them). A pending.json without the boot fields is judged by the wall
// clock, as the agent that wrote it did.
func (c clock) left(p *pending) time.Duration {
	if p.BootID == "" || p.BootDeadline <= 0 {
		return p.Deadline.Sub(c.wall())
	}
	if p.BootID != c.bootID {
		return 0
	}
	return p.BootDeadline - c.boot()
}
