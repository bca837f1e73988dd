#!/usr/bin/env bash
# Installs the Debian packages the lab, the tests and the benchmarks need.
# Idempotent and quiet when everything is there: `apt-get update` runs only
# when something is missing.
set -euo pipefail

pkgs=(openssh-server openssh-client iproute2 iptables nftables sudo util-linux procps psmisc coreutils openssl zstd nmap git ca-certificates etcd-server libxml2-utils ansible-core prometheus chromium-headless-shell postgresql zsh fish)
# openssl: the agent's install and launch guard hash with it where a host
# has it (bootstrap/upload.go), and the tests run both that and the
# sha256sum fallback.
# zstd: the install decompresses the agent with it where a host has it
# (bootstrap/upload.go); the lab hosts share this machine's /usr.
# etcd-server (/usr/bin/etcd, etcd 3.4): the store of the real kube-apiserver
# of the manifests tests (make k8s-env, hack/k8s-env.sh).
# libxml2-utils (xmllint): validates -o junit against its schema
# (orchestrator/report/testdata/junit.xsd); the test fails without it in CI.
# ansible-core: ansible-inventory and ansible, the reference the inventory
# tests compare orchestrator/inventory with (they fail under CI=true without
# it), and the baseline of the benchmarks' firewall and sweep sections
# (hack/bench/ansible). `hack/deps.sh bench` (make deps-bench) used to add it
# for the benchmarks only; the argument is now accepted and changes nothing.
# prometheus: its promtool checks and unit-tests the alerting rules of
# deploy/observability (the daemon it ships is never started by the tests).
# postgresql: the server binaries (initdb, pg_ctl, postgres) the store's
# tests start a throw-away cluster with (internal/pgtest; they fail under
# CI=true without it). The cluster Debian creates and starts with the
# package is not used.
# zsh, fish: the completion scripts run in their real shells
# (orchestrator/cli TestCompletionScripts, which fails under CI=true without
# them).
# chromium-headless-shell: the real browser of serve's status page tests
# (chromedp drives it; it is started with background networking off, so it
# contacts nothing but the test server on loopback).

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The lab's sshd runs without PAM, and OpenSSH then refuses even key logins
# to an account whose password field is locked ("!"). "*" still allows no
# password login at all, but leaves key login possible, as on a fresh host.
unlock_root() {
	if [ "$(id -u)" -eq 0 ] && getent shadow root | cut -d: -f2 | grep -q '^!'; then
		echo "deps: root's password field is locked ('!'); setting it to '*' (no password login, key login allowed)"
		usermod -p '*' root
	fi
}
if [ ${#missing[@]} -eq 0 ]; then
	unlock_root
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
unlock_root
