package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRuns(t *testing.T) {
	each(t, testRuns)
}

func testRuns(t *testing.T, s *DB) {
	ctx := context.Background()
	older := Run{ID: "r1", Command: "bootstrap", Playbook: "/p/staging.yaml", Started: t0, Hosts: 2}
	newer := Run{ID: "r2", Command: "harden", Started: t0.Add(time.Hour), Hosts: 1, Check: true}
	for _, r := range []Run{older, newer} {
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateRun(ctx, older); err == nil {
		t.Error("CreateRun accepted a duplicate ID")
	}
	fin := t0.Add(time.Minute)
	if err := s.FinishRun(ctx, "r1", "failed", 3, fin); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, "nope", "ok", 0, fin); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishRun(unknown) = %v, want ErrNotFound", err)
	}

	runs, err := s.Runs(ctx, 0)
	if err != nil || len(runs) != 2 {
		t.Fatalf("Runs = %d runs, %v", len(runs), err)
	}
	if runs[0].ID != "r2" || runs[1].ID != "r1" {
		t.Fatalf("Runs order %s, %s; want newest first", runs[0].ID, runs[1].ID)
	}
	r2 := runs[0]
	if r2.Status != StatusRunning || !r2.Finished.IsZero() || !r2.Check || r2.Command != "harden" {
		t.Errorf("running run = %+v", r2)
	}
	r1 := runs[1]
	if r1.Status != "failed" || r1.ExitCode != 3 || !r1.Finished.Equal(fin) || !r1.Started.Equal(t0) ||
		r1.Playbook != "/p/staging.yaml" || r1.Hosts != 2 || r1.Check {
		t.Errorf("finished run = %+v", r1)
	}
	if runs, _ := s.Runs(ctx, 1); len(runs) != 1 || runs[0].ID != "r2" {
		t.Errorf("Runs(1) = %+v", runs)
	}
}

func TestCreateRunRequiresIDAndStart(t *testing.T) {
	each(t, func(t *testing.T, s *DB) {
		for _, r := range []Run{{Started: t0}, {ID: "r1"}} {
			if err := s.CreateRun(context.Background(), r); err == nil {
				t.Errorf("CreateRun(%+v) accepted", r)
			}
		}
	})
}
