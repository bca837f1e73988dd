package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// fault is one row of the table: what it does to a harden, at the
// trial's random moment (inject sleeps until then itself).
type fault struct {
	name string
	// cut, if set, is the policy of a profile that cuts SSH (only a
	// foreign sshSources): the fault is the profile itself.
	cut string
	// inRun faults act through the run itself: the host must be
	// reachable again from the moment ck8sctl exits.
	inRun bool
	// setup and teardown run before the harden and once it settled.
	setup, teardown func(ctx context.Context, tr *trial) error
	// inject acts on the running harden; hit says whether it found
	// something to act on, end when the fault stopped acting.
	inject func(ctx context.Context, tr *trial) (hit bool, end time.Time)
}

// only, when set (-only), keeps the faults whose name contains one of
// its comma-separated words.
var only string

// faults are the campaign's faults on backend, filtered by -only.
func faults(backend string) []fault {
	var out []fault
	for _, f := range allFaults(backend) {
		for _, w := range strings.Split(only, ",") {
			if strings.Contains(f.name, w) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

func allFaults(backend string) []fault {
	program := "iptables"
	if backend == backendNFT {
		program = "nft"
	}
	return []fault{
		{name: "orchestrator kill -9", inject: killOrchestrator},
		{name: "link cut (veth down) for confirmTimeout+3s", inject: cutLink},
		{name: "agent's SSH session killed (all its processes)", inject: killSession},
		{name: "host clock stepped +1h", inject: stepClock("1h"), teardown: unstepClock},
		{name: "host clock stepped -1h", inject: stepClock("-1h"), teardown: unstepClock},
		{name: "profile cuts SSH (policy drop)", cut: "drop", inRun: true, inject: atStart},
		{name: "profile cuts SSH (policy reject)", cut: "reject", inRun: true, inject: atStart},
		{name: program + " fails on the n-th call", setup: failNthCall, inRun: true, inject: atStart, teardown: unwrapFirewall},
		{name: "disk full in /var/lib/ck8s (tmpfs)", setup: smallDisk, inject: fillDisk, teardown: emptyDisk},
	}
}

func sleepUntil(ctx context.Context, t time.Time) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Until(t)):
	}
}

func killOrchestrator(ctx context.Context, tr *trial) (bool, time.Time) {
	sleepUntil(ctx, tr.start.Add(tr.moment))
	hit := tr.cmd.Process.Kill() == nil // ErrProcessDone once it ended
	return hit, time.Now()
}

func cutLink(ctx context.Context, tr *trial) (bool, time.Time) {
	sleepUntil(ctx, tr.start.Add(tr.moment))
	if err := tr.v.l.SetLinkDown(tr.v.h, true); err != nil {
		tr.notef("link down: %v", err)
		return false, time.Now()
	}
	time.Sleep(tr.confirm + 3*time.Second)
	if err := tr.v.l.SetLinkDown(tr.v.h, false); err != nil {
		tr.notef("link up: %v", err)
	}
	return true, time.Now()
}

func killSession(ctx context.Context, tr *trial) (bool, time.Time) {
	sleepUntil(ctx, tr.start.Add(tr.moment))
	return tr.v.killSession() > 0, time.Now()
}

// stepClock steps the agent's wall clock by d (a ck8schaos agent reads
// firewall.ClockStepFile; the machine's clock is never touched).
func stepClock(d string) func(context.Context, *trial) (bool, time.Time) {
	return func(ctx context.Context, tr *trial) (bool, time.Time) {
		sleepUntil(ctx, tr.start.Add(tr.moment))
		hit := len(tr.v.agents("")) > 0
		if _, err := tr.v.sh(ctx, "mkdir -p /var/lib/ck8s/chaos && echo "+d+" > /var/lib/ck8s/chaos/clock-step"); err != nil {
			tr.notef("stepping the clock: %v", err)
		}
		return hit, time.Now()
	}
}

func unstepClock(ctx context.Context, tr *trial) error {
	_, err := tr.v.sh(ctx, "rm -f /var/lib/ck8s/chaos/clock-step")
	return err
}

func atStart(_ context.Context, tr *trial) (bool, time.Time) { return true, tr.start }

// iptPrograms are the six programs the agent derives from iptables; the
// host's alternatives (its own /etc overlay) point them at wrappers.
var iptPrograms = []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"}

const (
	chaosDir   = "/var/lib/ck8s/chaos"
	backendNFT = "nftables"
)

