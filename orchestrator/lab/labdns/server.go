package labdns

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"
)

// Mode is how a server behaves; tests switch it while it runs.
type Mode int32

// Modes.
const (
	Answer   Mode = iota // serve the zone
	Silent               // read questions, never reply (a filtered server)
	Servfail             // reply SERVFAIL to everything
	Refuse               // reply REFUSED to everything
	Truncate             // over UDP reply empty with TC set, so clients must use TCP
	Resolver             // serve the zone like a recursive resolver: RA set, AA clear
)

// Server serves a zone over UDP and TCP on one address.
type Server struct {
	// Addr is the ip:port the server listens on (the real port when asked
	// for port 0).
	Addr string

	zone    atomic.Pointer[Zone]
	mode    atomic.Int32
	queries atomic.Int64
	servers []*dns.Server
	once    sync.Once
}

// Serve starts a server for z on addr (ip:port; port 0 picks a port free
// for both UDP and TCP). Close stops it.
func Serve(addr string, z *Zone) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("labdns: address %q: %w", addr, err)
	}
	var errs []error
	for range 20 {
		s, err := listen(host, port, z)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
		if port != "0" {
			break
		}
	}
	return nil, fmt.Errorf("labdns: listening on %s: %w", addr, errors.Join(errs...))
}

func listen(host, port string, z *Zone) (*Server, error) {
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	port = strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		pc.Close()
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort(host, port)}
	s.zone.Store(z)
	s.servers = []*dns.Server{
		{PacketConn: pc, Handler: s},
		{Listener: l, Handler: s},
	}
	for _, srv := range s.servers {
		go srv.ActivateAndServe() //nolint:errcheck // ends with Close
	}
	return s, nil
}

// SetMode switches the server's behaviour.
func (s *Server) SetMode(m Mode) { s.mode.Store(int32(m)) }

// SetZone makes the server serve another zone (a split-horizon view).
func (s *Server) SetZone(z *Zone) { s.zone.Store(z) }

// Zone is the zone being served.
func (s *Server) Zone() *Zone { return s.zone.Load() }

// Queries counts the questions received, in every mode.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Close stops the server.
func (s *Server) Close() {
	s.once.Do(func() {
		for _, srv := range s.servers {
			_ = srv.Shutdown()
		}
	})
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	mode := Mode(s.mode.Load())
	if mode == Silent || len(req.Question) != 1 {
		return
	}
	m := new(dns.Msg)
	m.SetReply(req)
	switch {
	case mode == Servfail:
		m.Rcode = dns.RcodeServerFailure
	case mode == Refuse:
		m.Rcode = dns.RcodeRefused
	case mode == Truncate && udp:
		m.Truncated = true
	default:
		s.Zone().answer(m, req.Question[0])
		if mode == Resolver {
			// Names outside the zone exist elsewhere, empty as far as the
			// lab knows: what a resolver says of lab.test or test.
			if m.Rcode == dns.RcodeRefused {
				m.Rcode = dns.RcodeSuccess
			}
			m.Authoritative, m.RecursionAvailable = false, true
		}
	}
	if udp {
		size := dns.MinMsgSize
		if o := req.IsEdns0(); o != nil {
			size = int(o.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}
