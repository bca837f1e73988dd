// Package firewall is the agent's firewall step: it renders the playbook's
// profile for the host's packet filter (iptables through go-iptables and
// iptables-restore, or nftables through one `nft -f` batch), applies it as
// one transaction per family, and guards the change with a rollback
// watchdog that outlives the SSH session until the orchestrator confirms
// over a new connection.
//
// Ownership is the rule that makes it safe on a Kubernetes host: the agent
// only ever creates, replaces or deletes its own objects (chains named
// CK8S-*, the jumps to them, the nftables table "inet ck8s"). Everything else
// (KUBE-*, CNI chains, DOCKER, the policies of the built-in chains) is read,
// never flushed or reordered.
//
// State lives under <stateDir>/firewall:
//
//	lock          flock serialising confirm against rollback
//	pending.json  an applied but unconfirmed change: id, deadline, the
//	              rollback batch, the watchdog's pid
//	result-<id>.json  how a change ended: confirmed or rolled back, and why
//	applied.json  a record of the last confirmed apply (owned state, the
//	              profile's hash, time); drift is never judged from it but
//	              from the live rules against the profile applied in a
//	              scratch network namespace (expect.go)
package firewall