// wrapper is a counting wrapper script of program real: the n-th call
// (n in chaosDir/fail-at) exits 1 without running it.
func wrapper(real string) string {
	return fmt.Sprintf("'#!/bin/sh' 'd=%s; n=$(($(cat $d/calls) + 1)); echo $n > $d/calls' "+
		"'if [ \"$n\" = \"$(cat $d/fail-at)\" ]; then echo \"chaos: call $n fails\" >&2; exit 1; fi' 'exec %s \"$@\"'", chaosDir, real)
}

// wrapFirewall puts counting wrappers in front of the host's firewall
// programs (the backend's); the failAt-th call (0: none) fails.
func wrapFirewall(ctx context.Context, v hostView, failAt int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "mkdir -p %s/bin && echo 0 > %s/calls && echo %d > %s/fail-at\n", chaosDir, chaosDir, failAt, chaosDir)
	if v.backend == backendNFT {
		// nft is no alternative: the wrapper is bind-mounted over it in
		// the host's own mount namespace (never the machine's), and
		// runs a copy of the real one.
		fmt.Fprintf(&b, "grep -q ' /usr/sbin/nft ' /proc/self/mountinfo || cp /usr/sbin/nft %s/nft.real\n", chaosDir)
		fmt.Fprintf(&b, "printf '%%s\\n' %s > %s/bin/nft && chmod 755 %s/bin/nft\n", wrapper(chaosDir+"/nft.real"), chaosDir, chaosDir)
		fmt.Fprintf(&b, "grep -q ' /usr/sbin/nft ' /proc/self/mountinfo || mount --bind %s/bin/nft /usr/sbin/nft\n", chaosDir)
		_, err := v.sh(ctx, b.String())
		return err
	}
	for _, p := range iptPrograms {
		real := strings.Replace(p, "tables", "tables-nft", 1)
		fmt.Fprintf(&b, "printf '%%s\\n' %s > %s/bin/%s\n", wrapper("/usr/sbin/"+real), chaosDir, p)
		fmt.Fprintf(&b, "chmod 755 %s/bin/%s && ln -sfn %s/bin/%s /etc/alternatives/%s\n", chaosDir, p, chaosDir, p, p)
	}
	_, err := v.sh(ctx, b.String())
	return err
}

func unwrap(ctx context.Context, v hostView) error {
	if v.backend == backendNFT {
		_, err := v.sh(ctx, "while grep -q ' /usr/sbin/nft ' /proc/self/mountinfo; do umount /usr/sbin/nft || exit 1; done")
		return err
	}
	var b strings.Builder
	for _, p := range iptPrograms {
		fmt.Fprintf(&b, "ln -sfn /usr/sbin/%s /etc/alternatives/%s\n", strings.Replace(p, "tables", "tables-nft", 1), p)
	}
	_, err := v.sh(ctx, b.String())
	return err
}

func failNthCall(ctx context.Context, tr *trial) error {
	tr.failAt = 1 + rand.IntN(max(1, tr.w.fwCalls))
	return wrapFirewall(ctx, tr.v, tr.failAt)
}

func unwrapFirewall(ctx context.Context, tr *trial) error { return unwrap(ctx, tr.v) }

// smallDisk mounts a 64 MiB tmpfs on the host's /var/lib/ck8s (its own
// mount namespace) once; the agent is uploaded into it on the next run.
func smallDisk(ctx context.Context, tr *trial) error {
	_, err := tr.v.sh(ctx, "grep -q ' /var/lib/ck8s tmpfs ' /proc/mounts || mount -t tmpfs -o size=64m,mode=0700 ck8s-chaos /var/lib/ck8s; rm -f /var/lib/ck8s/filler")
	return err
}

func fillDisk(ctx context.Context, tr *trial) (bool, time.Time) {
	sleepUntil(ctx, tr.start.Add(tr.moment))
	out, err := tr.v.sh(ctx, "head -c $(df --output=avail -B1 /var/lib/ck8s | tail -1) /dev/zero > /var/lib/ck8s/filler 2>/dev/null; df --output=avail -B1 /var/lib/ck8s | tail -1")
	if err != nil {
		tr.notef("filling the disk: %v: %s", err, out)
	}
	return strings.TrimSpace(out) == "0", time.Now()
}

func emptyDisk(ctx context.Context, tr *trial) error {
	_, err := tr.v.sh(ctx, "rm -f /var/lib/ck8s/filler")
	return err
}
