package k8senv

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// Listen opens a listener inside the named network namespace (as `ip netns
// add` names it), e.g. a stand-in ingress on ":80" of a lab host. The
// socket belongs to the namespace for its whole life, though this process
// stays in the root namespace.
func Listen(netns, network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := testenv.InNetNS(netns, func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listening on %s %s in netns %s: %w", network, addr, netns, err)
	}
	return ln, nil
}

// Dialer returns a dial function (the shape of rest.Config.Dial and
// http.Transport.DialContext) whose connections start inside netns, so
// "127.0.0.1:6443" means that namespace's loopback. Addresses must be IP
// literals or localhost: a name would be resolved, and a dual-stack dial
// raced, on other goroutines, whose threads are in the root namespace.
func Dialer(netns string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("dialing %s in netns %s: %w", addr, netns, err)
		}
		if host == "localhost" {
			addr = net.JoinHostPort("127.0.0.1", port)
		} else if _, err := netip.ParseAddr(host); err != nil {
			return nil, fmt.Errorf("dialing %s in netns %s: only IP addresses and localhost can be dialed in a namespace", addr, netns)
		}
		var c net.Conn
		err = testenv.InNetNS(netns, func() (err error) {
			d := net.Dialer{FallbackDelay: -1}
			c, err = d.DialContext(ctx, network, addr)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("dialing %s %s in netns %s: %w", network, addr, netns, err)
		}
		return c, nil
	}
}

// loopbackUp brings up lo in netns. Lab hosts have it up already; a bare
// `ip netns add` namespace does not, and then nothing on 127.0.0.1 works
// with errors that do not say why.
func loopbackUp(netns string) error {
	out, err := exec.Command("ip", "-n", netns, "link", "set", "lo", "up").CombinedOutput()
	if err != nil {
		return fmt.Errorf("bringing up lo in netns %s: %v: %s", netns, err, out)
	}
	return nil
}

// free fails when something in netns already listens on addr (the lab's
// decoy listener holds 6443, 80 and 443 on every host), because the
// process we start would otherwise die with a bind error buried in its log.
func free(netns, addr string) error {
	ln, err := Listen(netns, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%w (already in use: by another control plane, or on 6443, 80 and 443 by the lab's decoy listener; start the lab with an empty ListenerArgv)", err)
	}
	return ln.Close()
}
