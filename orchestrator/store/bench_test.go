package store

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
)

// BenchmarkAppendEvents measures batched inserts: one AppendEvents call (one
// transaction) per batch, as the orchestrator stores what a host streamed.
func BenchmarkAppendEvents(b *testing.B) {
	data := json.RawMessage(`{"step":"firewall","rules":12,"changed":true}`)
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			evs := make([]event.Event, batch)
			seq := int64(0)
			b.ReportAllocs()
			for b.Loop() {
				for i := range evs {
					seq++
					evs[i] = ev("bench", "host-1", seq, "step.finished")
					evs[i].Data = data
				}
				if err := s.AppendEvents(ctx, evs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
