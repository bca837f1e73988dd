package store

import (
	"context"
	"testing"
	"time"
)

// The newest heartbeat wins, whoever worked it.
func TestBeat(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		ctx := context.Background()
		if at, err := s.LastBeat(ctx); err != nil || !at.IsZero() {
			t.Fatalf("LastBeat of a new store = %v, %v; want zero", at, err)
		}
		for i, w := range []string{"a", "b"} {
			if err := s.Beat(ctx, t0.Add(time.Duration(i)*time.Minute), w); err != nil {
				t.Fatal(err)
			}
		}
		if at, err := s.LastBeat(ctx); err != nil || !at.Equal(t0.Add(time.Minute)) {
			t.Errorf("LastBeat = %v, %v; want %v", at, err, t0.Add(time.Minute))
		}
	})
}
