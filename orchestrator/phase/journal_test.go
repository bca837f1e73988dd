package phase

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/event/eventtest"
	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/internal/remote/remotetest"
)

// journalHost answers `ck8s-agent journal` as the agent does: the lines
// after --after, then (with --follow) what follow says.
type journalHost struct {
	lines  [][]byte // the journal of run r0 so far
	follow func(stdout io.Writer) error
	guard  bool // the agent is missing: the launch guard answers
	reads  []string
}

func (h *journalHost) conn() *remotetest.Conn {
	return &remotetest.Conn{Name: "fake-1", Handle: func(_ context.Context, cmd string, _ io.Reader, stdout, _ io.Writer) error {
		if h.guard {
			return &remote.ExitError{Code: bootstrap.ExitNeedAgent, Stderr: "ck8s-guard: agent missing or stale, arch x86_64"}
		}
		sc, err := remotetest.ParseShC(cmd)
		if err != nil || len(sc.Args) == 0 || sc.Args[0] != "journal" {
			return &remote.ExitError{Code: 2, Stderr: "not a journal read: " + cmd}
		}
		h.reads = append(h.reads, strings.Join(sc.Args, " "))
		if h.lines == nil {
			return &remote.ExitError{Code: 1, Stderr: "journal of run r0: no such file or directory"}
		}
		after, _ := strconv.Atoi(sc.Args[slices.Index(sc.Args, "--after")+1])
		for _, l := range h.lines[min(after, len(h.lines)):] {
			if _, err := stdout.Write(l); err != nil {
				return err
			}
		}
		if slices.Contains(sc.Args, "--follow") && h.follow != nil {
			return h.follow(stdout)
		}
		return nil
	}}
}

// An interrupted run r0 stored events 1..3 of the host before its
// orchestrator died; the agent went on. The next contact reads the rest
// of r0 from the host's journal into r0, closing it with
// journal.imported, unless the rest may still come (agent missing, run
// still going): then nothing is closed and a later contact reads again.
func TestJournalCompletesInterruptedRuns(t *testing.T) {
	r0 := eventtest.NewRun(t, "r0", "fake-1").Started("firewall").StepStarted("firewall").
		Add(event.TypeFirewallApplied, event.StatusChanged, "firewall", "applied", nil).
		Add(event.TypeFirewallRolledBack, event.StatusFailed, "firewall", "no confirmation: rolled back", nil).
		StepFinished("firewall", event.StatusFailed, "rolled back").Finish()
	upTo := func(n int) [][]byte { return r0.Lines(0)[:n] }
	cases := []struct {
		name    string
		host    journalHost
		want    int64        // last seq of r0 stored after the import (3: nothing new)
		closing event.Status // "" = r0 not closed
		errHas  string
	}{
		{"finished on the host", journalHost{lines: r0.Lines(0)}, int64(len(r0.Events)) + 1, event.StatusOK, ""},
		{"finishes while followed", journalHost{lines: upTo(5), follow: func(w io.Writer) error {
			for _, l := range r0.Lines(5) {
				w.Write(l)
			}
			return nil
		}}, int64(len(r0.Events)) + 1, event.StatusOK, ""},
		{"agent died mid-run", journalHost{lines: upTo(5), follow: func(io.Writer) error {
			return &remote.ExitError{Code: 1, Stderr: "agent exited without finishing the run"}
		}}, 6, event.StatusFailed, "agent exited without finishing the run"},
		{"journal gone", journalHost{}, 4, event.StatusFailed, "no such file"},
		{"still running", journalHost{lines: upTo(5), follow: func(io.Writer) error {
			return &remote.ExitError{Code: 3, Stderr: "following journal: no final event yet"}
		}}, 5, "", ""},
		{"agent missing", journalHost{guard: true}, 3, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec recorded
			p := &Target{Name: "fake-1", Plan: (&agentHost{}).target(false).Plan, Client: c.host.conn(),
				Result: &Result{Host: "fake-1"}, Log: slog.New(slog.DiscardHandler)}
			rec.on(p)
			j := Journal{Runner: testRunner(), Wait: time.Second, Unfinished: func(_ context.Context, host string) ([]Unfinished, error) {
				if host != "fake-1" {
					t.Errorf("asked for the runs of %q", host)
				}
				return []Unfinished{{RunID: "r0", LastSeq: 3}}, nil
			}}
			if err := j.Run(t.Context(), p); err != nil {
				t.Fatalf("the contact's run failed: %v", err)
			}
			var last int64 = 3
			var closing *event.Event
			for i, e := range rec.evs {
				if e.RunID != "r0" || e.Seq != last+1 {
					t.Fatalf("recorded %s seq %d after seq %d: want r0's next event", e.RunID, e.Seq, last)
				}
				last = e.Seq
				if e.Type == event.TypeJournalImported {
					closing = &rec.evs[i]
				}
			}
			if last != c.want {
				t.Errorf("r0 stored up to seq %d, want %d (reads: %q)", last, c.want, c.host.reads)
			}
			switch {
			case c.closing == "" && closing != nil:
				t.Errorf("r0 closed (%s) though the rest of it may still come", closing.Message)
			case c.closing != "" && (closing == nil || closing.Status != c.closing || closing.Seq != last):
				t.Fatalf("closing event %+v, want status %s as r0's last event", closing, c.closing)
			case closing != nil:
				var d event.JournalImported
				if err := json.Unmarshal(closing.Data, &d); err != nil || d.Run != "r0" || d.After != 3 || d.By != "r1" ||
					d.Events != int(last-4) || !strings.Contains(d.Error, c.errHas) {
					t.Errorf("journal.imported data %s (%v)", closing.Data, err)
				}
			}
			if tgEvents := p.Result.Events; tgEvents != 0 {
				t.Errorf("the contact's own run counted %d events of r0", tgEvents)
			}
		})
	}
}

// A store that cannot list interrupted runs does not fail the contact.
func TestJournalListErrorIsNotFatal(t *testing.T) {
	p := (&agentHost{}).target(false)
	p.Log = slog.New(slog.DiscardHandler)
	j := Journal{Runner: testRunner(), Unfinished: func(context.Context, string) ([]Unfinished, error) {
		return nil, errors.New("database is locked")
	}}
	if err := j.Run(t.Context(), p); err != nil {
		t.Fatal(err)
	}
}
