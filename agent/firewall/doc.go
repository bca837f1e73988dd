// Package firewall is the agent's firewall step: it renders the playbook's
// profile for the host's packet filter (iptables through go-iptables and
// iptables-restore, or nftables through one `nft -f` batch), applies it as
// one transaction per family, and guards the change with a rollback
// watchdog that outlives the SSH session until the orchestrator confirms
// over a new connection.
//
// The bar is NETCONF's confirmed commit (RFC 6241, 8.4): the revert
// happens whatever happens to the session that made the change. Killed
// agent, cut link, a killed orchestrator, logind killing the login's
// processes, a suspend or a wall-clock step in between: none of them may
// keep unconfirmed rules in place. Hence the watchdog (watchdog*.go):
//
//   - it runs outside the SSH session: a transient systemd unit of its own
//     (ck8s-rollback-<id>, systemd-run) where systemd is init, whose
//     cgroup logind never kills; elsewhere a detached process in its own
//     session; if systemd-run fails, detached, and the report says why;
//   - it waits on CLOCK_BOOTTIME (clock.go): an NTP step moves nothing, a
//     suspend counts, a deadline from an earlier boot has passed;
//   - its rollback never gives up: a busy lock or a refused batch is tried
//     again with a backoff (1 s doubling to 30 s), each failure logged;
//   - it is known by its executable's inode, uid and start time (proc.go),
//     never by a command line another user could imitate after a pid
//     reuse; a confirm signals that process only.
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
//	pending.json  an applied but unconfirmed change: id, deadline (boot
//	              id and CLOCK_BOOTTIME, and the wall time for messages),
//	              the rollback batch, the watchdog's pid, identity and unit
//	watchdog-<id>.pid  the pid a watchdog announces (systemd-run does not)
//	confirm-<id>  created over a new connection to confirm the change: its
//	              watchdog confirms it (or, past the deadline, rolls back)
//	watchdog-<id>.log  a detached watchdog's log (a unit's goes to the journal)
//	result-<id>.json  how a change ended: confirmed or rolled back, and why
//	applied.json  a record of the last confirmed apply (owned state, the
//	              profile's hash, time); drift is never judged from it but
//	              from the live rules against the profile applied in a
//	              scratch network namespace (expect.go)
package firewall
