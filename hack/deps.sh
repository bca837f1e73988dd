#!/usr/bin/env bash
# Installs the Debian packages the lab, the tests and the benchmarks need.
# Idempotent and quiet when everything is there: `apt-get update` runs only
# when something is missing.
set -euo pipefail

pkgs=(openssh-server openssh-client iproute2 iptables nftables sudo util-linux procps psmisc coreutils nmap git ca-certificates)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
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
