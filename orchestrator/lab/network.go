package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ip runs a batch of iproute2 commands in one process (in netns ns unless
// empty): one exec per namespace instead of one per command is most of what
// makes a 50-host Up fast.
func ip(ctx context.Context, ns string, lines []string, flags ...string) error {
	if len(lines) == 0 {
		return nil
	}
	args := append(append([]string(nil), flags...), "-batch", "-")
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return run(ctx, strings.NewReader(strings.Join(lines, "\n")+"\n"), "ip", args...)
}

func exists(path string) bool { _, err := os.Lstat(path); return err == nil }

func linkExists(dev string) bool { return exists(filepath.Join("/sys/class/net", dev)) }
func linkMaster(dev string) string {
	t, _ := os.Readlink(filepath.Join("/sys/class/net", dev, "master"))
	return filepath.Base(t)
}

// setupNetwork creates what is missing of the bridge, the namespaces and the
// veths in one root-namespace batch. Every line is either guarded by an
// existence check or idempotent ("replace", "set"), so a half-created lab is
// completed rather than duplicated.
func setupNetwork(ctx context.Context, l *Lab) error {
	br := bridgeName(l.Index)
	var lines []string
	if !linkExists(br) {
		lines = append(lines, "link add "+br+" type bridge")
	}
	lines = append(lines,
		// Otherwise the bridge takes the lowest port's MAC, which changes as
		// hosts come and go, and hosts' replies go to a stale gateway MAC.
		"link set "+br+" address "+mac(l.Index, 1),
		"link set "+br+" up",
		fmt.Sprintf("addr replace %s/24 dev %s", l.Gateway4, br),
		fmt.Sprintf("addr replace %s/64 dev %s nodad", l.Gateway6, br))
	for _, h := range l.Hosts {
		veth := vethName(l.Index, hostNumberOf(h))
		fresh := !linkExists(veth)
		if !netnsExists(h.NetNS) {
			if !fresh { // its peer is in a namespace nobody can name any more
				lines = append(lines, "link del "+veth)
			}
			lines = append(lines, "netns add "+h.NetNS)
			fresh = true
		}
		if fresh {
			lines = append(lines, addVeth(l.Index, h))
		}
		if fresh || linkMaster(veth) != br {
			lines = append(lines, "link set "+veth+" master "+br)
		}
		lines = append(lines, "link set "+veth+" up")
	}
	if err := ip(ctx, "", lines); err != nil {
		return fmt.Errorf("creating lab network %s: %w", br, err)
	}
	return nil
}

func addVeth(index int, h Host) string {
	return fmt.Sprintf("link add %s type veth peer name eth0 address %s netns %s",
		vethName(index, hostNumberOf(h)), mac(index, int(h.Addr4.As4()[3])), h.NetNS)
}

// setupHostNetwork configures the inside of h's namespace. No default route:
// a lab host can reach the lab subnet and nothing else.
func setupHostNetwork(ctx context.Context, h Host) error {
	err := ip(ctx, h.NetNS, []string{
		"link set lo up",
		"link set eth0 up",
		fmt.Sprintf("addr replace %s/24 dev eth0", h.Addr4),
		// nodad: the address is usable at once instead of after ~2 s of
		// duplicate address detection.
		fmt.Sprintf("addr replace %s/64 dev eth0 nodad", h.Addr6),
	})
	if err != nil {
		return fmt.Errorf("configuring network of %s: %w", h.Name, err)
	}
	return nil
}

// SetLinkDown takes h's link down (or up again), from the root side: an
// unreachable host for new connections and a stalled one for open ones.
func (l *Lab) SetLinkDown(h Host, down bool) error {
	state := "up"
	if down {
		state = "down"
	}
	if err := ip(context.Background(), "", []string{"link set " + vethName(l.Index, hostNumberOf(h)) + " " + state}); err != nil {
		return fmt.Errorf("setting link of %s %s: %w", h.Name, state, err)
	}
	return nil
}

// hostNumberOf recovers i from a host derived by newHost.
func hostNumberOf(h Host) int {
	n, _ := hostNumber(h.Name, "lab-")
	return n
}

// labLinks lists the namespaces, root-side veths and /etc/netns dirs of lab
// index by name, whatever lab.json says: teardown must also find what a
// crashed Up made.
func labLinks(index int) (netns, veths, etc []string) {
	for _, d := range []struct {
		dir, prefix string
		out         *[]string
	}{
		{"/run/netns", nsPrefix(index), &netns},
		{"/sys/class/net", vethPrefix(index), &veths},
		{"/etc/netns", nsPrefix(index), &etc},
	} {
		ents, _ := os.ReadDir(d.dir)
		for _, e := range ents {
			if _, ok := hostNumber(e.Name(), d.prefix); ok {
				*d.out = append(*d.out, e.Name())
			}
		}
	}
	return netns, veths, etc
}
