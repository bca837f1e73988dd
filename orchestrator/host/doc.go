// Package host is "a host you run commands on": an SSH client that checks
// known_hosts strictly (or records unknown hosts when asked; host
// certificates of a @cert-authority too), authenticates with ssh-agent and
// identity-file keys, honours ~/.ssh/config (including its trust keywords:
// known_hosts files, StrictHostKeyChecking, IdentitiesOnly) with ProxyJump
// and ProxyCommand, runs commands optionally through `sudo -n`, opens SFTP
// as the effective user, and notices a dead peer through keepalives.
//
// Every error names the host ("connecting to lab-1 (root@198.18.0.11:22): …")
// and wraps one of these, so callers branch with errors.Is / errors.As:
//
//	error                 retried by Dial   Retryable   meaning
//	*HostKeyChangedError  no                no          key differs from known_hosts: possible MITM, nothing ran
//	ErrHostKeyUnknown     no                no          not in known_hosts and AcceptNewHostKeys off
//	ErrHostKeyRevoked     no                no          key (or its certificate's CA) marked @revoked
//	ErrHostCertificate    no                no          certificate from a trusted CA, not valid for this host
//	ErrInsecureSSHConfig  no                no          ssh_config says StrictHostKeyChecking no; nothing dialled
//	ErrAuth               no                no          no key accepted / key unusable; lists what was offered
//	ErrUnreachable        yes (Retries)     yes*        dial timeout, refused, no route, handshake stalled or dropped
//	ErrSudo               no                no          `sudo -n true` failed; ErrSudoPassword when a password is wanted
//	ErrConnectionLost     -                 yes         an open connection died; the caller reconnects and repeats
//	*ExitError            -                 no          the command ran and failed; the command decides
//
// (*) except a DNS name that does not exist.
//
// ErrConnectionLost and ExitError are internal/remote's, whose small
// interfaces (Runner, SFTPOpener, Conn) *Client implements. bootstrap
// takes those and never imports this package; the phases hold a
// remote.Conn per host. Both run against fakes in unit tests.
//
// Cancelling a Run sends SIGTERM, which sshd delivers for non-root logins
// only, and closes the session, which closes the command's stdin either way.
package host
