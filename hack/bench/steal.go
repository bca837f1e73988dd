package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the machine's CPU time so far, in clock ticks, from
// /proc/stat's first line: the total of every state, the part the
// hypervisor stole, and the busy part (user, nice, system, irq, softirq:
// every process and the kernel, not idle, iowait or steal).
type cpuTimes struct{ total, steal, busy uint64 }

func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return cpuTimes{}, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var t cpuTimes
	// user nice system idle iowait irq softirq steal [guest guest_nice,
	// which user and nice already count].
	for i, s := range f[1:9] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return cpuTimes{}, fmt.Errorf("/proc/stat: field %d: %w", i+1, err)
		}
		t.total += v
		switch i {
		case 0, 1, 2, 5, 6:
			t.busy += v
		case 7:
			t.steal = v
		}
	}
	return t, nil
}

// stealSince is the share of the machine's CPU time the hypervisor took
// since start, as a percentage, or "?" when /proc/stat cannot tell. On a
// shared VM it is what makes two runs of one build disagree: the floor's
// wall time grows with it, and so does the noise of every ratio.
func stealSince(start cpuTimes) string {
	now, err := readCPUTimes()
	if err != nil || now.total <= start.total {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(now.steal-start.steal)/float64(now.total-start.total))
}

// busySince is the machine's busy CPU time since start (clock ticks of
// 10 ms: USER_HZ is 100 on Linux).
func busySince(start cpuTimes) (time.Duration, error) {
	now, err := readCPUTimes()
	if err != nil {
		return 0, err
	}
	return time.Duration(now.busy-start.busy) * 10 * time.Millisecond, nil
}
