package firewall

import (
	"context"
	"testing"
)

// Backend calls that fail the test instead of returning an error, for
// either backend.

func mustState(t *testing.T, b Backend) string {
	t.Helper()
	s, err := b.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRender(t *testing.T, b Backend, p Profile) Batch {
	t.Helper()
	bt, err := b.Render(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

func mustSnapshot(t *testing.T, b Backend) Batch {
	t.Helper()
	bt, err := b.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bt
}

func mustApply(t *testing.T, b Backend, bt Batch) {
	t.Helper()
	if err := b.Apply(context.Background(), bt); err != nil {
		t.Fatal(err)
	}
}
