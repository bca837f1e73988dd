package facts

import "net/netip"

// Listener is one listening TCP socket of a host, as /proc/net/tcp{,6}
// lists it, with the process that owns it when it could be found (data of
// event listeners.collected, a []Listener).
type Listener struct {
	Proto   string     `json:"proto"` // tcp or tcp6
	Addr    netip.Addr `json:"addr"`  // 0.0.0.0 or :: is every address
	Port    uint16     `json:"port"`
	PID     int        `json:"pid,omitempty"`
	Process string     `json:"process,omitempty"` // /proc/<pid>/comm
}

// Loopback reports whether only the host itself can reach l.
func (l Listener) Loopback() bool { return l.Addr.Unmap().IsLoopback() }
