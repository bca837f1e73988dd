#!/usr/bin/env bash
# hostcpu-trace.sh: host-side CPU of one harden, per program, counted
# exactly as processes exit (bpftrace on sched_process_exit: the
# scheduler's runtime of every thread that ends; its utime+stime are tick
# samples, 4 ms each, which put a 2 ms iptables-save at 4 or 0), with
# the floor's key exchange (curve25519), on a quiet machine, one lab host,
# runs in sequence. It complements the hostcpu section (hack/bench/hostcpu.go),
# whose sshd-reaped figure leaves out the detached watchdog and, with ten
# hosts in parallel, includes what contention adds. Needs root, bpftrace
# (apt-get install bpftrace) and a lab host (ck8sctl lab up).
#
#   hostcpu-trace.sh CK8SCTL PLAYBOOK_A PLAYBOOK_B N
#
# PLAYBOOK_A and PLAYBOOK_B name the same host with two firewall
# profiles (one opening a port the other does not): N re-runs of A, then
# N harden runs alternating A and B (each an apply + confirm). The
# orchestrator's own processes are not counted.
set -euo pipefail
bin=$1 a=$2 b=$3 n=$4
self=$(basename "$bin" | cut -c1-15) # its comm, which the trace leaves out
db=$(mktemp -d)/trace.db
run() { "$bin" --log-level error harden -p "$1" --db "$db" --ssh-config none --ssh-kex curve25519-sha256 -o json >/dev/null; }
trace() { # trace NAME CMD...: per-run CPU of everything but the orchestrator
	local out; out=$(mktemp)
	bpftrace -e 'tracepoint:sched:sched_process_exit /comm != "ck8sctl" && comm != "'"$self"'" && comm != "exe" && comm != "bpftrace" && comm != "sleep" && comm != "seq"/ {
		@cpu_us[comm] = sum(curtask->se.sum_exec_runtime / 1000); @total_us = sum(curtask->se.sum_exec_runtime / 1000); }' >"$out" 2>&1 &
	local bt=$!
	sleep 5 # bpftrace attaches
	"${@:2}"
	sleep 1; kill -INT $bt; wait $bt || true
	echo "== $1: host-side CPU per run (ms), $n runs"
	awk -v n="$n" -F': ' '/^@/ { printf "  %-28s %7.1f\n", $1, $2 / n / 1000 }' "$out" | sort -k2 -n -r
	rm -f "$out"
}
reruns() { for _ in $(seq "$n"); do run "$a"; done; }
applies() { for i in $(seq "$n"); do if ((i % 2)); then run "$b"; else run "$a"; fi; done; }
run "$a"; sleep 2.6; run "$a" # the agent in place and its guard stamp written
trace "no-drift re-run" reruns
trace "apply + confirm (watchdog included)" applies
