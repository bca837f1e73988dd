package firewall

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// procID tells one process apart from any later one with its pid: the
// kernel reuses pids, and any local user can start a process whose
// command line reads like ours. Neither can fake the executable's inode,
// the uid or the start time.
type procID struct {
	PID int `json:"pid"`
	// Start is field 22 of /proc/PID/stat: clock ticks after boot, set at
	// fork and never again, so a reused pid has another one.
	Start uint64 `json:"start"`
	// Dev and Ino are those of the executable (/proc/PID/exe): the agent
	// binary the watchdog runs, even after an upgrade replaced the file.
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
	UID int    `json:"uid"` // real and effective
}

// readProc reads pid's identity from the process table. A zombie has
// exited: it is an error, as is a process of two uids.
func readProc(pid int) (procID, error) {
	if pid <= 0 {
		return procID{}, fmt.Errorf("pid %d: no process", pid)
	}
	dir := "/proc/" + strconv.Itoa(pid)
	id := procID{PID: pid}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return procID{}, err
	}
	// The command name (field 2) is in parentheses and may hold anything,
	// spaces and parentheses included: count from the last ")".
	i := bytes.LastIndexByte(stat, ')')
	var fields []string
	if i >= 0 {
		fields = strings.Fields(string(stat[i+1:]))
	}
	if len(fields) < 20 {
		return procID{}, fmt.Errorf("%s/stat: cannot parse %q", dir, stat)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		return procID{}, fmt.Errorf("pid %d has exited", pid)
	}
	if id.Start, err = strconv.ParseUint(fields[19], 10, 64); err != nil {
		return procID{}, fmt.Errorf("%s/stat field 22 (starttime): %w", dir, err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(dir+"/exe", &st); err != nil {
		return procID{}, fmt.Errorf("the executable of pid %d: %w", pid, err)
	}
	id.Dev, id.Ino = st.Dev, st.Ino
	id.UID, err = procUID(dir)
	return id, err
}

// procUID returns the real uid of the process at dir, an error unless it
// equals the effective one.
func procUID(dir string) (int, error) {
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) < 2 || f[0] != f[1] {
				return 0, fmt.Errorf("%s/status: Uid %q: not one uid", dir, strings.TrimSpace(rest))
			}
			return strconv.Atoi(f[0])
		}
	}
	return 0, errors.New(dir + "/status: no Uid line")
}

// fileID returns the device and inode of path, following links.
func fileID(path string) (dev, ino uint64, err error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, 0, err
	}
	return st.Dev, st.Ino, nil
}

// same reports whether pid is, now, the process want recorded.
func (want procID) same() bool {
	got, err := readProc(want.PID)
	return err == nil && got == want
}

// cmdlineAlive is the check of a watchdog that an older agent started and
// did not record: pid's command line runs firewall-watchdog for id, and
// its uid is ours. The uid is what a local user cannot imitate.
func cmdlineAlive(pid int, id string) bool {
	got, err := readProc(pid)
	if err != nil || got.UID != os.Geteuid() {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	cmd, idArg := false, false
	for _, a := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
		cmd = cmd || string(a) == "firewall-watchdog"
		idArg = idArg || string(a) == id
	}
	return cmd && idArg
}
