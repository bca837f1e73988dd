#!/usr/bin/env bash
# hack/k8s-env/smoke.sh: end-to-end check of the k8s-env binaries (run as
# root; not part of make test). Builds them if needed (hack/k8s-env.sh), then,
# inside a scratch network namespace (its own loopback only):
#
#   - starts Debian's etcd and the kube-apiserver with certificates made by
#     openssl (CA, serving cert for 127.0.0.1, admin client cert in
#     system:masters, service-account key pair);
#   - applies cert-manager's CRDs and the cert-manager namespace with curl;
#   - checks cert-manager-controller fails fast against a closed port;
#   - runs it, checks every controller starts, that a self-signed Issuer
#     issues a Certificate (its Secret appears), that an ACME ClusterIssuer
#     registers its account with pebble (the account key lands in the
#     cert-manager namespace), that an ACME Certificate gets its Order and
#     Challenge, and that SIGTERM stops it.
#
# Everything it starts is stopped and the namespace deleted on exit.
# Environment: CK8S_SMOKE_NETNS (default ck8sk8senvtest), CK8S_SMOKE_KEEP=1
# keeps the scratch directory (certs, logs) for inspection.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/tools.sh
CK8S_PROG=k8s-env-smoke
# shellcheck source-path=SCRIPTDIR source=../lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/tools.sh"

NETNS=${CK8S_SMOKE_NETNS:-ck8sk8senvtest}
API=https://127.0.0.1:6443

(($(id -u) == 0)) || ck8s_die "run as root (it creates the network namespace $NETNS)"
for c in ip openssl curl; do
	command -v "$c" >/dev/null || ck8s_die "$c is not installed"
done

# KUBE_APISERVER, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CRDS, ETCD, ...
env_lines=$(bash "$CK8S_ROOT/hack/k8s-env.sh") || ck8s_die "hack/k8s-env.sh failed"
while IFS='=' read -r k v; do
	case $k in
	KUBE_APISERVER | CERT_MANAGER_CONTROLLER | CERT_MANAGER_CRDS | PEBBLE | ETCD) printf -v "$k" '%s' "$v" ;;
	esac
done <<<"$env_lines"

