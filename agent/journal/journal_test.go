package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

func line(t *testing.T, seq int64, typ string) []byte {
	t.Helper()
	e := event.Event{Time: time.Now(), RunID: "r1", Host: "h", Seq: seq, Type: typ, Status: event.StatusInfo}
	if typ == event.TypeHello {
		e.Data = []byte(fmt.Sprintf(`{"protocol":1,"agentVersion":"t","arch":"amd64","pid":%d}`, os.Getpid()))
	}
	b, err := event.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, dir string, types ...string) *Writer {
	t.Helper()
	w, err := Create(dir, "r1")
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range types {
		if err := w.Append(line(t, int64(i+1), typ)); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func seqs(t *testing.T, b []byte) []int64 {
	t.Helper()
	var out []int64
	d := event.NewDecoder(bytes.NewReader(b))
	for {
		e, err := d.Next()
		if err != nil {
			return out
		}
		out = append(out, e.Seq)
	}
}

func TestReadAfter(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, event.TypeHello, event.TypeBootstrapStarted, event.TypeStepStarted, event.TypeBootstrapFinished).Close()
	r, _ := NewReader(dir, "r1", 2)
	var out bytes.Buffer
	if err := r.ReadNew(&out); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seqs(t, out.Bytes())); got != "[3 4]" {
		t.Errorf("after 2: seqs %s, want [3 4]", got)
	}
	if !r.Final || r.PID != os.Getpid() {
		t.Errorf("Final=%v PID=%d", r.Final, r.PID)
	}
}

func TestPartialLineWaits(t *testing.T) {
	dir := t.TempDir()
	w := write(t, dir, event.TypeHello)
	defer w.Close()
	half := line(t, 2, event.TypeStepStarted)
	w.Append(half[:10])
	r, _ := NewReader(dir, "r1", 0)
	var out bytes.Buffer
	r.ReadNew(&out)
	w.Append(half[10:])
	r.ReadNew(&out)
	if got := fmt.Sprint(seqs(t, out.Bytes())); got != "[1 2]" || r.Bad != 0 {
		t.Errorf("seqs %s bad %d, want [1 2] and no bad line", got, r.Bad)
	}
}

func TestCreateRefusesReuseAndBadIDs(t *testing.T) {
	dir := t.TempDir()
	write(t, dir).Close()
	if _, err := Create(dir, "r1"); !errors.Is(err, ErrExists) {
		t.Errorf("second Create: err = %v, want ErrExists", err)
	}
	for _, id := range []string{"", "../etc/passwd", "a/b", ".hidden", strings.Repeat("x", 129)} {
		if _, err := Create(dir, id); err == nil {
			t.Errorf("Create(%q) accepted", id)
		}
	}
}

func TestFollowUntilFinal(t *testing.T) {
	dir := t.TempDir()
	w := write(t, dir, event.TypeHello, event.TypeBootstrapStarted)
	go func() {
		time.Sleep(50 * time.Millisecond)
		w.Append(line(t, 3, event.TypeBootstrapFinished))
		w.Close()
	}()
	r, _ := NewReader(dir, "r1", 1)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Follow(ctx, &out, FollowOptions{Poll: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seqs(t, out.Bytes())); got != "[2 3]" {
		t.Errorf("seqs %s, want [2 3]", got)
	}
}

func TestFollowTimesOut(t *testing.T) {
	dir := t.TempDir()
	defer write(t, dir, event.TypeHello).Close()
	r, _ := NewReader(dir, "r1", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := r.Follow(ctx, &bytes.Buffer{}, FollowOptions{Poll: 5 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no final event yet") {
		t.Fatalf("err = %v", err)
	}
}

func TestFollowWaitsForMissingJournal(t *testing.T) {
	r, _ := NewReader(t.TempDir(), "r1", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := r.Follow(ctx, &bytes.Buffer{}, FollowOptions{Poll: 5 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no journal yet") {
		t.Fatalf("err = %v", err)
	}
}

// TestFollowGivesUpOnMissingJournal: a journal that never appears ends
// the follow after the grace, not at the caller's (10 min) timeout; one
// that appears within it is followed.
func TestFollowGivesUpOnMissingJournal(t *testing.T) {
	dir := t.TempDir()
	r, _ := NewReader(dir, "r1", 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := r.Follow(ctx, &bytes.Buffer{}, FollowOptions{Poll: 5 * time.Millisecond, MissingGrace: 50 * time.Millisecond})
	if !errors.Is(err, ErrNoJournal) || ctx.Err() != nil {
		t.Fatalf("err = %v, want ErrNoJournal before the caller's deadline", err)
	}
	r, _ = NewReader(dir, "r1", 0)
	done := make(chan error, 1)
	go func() {
		done <- r.Follow(ctx, &bytes.Buffer{}, FollowOptions{Poll: 5 * time.Millisecond, MissingGrace: 5 * time.Second})
	}()
	time.Sleep(20 * time.Millisecond)
	w := write(t, dir, event.TypeHello)
	w.Append(line(t, 2, event.TypeBootstrapFinished))
	w.Close()
	if err := <-done; err != nil {
		t.Fatalf("a journal that appears within the grace: %v", err)
	}
}

func TestFollowNoticesDeadAgent(t *testing.T) {
	dir := t.TempDir()
	defer write(t, dir, event.TypeHello, event.TypeStepStarted).Close()
	r, _ := NewReader(dir, "r1", 0)
	err := r.Follow(context.Background(), &bytes.Buffer{}, FollowOptions{Alive: func(int) bool { return false }})
	if !errors.Is(err, ErrDied) {
		t.Fatalf("err = %v, want ErrDied", err)
	}
}

func TestPruneKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	jdir := filepath.Join(dir, Dir)
	os.MkdirAll(jdir, 0o700)
	now := time.Now()
	for i := range 6 {
		p := filepath.Join(jdir, fmt.Sprintf("old-%d.ndjson", i))
		os.WriteFile(p, nil, 0o600)
		os.Chtimes(p, now, now.Add(time.Duration(i)*time.Minute))
	}
	os.WriteFile(filepath.Join(jdir, "current.ndjson"), nil, 0o600)
	os.Chtimes(filepath.Join(jdir, "current.ndjson"), now, now.Add(-time.Hour)) // oldest, still kept
	os.WriteFile(filepath.Join(jdir, "notes.txt"), nil, 0o600)
	if err := Prune(dir, 3, "current"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(jdir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "current.ndjson notes.txt old-4.ndjson old-5.ndjson" {
		t.Errorf("after Prune(3): %s", got)
	}
}
