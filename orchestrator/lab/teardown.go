package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// teardownHosts removes lab index's hosts whose number is above keep (all of
// them for keep 0): processes, veths, namespaces and per-host files. It finds
// them by name prefix rather than from lab.json so a crashed Up is undone too.
// dir may be empty when the owning lab dir is gone (a stale index).
func teardownHosts(ctx context.Context, dir string, index, keep int) error {
	netns, veths := labLinks(index)
	var doomed []string
	var ts []target
	for _, ns := range netns {
		if n, _ := hostNumber(ns, nsPrefix(index)); n > keep {
			doomed = append(doomed, ns)
			if dir != "" {
				ts = append(ts, recorded(dir, newHost(index, n))...)
			}
		}
	}
	// Sessions sshd spawned (agents, shells) leave its process group with
	// setsid and would keep a deleted namespace alive. Whatever runs inside a
	// lab host's network namespace belongs to that host, so it goes too.
	ts = append(ts, inNetns(doomed)...)
	var errs []error
	if err := terminate(ts); err != nil {
		errs = append(errs, fmt.Errorf("stopping lab processes: %w", err))
	}
	var lines []string
	for _, v := range veths {
		if n, _ := hostNumber(v, vethPrefix(index)); n > keep {
			lines = append(lines, "link del "+v) // synchronous, unlike netns del
		}
	}
	for _, ns := range doomed {
		lines = append(lines, "netns del "+ns)
	}
	if err := ip(ctx, "", lines); err != nil {
		errs = append(errs, fmt.Errorf("deleting lab hosts: %w", err))
	}
	for _, ns := range doomed {
		// /etc/netns/<ns> holds files `ip netns exec` mounts over /etc (hosts,
		// resolv.conf); the name is the lab's, so a later lab starts clean.
		errs = append(errs, os.RemoveAll(filepath.Join("/etc/netns", ns)))
		if n, _ := hostNumber(ns, nsPrefix(index)); dir != "" {
			errs = append(errs, os.RemoveAll(hostDir(dir, hostName(n))))
		}
	}
	return errors.Join(errs...)
}

// recorded returns h's sshd and decoys if their pid files name live
// processes that are still ours.
func recorded(dir string, h Host) []target {
	var ts []target
	for _, p := range []proc{sshdProc(dir, h), decoysProc(dir, h)} {
		if pid := p.pid(); pid != 0 {
			ts = append(ts, p.target(pid))
		}
	}
	return ts
}

// inNetns returns every process whose network namespace is one of the named
// ones; the namespace is rechecked before each signal.
func inNetns(names []string) []target {
	want := map[fileID]bool{}
	for _, n := range names {
		if id, ok := statID(filepath.Join("/run/netns", n)); ok {
			want[id] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	inLab := func(pid int) bool {
		id, ok := statID(fmt.Sprintf("/proc/%d/ns/net", pid))
		return ok && want[id] && running(pid)
	}
	var ts []target
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && inLab(pid) {
			ts = append(ts, target{pid, inLab})
		}
	}
	return ts
}