work=$(mktemp -d /tmp/ck8s-k8s-env-smoke.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	local alive
	for _ in {1..40}; do # up to 20s for a graceful stop, then SIGKILL
		alive=0
		for p in "${pids[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		((alive)) || break
		sleep 0.5
	done
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NETNS" 2>/dev/null || true
	if [[ ${CK8S_SMOKE_KEEP:-} == 1 ]]; then
		ck8s_log "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# Background processes are started with a plain `ip netns exec` (which execs
# the command), never through a function: $! must be the process itself.
in_ns() { ip netns exec "$NETNS" "$@"; }
kcurl() {
	in_ns curl -sS --fail-with-body --max-time 10 --cacert "$work/ca.crt" \
		--cert "$work/admin.crt" --key "$work/admin.key" "$@"
}
fail() {
	ck8s_log "FAIL: $*"
	local f
	for f in "$work"/*.log; do
		[[ -f $f ]] || continue
		ck8s_log "--- last lines of $f"
		tail -n 25 "$f" >&2
	done
	exit 1
}
# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND once a second.
wait_for() {
	local n=$1 what=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	fail "$what (not within ${n}s)"
}

ck8s_log "certificates (openssl) in $work"
(
	cd "$work"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ck8s-k8s-env-ca \
		-keyout ca.key -out ca.crt
	openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout apiserver.key -out apiserver.csr
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
	openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile apiserver.ext -out apiserver.crt
	openssl req -newkey rsa:2048 -nodes -subj /O=system:masters/CN=ck8s-admin -keyout admin.key -out admin.csr
	printf 'extendedKeyUsage=clientAuth\n' >admin.ext
	openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile admin.ext -out admin.crt
	openssl req -newkey rsa:2048 -nodes -subj /CN=pebble -keyout pebble.key -out pebble.csr
	openssl x509 -req -in pebble.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
		-extfile apiserver.ext -out pebble.crt
	openssl genrsa -out sa.key 2048
	openssl rsa -in sa.key -pubout -out sa.pub
) >"$work/openssl.out" 2>&1 || {
	cat "$work/openssl.out" >&2
	ck8s_die "openssl failed"
}

cat >"$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: k8s-env
  cluster:
    server: $API
    certificate-authority: $work/ca.crt
users:
- name: admin
  user:
    client-certificate: $work/admin.crt
    client-key: $work/admin.key
contexts:
- name: k8s-env
  context: {cluster: k8s-env, user: admin}
current-context: k8s-env
EOF
sed "s#$API#https://127.0.0.1:1#" "$work/kubeconfig" >"$work/kubeconfig-closed"

ip netns del "$NETNS" 2>/dev/null || true
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up

ck8s_log "etcd and kube-apiserver in network namespace $NETNS"
ip netns exec "$NETNS" "$ETCD" --name k8s-env --data-dir "$work/etcd" \
	--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
	--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
	--initial-cluster k8s-env=http://127.0.0.1:2380 >"$work/etcd.log" 2>&1 &
pids+=($!)
wait_for 30 "etcd answers" in_ns curl -sf --max-time 2 http://127.0.0.1:2379/health

ip netns exec "$NETNS" "$KUBE_APISERVER" --etcd-servers http://127.0.0.1:2379 \
	--bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port 6443 \
	--endpoint-reconciler-type none --service-cluster-ip-range 198.19.240.0/24 \
	--authorization-mode RBAC --client-ca-file "$work/ca.crt" \
	--tls-cert-file "$work/apiserver.crt" --tls-private-key-file "$work/apiserver.key" \
	--service-account-issuer https://kubernetes.default.svc \
	--service-account-key-file "$work/sa.pub" --service-account-signing-key-file "$work/sa.key" \
	>"$work/kube-apiserver.log" 2>&1 &
pids+=($!)
wait_for 90 "kube-apiserver is ready (/readyz)" kcurl "$API/readyz"
ck8s_log "kube-apiserver $(kcurl "$API/version" | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p') ready"

ck8s_log "cert-manager CRDs and namespace"
for f in "$CERT_MANAGER_CRDS"/*.yaml; do
	sed '/^---$/d' "$f" | kcurl -o /dev/null -X POST -H 'Content-Type: application/yaml' \
		--data-binary @- "$API/apis/apiextensions.k8s.io/v1/customresourcedefinitions" ||
		fail "applying $f"
done
kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"cert-manager"}}' "$API/api/v1/namespaces" ||
	fail "creating the cert-manager namespace"
wait_for 30 "the cert-manager.io/v1 API is served" kcurl "$API/apis/cert-manager.io/v1"
wait_for 30 "the acme.cert-manager.io/v1 API is served" kcurl "$API/apis/acme.cert-manager.io/v1"

ck8s_log "cert-manager-controller against a closed port must fail fast"
start=$SECONDS
if in_ns "$CERT_MANAGER_CONTROLLER" --kubeconfig "$work/kubeconfig-closed" --startup-timeout 3s >"$work/closed.out" 2>&1; then
	fail "cert-manager-controller exited 0 against a closed port"
fi
((SECONDS - start < 30)) || fail "cert-manager-controller took $((SECONDS - start))s to give up"
grep -q 'unreachable' "$work/closed.out" || fail "no clear 'unreachable' error: $(tail -n 3 "$work/closed.out")"
ck8s_log "ok: $(grep -o 'the Kubernetes API server at [^ ]* is unreachable' "$work/closed.out" | head -n 1)"

ck8s_log "cert-manager-controller"
ip netns exec "$NETNS" "$CERT_MANAGER_CONTROLLER" --kubeconfig "$work/kubeconfig" --cluster-resource-namespace cert-manager \
	--acme-http01-solver-nameservers 127.0.0.1:53 --v 2 >"$work/cert-manager.log" 2>&1 &
cm_pid=$!
pids+=("$cm_pid")
for c in issuers clusterissuers certificates-trigger certificates-issuing certificates-key-manager \
	certificates-request-manager certificates-readiness certificates-revision-manager \
	certificaterequests-approver certificaterequests-issuer-acme orders challenges; do
	wait_for 30 "controller $c starts" grep -q "\"starting controller\" .*controller=\"$c\"" "$work/cert-manager.log"
done

ck8s_log "a self-signed Issuer issues a Certificate"
kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"apiVersion":"cert-manager.io/v1","kind":"Issuer","metadata":{"name":"selfsigned","namespace":"default"},"spec":{"selfSigned":{}}}' \
	"$API/apis/cert-manager.io/v1/namespaces/default/issuers" || fail "creating the Issuer"
kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"smoke","namespace":"default"},"spec":{"secretName":"smoke-tls","dnsNames":["smoke.example.test"],"issuerRef":{"name":"selfsigned","kind":"Issuer"}}}' \
	"$API/apis/cert-manager.io/v1/namespaces/default/certificates" || fail "creating the Certificate"
wait_for 60 "the Certificate's Secret smoke-tls is issued" kcurl "$API/api/v1/namespaces/default/secrets/smoke-tls"
ready() {
	kcurl "$API/apis/cert-manager.io/v1/namespaces/default/certificates/smoke" | tr -d ' \n' |
		grep -q '"status":"True","type":"Ready"'
}
wait_for 30 "the Certificate is Ready" ready

kill -0 "$cm_pid" 2>/dev/null || fail "cert-manager-controller died"
if grep -E 'panic|fatal error' "$work/cert-manager.log" >&2; then
	fail "cert-manager-controller logged a panic"
fi

ck8s_log "pebble; an ACME ClusterIssuer registers, an ACME Certificate gets its Order and Challenge"
cat >"$work/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000",
  "certificate": "$work/pebble.crt", "privateKey": "$work/pebble.key",
  "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
# -dnsserver: pebble's validation never uses the system resolver (nothing
# answers there; this smoke test stops before validation).
PEBBLE_VA_NOSLEEP=1 ip netns exec "$NETNS" "$PEBBLE" -config "$work/pebble.json" -dnsserver 127.0.0.1:8053 \
	>"$work/pebble.log" 2>&1 &
pids+=($!)
wait_for 30 "pebble serves its directory" in_ns curl -sf --max-time 2 --cacert "$work/ca.crt" https://127.0.0.1:14000/dir
ca_b64=$(base64 -w0 "$work/ca.crt")
kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"apiVersion":"cert-manager.io/v1","kind":"ClusterIssuer","metadata":{"name":"pebble"},"spec":{"acme":{"server":"https://127.0.0.1:14000/dir","caBundle":"'"$ca_b64"'","privateKeySecretRef":{"name":"pebble-account"},"solvers":[{"http01":{"ingress":{}}}]}}}' \
	"$API/apis/cert-manager.io/v1/clusterissuers" || fail "creating the ClusterIssuer"
issuer_ready() {
	kcurl "$API/apis/cert-manager.io/v1/clusterissuers/pebble" | tr -d ' \n' |
		grep -q '"status":"True","type":"Ready"'
}
wait_for 60 "the ACME ClusterIssuer is Ready (account registered with pebble)" issuer_ready
wait_for 10 "the ACME account key is in the cert-manager namespace" \
	kcurl "$API/api/v1/namespaces/cert-manager/secrets/pebble-account"
kcurl -o /dev/null -X POST -H 'Content-Type: application/json' \
	--data '{"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"acme","namespace":"default"},"spec":{"secretName":"acme-tls","dnsNames":["acme.example.test"],"issuerRef":{"name":"pebble","kind":"ClusterIssuer"}}}' \
	"$API/apis/cert-manager.io/v1/namespaces/default/certificates" || fail "creating the ACME Certificate"
has_items() { kcurl "$1" | tr -d ' \n' | grep -q '"items":\[{'; }
wait_for 60 "an ACME Order is created" has_items "$API/apis/acme.cert-manager.io/v1/namespaces/default/orders"
wait_for 60 "an ACME Challenge is created" has_items "$API/apis/acme.cert-manager.io/v1/namespaces/default/challenges"

ck8s_log "SIGTERM stops cert-manager-controller cleanly"
kill -TERM "$cm_pid"
for ((i = 0; i < 20; i++)); do
	kill -0 "$cm_pid" 2>/dev/null || break
	sleep 1
done
kill -0 "$cm_pid" 2>/dev/null && fail "cert-manager-controller still runs 20s after SIGTERM"
rc=0
wait "$cm_pid" || rc=$?
((rc == 0)) || fail "cert-manager-controller exited $rc after SIGTERM"

ck8s_log "PASS"
