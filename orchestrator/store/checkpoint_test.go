package store

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestCheckpointInBackground: with the background checkpointer on, the
// writer's commits no longer checkpoint at 1,000 pages, yet what they
// wrote reaches the database file (the write-ahead log does not just
// grow); without it, the same writes stay in the log.
func TestCheckpointInBackground(t *testing.T) {
	for _, background := range []bool{true, false} {
		s := open(t)
		if background {
			stop, err := s.CheckpointInBackground(t.Context(), 20*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
		} else if _, err := s.Writer().Exec("PRAGMA wal_autocheckpoint = 16384"); err != nil {
			t.Fatal(err)
		}
		var threshold int
		if err := s.Writer().QueryRow("PRAGMA wal_autocheckpoint").Scan(&threshold); err != nil || threshold != walBackstop {
			t.Fatalf("writer's wal_autocheckpoint = %d (%v), want %d", threshold, err, walBackstop)
		}
		if _, err := s.Writer().Exec("CREATE TABLE filler (b BLOB)"); err != nil {
			t.Fatal(err)
		}
		// 3,000 pages' worth in 100 commits: three times the default
		// threshold, far below the backstop.
		row := strings.Repeat("x", 120*1024)
		for range 100 {
			if _, err := s.Writer().Exec("INSERT INTO filler VALUES (?)", row); err != nil {
				t.Fatal(err)
			}
		}
		const want = 10 << 20
		size := func() int64 {
			fi, err := os.Stat(s.Path())
			if err != nil {
				t.Fatal(err)
			}
			return fi.Size()
		}
		wait := 5 * time.Second
		if !background {
			wait = 500 * time.Millisecond
		}
		deadline := time.Now().Add(wait)
		for size() < want && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		switch got := size(); {
		case background && got < want:
			t.Errorf("with the checkpointer: database file %d bytes after 12 MB of commits, want ≥ %d (the log was never checkpointed)", got, want)
		case !background && got >= want:
			t.Errorf("without the checkpointer: database file %d bytes; the writes should still be in the log (the test proves nothing)", got)
		}
	}
}
