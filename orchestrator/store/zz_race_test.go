package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
)

func TestZZConcurrentOpen(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "ck8s.db")
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				s, err := Open(context.Background(), path)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
					return
				}
				s.Close()
			})
		}
		wg.Wait()
	}
}
