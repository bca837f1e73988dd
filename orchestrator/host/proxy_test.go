package host

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// testProxy forwards 127.0.0.1:Port to target, counting connections. Freeze
// stops forwarding while holding connections open: a peer that vanished
// without a RST. With an empty target it accepts and never says a word.
type testProxy struct {
	Port    int
	Accepts atomic.Int32

	target string
	ln     net.Listener
	mu     sync.Mutex
	cond   *sync.Cond
	frozen bool
	closed bool
	conns  []net.Conn
}

func startProxy(t testing.TB, target string) *testProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &testProxy{Port: ln.Addr().(*net.TCPAddr).Port, target: target, ln: ln}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *testProxy) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

func (p *testProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.Accepts.Add(1)
		p.track(c)
		if p.target == "" {
			continue // blackhole
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(up)
		go p.pump(c, up)
		go p.pump(up, c)
	}
}

func (p *testProxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
}

func (p *testProxy) pump(src, dst net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		for p.frozen && !p.closed {
			p.cond.Wait()
		}
		p.mu.Unlock()
		if n > 0 {
			dst.Write(buf[:n])
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// Freeze stops forwarding in both directions; bytes read are held back.
func (p *testProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
}

func (p *testProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.cond.Broadcast()
	for _, c := range p.conns {
		c.Close()
	}
}
