// Package procowner names the process that owns a run, so that a later
// process can tell a run whose owner died (kill -9, a crash, a reboot)
// from one still going: host name, boot id, pid and the pid's start time
// (a reused pid has another start time).
package procowner

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Self is this process's owner string: HOST/BOOTID/PID/START.
func Self() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return fmt.Sprintf("%s/%s/%d/%d", host, bootID(), pid, StartTime(pid))
}

// Alive reports whether the owner may still run: false only when it was
// on this machine and is provably gone (another boot, no such pid, or the
// pid now belongs to a process that started at another time). An owner on
// another machine, or one that does not parse, counts as alive: nothing
// here can prove it dead.
func Alive(owner string) bool {
	f := strings.Split(owner, "/")
	if len(f) != 4 {
		return true
	}
	host, _ := os.Hostname()
	if f[0] != host {
		return true
	}
	if f[1] != bootID() {
		return false
	}
	pid, err := strconv.Atoi(f[2])
	if err != nil {
		return true
	}
	start, state := stat(pid)
	// A zombie has died: it only waits to be reaped, and an orphan (a
	// ck8sctl whose supervisor was killed) waits on whatever init does.
	return start != 0 && state != 'Z' && state != 'X' && strconv.FormatUint(start, 10) == f[3]
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// StartTime is field 22 of /proc/PID/stat (clock ticks after boot), 0 if
// there is no such process. With the pid it names one process for the
// whole boot: unlike the command line, it survives exec and never reads
// empty mid-exec. The command name (field 2) may hold spaces and
// parentheses: fields are counted after its last ')'.
func StartTime(pid int) uint64 {
	start, _ := stat(pid)
	return start
}

// stat is PID's start time and state (field 3: R, S, Z...).
func stat(pid int) (uint64, byte) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return 0, 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64)
	return v, f[0][0]
}
