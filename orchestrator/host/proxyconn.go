package host

import (
	"net"
	"time"
)

var _ net.Conn = (*proxyConn)(nil)

func (p *proxyConn) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *proxyConn) Write(b []byte) (int, error) { return p.w.Write(b) }

// LocalAddr and RemoteAddr are the address being dialled: knownhosts
// parses the remote one as host:port.
func (p *proxyConn) LocalAddr() net.Addr  { return p.addr }
func (p *proxyConn) RemoteAddr() net.Addr { return p.addr }

// SetDeadline bounds the handshake like a TCP dial's (pipes are pollable
// on the platforms ck8sctl runs on; elsewhere the context's AfterFunc
// closes the connection instead).
func (p *proxyConn) SetDeadline(t time.Time) error {
	if err := p.r.SetReadDeadline(t); err != nil {
		return err
	}
	return p.w.SetWriteDeadline(t)
}

func (p *proxyConn) SetReadDeadline(t time.Time) error  { return p.r.SetReadDeadline(t) }
func (p *proxyConn) SetWriteDeadline(t time.Time) error { return p.w.SetWriteDeadline(t) }

// proxyAddr is the host:port a ProxyCommand was started for.
type proxyAddr string

func (a proxyAddr) Network() string { return "proxy-command" }
func (a proxyAddr) String() string  { return string(a) }
