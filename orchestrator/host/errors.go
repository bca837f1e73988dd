package host

import (
	"errors"
	"fmt"
	"net"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// The sentinels below say what went wrong and, in their docs, whether
// retrying can help. Dial and Run wrap them with the host
// ("connecting to lab-1 (root@198.18.0.2:22): …"), so match with errors.Is.
var (
	// ErrHostKeyUnknown: the host is not in known_hosts and AcceptNewHostKeys
	// is off. Not retried: the answer will not change until the user acts.
	ErrHostKeyUnknown = errors.New("host key unknown: pass --accept-new-host-keys or add the host to known_hosts")

	// ErrHostKeyRevoked: the presented key is marked @revoked. Never retried.
	ErrHostKeyRevoked = errors.New("host key is marked @revoked in known_hosts")

	// ErrHostCertificate: the host presented a certificate signed by a
	// @cert-authority of known_hosts, but not valid for this host (expired,
	// another principal, a bad signature). Never retried.
	ErrHostCertificate = errors.New("host certificate not valid for this host")

	// ErrInsecureSSHConfig: ssh_config turns host key checking off
	// (StrictHostKeyChecking no), which ck8sctl never does. The user's input
	// is wrong: nothing is dialled. CheckFiles reports it too.
	ErrInsecureSSHConfig = errors.New("ck8sctl never skips host key checks: set StrictHostKeyChecking to yes or accept-new (or --accept-new-host-keys) for this host")

	// ErrAuth: the server accepted none of the keys offered. Not retried by
	// Dial; a caller waiting for a host to be provisioned may retry itself.
	ErrAuth = errors.New("authentication failed")

	// ErrUnreachable: TCP dial timed out, was refused or had no route, or the
	// connection dropped during the SSH handshake. Dial retries it per
	// Config.Retries with backoff.
	ErrUnreachable = errors.New("host unreachable")

	// ErrConnectionLost: an established connection died (keepalives unanswered
	// or EOF). Whatever ran may or may not have finished; the caller decides
	// whether to reconnect and repeat (commands should be idempotent). It is
	// remote.ErrConnectionLost: code that takes a remote.Conn matches it too.
	ErrConnectionLost = remote.ErrConnectionLost

	// ErrSudo: `sudo -n true` failed on a host with Config.Sudo. Not retried.
	ErrSudo = errors.New("sudo not usable")

	// ErrSudoPassword: sudo wants a password, which ck8sctl never types.
	// errors.Is(err, ErrSudo) holds too. Not retried.
	ErrSudoPassword = fmt.Errorf("%w: sudo requires a password (configure NOPASSWD for this user)", ErrSudo)
)

// HostKeyChangedError reports that the host presented a key other than the
// one recorded for it: possibly a man in the middle. It is never retried and
// nothing is run on the host.
type HostKeyChangedError struct {
	Host    string // playbook name
	Address string // host:port as checked against known_hosts
	Want    string // SHA256 fingerprint recorded in File:Line
	Got     string // SHA256 fingerprint presented by the server
	File    string
	Line    int
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("HOST KEY CHANGED for %s (%s): known_hosts %s:%d has %s, server presented %s; refusing to connect (remove the line if the change is legitimate)",
		e.Host, e.Address, e.File, e.Line, e.Want, e.Got)
}

// ExitError is a remote command that ran and exited non-zero (or died from
// a signal): remote.ExitError, so errors.As matches either name.
type ExitError = remote.ExitError

// Retryable reports whether err is worth a new Dial: the host was
// unreachable or the connection dropped. Every other error of this package
// would fail the same way again.
func Retryable(err error) bool {
	if errors.Is(err, ErrConnectionLost) {
		return true
	}
	if !errors.Is(err, ErrUnreachable) {
		return false
	}
	// A name that does not resolve is a typo far more often than a blip.
	var dnsErr *net.DNSError
	return !errors.As(err, &dnsErr) || !dnsErr.IsNotFound
}
