package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// teardownHosts removes lab index's hosts whose number is above keep (all of
// them for keep 0): processes, veths, namespaces and per-host files. It finds
// them by name prefix rather than from lab.json so a crashed Up is undone too.
// dir may be empty when the owning lab dir is gone (a stale index).
func teardownHosts(ctx context.Context, dir string, index, keep int) error {
	netns, _, etc := labLinks(index)
	var doomed []string
	var spaces []fileID // network namespaces whose processes all go
	for _, ns := range netns {
		if n, _ := hostNumber(ns, nsPrefix(index)); n > keep {
			doomed = append(doomed, ns)
			if id, ok := statID(filepath.Join("/run/netns", ns)); ok {
				spaces = append(spaces, id)
			}
		}
	}
	var ts []target
	if dir != "" {
		ents, _ := os.ReadDir(filepath.Join(dir, "hosts"))
		for _, e := range ents {
			if n, ok := hostNumber(e.Name(), "lab-"); ok && n > keep {
				rec := recorded(dir, newHost(index, n))
				ts = append(ts, rec...)
				// A recorded process may live in a namespace whose name was
				// deleted; sweep that one too.
				for _, r := range rec {
					if id, ok := statID(fmt.Sprintf("/proc/%d/ns/net", r.pid)); ok {
						spaces = append(spaces, id)
					}
				}
			}
		}
	}
	// Sessions sshd spawned (agents, shells) leave its process group with
	// setsid and would keep a deleted namespace alive. Whatever runs inside a
	// lab host's network namespace belongs to that host, so it goes too.
	ts = append(ts, inNetns(spaces)...)
	var errs []error
	if err := terminate(ts); err != nil {
		errs = append(errs, fmt.Errorf("stopping lab processes: %w", err))
	}
	if err := deleteLinks(ctx, index, keep, doomed); err != nil {
		errs = append(errs, err)
	}
	for _, ns := range etc {
		// /etc/netns/<ns> holds files `ip netns exec` mounts over /etc (hosts,
		// resolv.conf); the name is the lab's, so a later lab starts clean.
		if n, _ := hostNumber(ns, nsPrefix(index)); n > keep {
			errs = append(errs, os.RemoveAll(filepath.Join("/etc/netns", ns)))
		}
	}
	if dir != "" {
		ents, _ := os.ReadDir(filepath.Join(dir, "hosts"))
		for _, e := range ents {
			if n, ok := hostNumber(e.Name(), "lab-"); ok && n > keep {
				errs = append(errs, removeAllSettled(hostDir(dir, e.Name())))
			}
		}
	}
	return errors.Join(errs...)
}

// deleteLinks deletes the veths of hosts above keep and the named
// namespaces. Deleting what is already gone is success: a namespace whose
// last process just died takes its veth with it, asynchronously, so the
// batch runs with -force and the result is checked instead.
func deleteLinks(ctx context.Context, index, keep int, netns []string) error {
	_, veths, _ := labLinks(index) // listed now: stopping processes may have removed some
	var lines, left []string
	for _, v := range veths {
		if n, _ := hostNumber(v, vethPrefix(index)); n > keep {
			lines = append(lines, "link del "+v) // synchronous, unlike netns del
			left = append(left, v)
		}
	}
	for _, ns := range netns {
		lines = append(lines, "netns del "+ns)
	}
	batchErr := ip(ctx, "", lines, "-force")
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var still []string
		for _, v := range left {
			if linkExists(v) {
				still = append(still, v)
			}
		}
		for _, ns := range netns {
			if netnsExists(ns) {
				still = append(still, "netns "+ns)
			}
		}
		if len(still) == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			err := fmt.Errorf("deleting lab hosts: %s still there", strings.Join(still, ", "))
			return errors.Join(err, batchErr)
		}
	}
}

// recorded returns h's sshd and decoys if their pid files name live
// processes that are still ours.
func recorded(dir string, h Host) []target {
	var ts []target
	for _, p := range []proc{sshdProc(dir, h), decoysProc(dir, h)} {
		if t, ok := p.recorded(); ok {
			ts = append(ts, t)
		}
	}
	return ts
}

// inNetns returns every process in one of the network namespaces; the
// namespace is rechecked before each signal.
func inNetns(spaces []fileID) []target {
	want := map[fileID]bool{}
	for _, id := range spaces {
		want[id] = true
	}
	// Never the namespace this program or init runs in: a recorded process
	// caught before `ip netns exec` entered its namespace must not turn the
	// sweep on the whole machine.
	for _, self := range []string{"/proc/self/ns/net", "/proc/1/ns/net"} {
		if id, ok := statID(self); ok {
			delete(want, id)
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

// removeAllSettled is os.RemoveAll, retried for a moment: the host's /etc
// overlay goes away with its last process's mount namespace, which the
// kernel releases a little after that process died, and until then a
// directory may refill as it is emptied.
func removeAllSettled(dir string) error {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}
