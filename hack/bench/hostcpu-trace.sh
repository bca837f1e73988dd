#!/usr/bin/env bash
# hostcpu-trace.sh: host-side CPU of one harden (and of a first
# bootstrap), per program, counted
# exactly as processes exit (bpftrace on sched_process_exit: the
# scheduler's runtime of every thread that ends; its utime+stime are tick
# samples, 4 ms each, which put a 2 ms iptables-save at 4 or 0), with
# the floor's key exchange (curve25519), on a quiet machine, one lab host,
# runs in sequence. It complements the hostcpu section (hack/bench/hostcpu.go),
# whose sshd-reaped figure leaves out the detached watchdog and, with ten
# hosts in parallel, includes what contention adds. Needs root, bpftrace
# (apt-get install bpftrace) and a lab host (ck8sctl lab up).
#
#   hostcpu-trace.sh CK8SCTL PLAYBOOK_A PLAYBOOK_B N [NETNS]
#
# PLAYBOOK_A and PLAYBOOK_B name the same host with two firewall
# profiles (one opening a port the other does not): N re-runs of A, then
# N harden runs alternating A and B (each an apply + confirm). The
# orchestrator's own processes are not counted. With NETNS, the lab
# host's network namespace (`ip netns list`: ck8s<index>-<n>), N first
# bootstraps of A follow (A then needs the host's expectIPs and the lab's
# dns: section), each after a reset that removes the agent and the
# firewall inside the host's namespaces (nsenter into its sshd's); N
# resets alone are traced first and subtracted per program.
set -euo pipefail
bin=$1 a=$2 b=$3 n=$4 netns=${5:-}
self=$(basename "$bin" | cut -c1-15) # its comm, which the trace leaves out
db=$(mktemp -d)/trace.db
run() { "$bin" --log-level error harden -p "$1" --db "$db" --ssh-config none --ssh-kex curve25519-sha256 -o json >/dev/null; }
trace() { # trace NAME CMD...: per-run CPU of everything but the orchestrator
	local out; out=$(mktemp)
	bpftrace -e 'tracepoint:sched:sched_process_exit /comm != "ck8sctl" && comm != "'"$self"'" && comm != "exe" && comm != "bpftrace" && comm != "sleep" && comm != "seq" && comm != "nsenter"/ {
		@cpu_us[comm] = sum(curtask->se.sum_exec_runtime / 1000); @total_us = sum(curtask->se.sum_exec_runtime / 1000); }' >"$out" 2>&1 &
	local bt=$!
	sleep 5 # bpftrace attaches
	"${@:2}"
	sleep 1; kill -INT $bt; wait $bt || true
	awk -v n="$n" -F': ' '/^@/ { printf "  %-28s %7.1f\n", $1, $2 / n / 1000 }' "$out" | sort -k2 -n -r >"$1"
	rm -f "$out"
}
show() { # show NAME FILE: a traced block
	echo "== $1: host-side CPU per run (ms), $n runs"
	cat "$2"
}
reruns() { for _ in $(seq "$n"); do run "$a"; done; }
applies() { for i in $(seq "$n"); do if ((i % 2)); then run "$b"; else run "$a"; fi; done; }
run "$a"; sleep 2.6; run "$a" # the agent in place and its guard stamp written
blocks=$(mktemp -d)
trace "$blocks/reruns" reruns
show "no-drift re-run" "$blocks/reruns"
trace "$blocks/applies" applies
show "apply + confirm (watchdog included)" "$blocks/applies"
[ -n "$netns" ] || exit 0

# The reset runs in the host's namespaces, those of its sshd, and refuses
# to run in this machine's own: its firewall is never touched.
sshd=$(for p in $(ip netns pids "$netns"); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && echo "$p"; done | head -1 || true)
[ -n "$sshd" ] || { echo "no sshd in network namespace $netns" >&2; exit 1; }
reset() {
	nsenter -t "$sshd" -n -m -- sh -c '
[ "$(readlink /proc/self/ns/net)" != "$1" ] && [ "$(readlink /proc/self/ns/mnt)" != "$2" ] || { echo "refusing: this is the machine'"'"'s own namespace" >&2; exit 97; }
for t in iptables ip6tables; do
	while $t -w -t filter -D INPUT -j CK8S-INPUT 2>/dev/null; do :; done
	$t -w -t filter -F CK8S-INPUT 2>/dev/null; $t -w -t filter -X CK8S-INPUT 2>/dev/null
	while $t -w -t mangle -D PREROUTING -j CK8S-PREROUTING 2>/dev/null; do :; done
	$t -w -t mangle -F CK8S-PREROUTING 2>/dev/null; $t -w -t mangle -X CK8S-PREROUTING 2>/dev/null
done
nft delete table inet ck8s 2>/dev/null
rm -rf /var/lib/ck8s/bin /var/lib/ck8s/firewall' sh "$(readlink /proc/self/ns/net)" "$(readlink /proc/self/ns/mnt)"
}
first() { "$bin" --log-level error bootstrap -p "$a" --db "$db" --ssh-config none --ssh-kex curve25519-sha256 -o json >/dev/null; }
resets() { for _ in $(seq "$n"); do reset; done; }
firsts() { for _ in $(seq "$n"); do reset; first; done; }
trace "$blocks/resets" resets
trace "$blocks/firsts" firsts
# Per program: the bootstraps with their resets, less the resets alone.
echo "== first bootstrap (agent upload, watchdog included; the reset subtracted): host-side CPU per run (ms), $n runs"
awk 'NR == FNR { r[$1] = $2; next } { printf "  %-28s %7.1f\n", $1, $2 - r[$1] }' "$blocks/resets" "$blocks/firsts" | sort -k2 -n -r
