package bootstrap

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/pkg/sftp"

	"github.com/ck8s/ck8sctl/internal/remote/remotetest"
)

// Uploads in flight read the embedded agent where it lies: six copies of
// the real 7 MB gzip form to hosts that have taken 1 MiB and stalled hold
// well under one form's size between them. Copying the form first, as
// fs.ReadFile does, held a whole form per upload: 42 MB here, and 5 MB
// per host in serve during a sweep that uploaded to 50 hosts at once.
func TestUploadsInFlightHoldNoCopyOfTheAgent(t *testing.T) {
	agent := embeddedAgents(t)["amd64"]
	f, err := agent.openForm(".gz")
	if err != nil {
		t.Fatal(err)
	}
	size := f.Size()

	const uploads = 6
	release := make(chan struct{})
	var stalled sync.WaitGroup
	stalled.Add(uploads)
	hosts := make([]*stallingHost, uploads)
	for i := range hosts {
		hosts[i] = &stallingHost{Conn: remotetest.Conn{Name: "stalling", Dir: t.TempDir()}, after: 1 << 20, release: release, stalled: stalled.Done}
	}
	before := liveHeap()
	errs := make(chan error, uploads)
	for _, h := range hosts {
		go func() {
			h.mkdir(t)
			errs <- Upload(context.Background(), h, h.Dir, agent)
		}()
	}
	all := make(chan struct{})
	go func() { stalled.Wait(); close(all) }()
	select {
	case <-all:
	case err := <-errs: // an upload that ended before its host stalled
		close(release)
		t.Fatalf("an upload ended before 1 MiB of it was copied: %v", err)
	}
	held := liveHeap() - before
	close(release)
	for range uploads {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d uploads of a %d-byte form in flight hold %d bytes", uploads, size, held)
	if held > size/2 {
		t.Errorf("%d uploads in flight hold %d bytes of heap, want well under the %d-byte form they copy", uploads, held, size)
	}
}

// liveHeap is the heap's live bytes after a collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// stallingHost is a fake host whose SFTP server stops reading after
// `after` bytes of a session, tells stalled once, and reads on once
// release is closed. Its commands (the install) succeed without running.
type stallingHost struct {
	remotetest.Conn
	after   int64
	release chan struct{}
	stalled func()
	once    sync.Once
}

func (h *stallingHost) mkdir(t *testing.T) {
	if err := os.MkdirAll(filepath.Dir(AgentPath(h.Dir)), 0o700); err != nil {
		t.Error(err)
	}
}

func (h *stallingHost) SFTP(context.Context) (*sftp.Client, error) {
	client, server := net.Pipe()
	srv, err := sftp.NewServer(&stallingConn{Conn: server, h: h})
	if err != nil {
		return nil, err
	}
	go func() {
		_ = srv.Serve()
		server.Close()
	}()
	return sftp.NewClientPipe(client, client, sftp.UseConcurrentWrites(true))
}

// stallingConn is the server's end of the pipe, stalling as its host says.
type stallingConn struct {
	net.Conn
	h    *stallingHost
	read int64
}

func (c *stallingConn) Read(p []byte) (int, error) {
	if c.read >= c.h.after {
		c.h.once.Do(c.h.stalled)
		<-c.h.release
	}
	n, err := c.Conn.Read(p)
	c.read += int64(n)
	return n, err
}
