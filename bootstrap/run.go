package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/remote"
)

// Runner delivers the agent to hosts and runs plans on them.
type Runner struct {
	Agents map[string]Binary
	Redact *redact.Redactor
	Log    *slog.Logger
	// Reconnects bounds how often a dropped connection is re-dialled to
	// fetch the rest of a run from the host's journal.
	Reconnects int
	// FollowTimeout bounds how long a journal replay waits for the run to
	// finish on the host.
	FollowTimeout time.Duration

	dropAfter int // test hook, see stream.dropAfter
}

// Host is what delivering and running the agent needs of a connection:
// commands, and SFTP for the upload. Every remote.Conn is one.
type Host interface {
	remote.Runner
	remote.SFTPOpener
}

// Outcome is what one agent run on one host produced.
type Outcome struct {
	Uploaded   bool
	Events     int
	LastSeq    int64
	Final      *event.Event // nil when the run ended without its closing event
	AgentExit  int          // the agent's exit status when it was seen (-1: not seen)
	Reconnects int
	Invalid    []error // malformed or foreign lines, reported, not stored
	Stderr     string  // tail of the agent's stderr (masked)
}

// Run executes p on the host behind c, uploading the agent first when the
// host lacks the right one, and hands every event to sink. When the
// connection drops before the run's final event, it re-dials and replays the
// missing events from the host's journal: nothing the agent recorded is lost.
func (r *Runner) Run(ctx context.Context, c Host, redial remote.Dialer, p *plan.Plan, sink Sink) (out Outcome, err error) {
	out.AgentExit = -1
	st := &stream{runID: p.RunID, host: p.Host, redact: r.Redact, sink: sink, dropAfter: r.dropAfter}
	body, err := p.Encode()
	if err != nil {
		return out, err
	}
	defer func() {
		out.Events, out.LastSeq, out.Final, out.Invalid = st.seen, st.last, st.final, st.invalid
	}()

	agents := r.Agents // either build: later sessions (the confirm, the journal) run both
	if p.NeedsFullAgent() {
		agents = Full(agents)
	}
	err = r.session(ctx, c, st, Command(p.Dir(), agents, "run"), bytes.NewReader(body), &out)
	if g, need := needAgent(err); need && st.seen == 0 {
		// Copied, then installed and run in one command: the guard would
		// only hash the bytes the install has just checked.
		err = r.deliver(ctx, c, agents, p.Dir(), p.RunID, g, func(cmd string) error {
			return r.session(ctx, c, st, cmd, bytes.NewReader(body), &out)
		}, "run")
		var ie installError
		if errors.As(err, &ie) {
			return out, ie.error
		}
		out.Uploaded = true
	}
	for st.final == nil && resumable(err) && out.Reconnects < r.Reconnects && ctx.Err() == nil {
		out.Reconnects++
		r.Log.Warn("agent stream interrupted, replaying from the host journal", "host", p.Host, "after", st.last, "err", err)
		var rc remote.Conn
		if rc, err = redialBackoff(ctx, redial, out.Reconnects); err != nil {
			break
		}
		err = r.session(ctx, rc, st, CommandInRun(p.Dir(), p.RunID, r.Agents, "journal", "--state-dir", p.Dir(), "--run", p.RunID,
			"--after", strconv.FormatInt(st.last, 10), "--follow", "--timeout", r.FollowTimeout.String()), nil, &out)
		rc.Close()
	}
	if st.final != nil {
		return out, nil
	}
	if err == nil {
		err = errors.New("agent ended without its final event")
	}
	return out, fmt.Errorf("agent run on %s: %w", p.Host, err)
}

// session runs cmd (the agent behind its launch guard, or its install)
// once and feeds its stdout to st.
func (r *Runner) session(ctx context.Context, c remote.Runner, st *stream, cmd string, stdin io.Reader, out *Outcome) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	consumed := make(chan error, 1)
	go func() {
		err := st.consume(pr)
		if err != nil {
			cancel() // stop the session: the rest comes from the journal
		}
		pr.CloseWithError(err)
		consumed <- err
	}()
	var stderr bytes.Buffer
	runErr := c.Run(ctx, cmd, stdin, pw, &stderr)
	pw.Close()
	cerr := <-consumed
	out.Stderr = r.Redact.String(tail(stderr.String(), 2048))
	var ee *remote.ExitError
	if errors.As(runErr, &ee) && ee.Code >= 0 && ee.Code < ExitUnknownArch {
		out.AgentExit = ee.Code
	} else if runErr == nil {
		out.AgentExit = 0
	}
	if cerr != nil {
		return cerr
	}
	return runErr
}

var guardArch = regexp.MustCompile(`ck8s-guard: agent missing or stale, arch (\S+)( zstd)?`)

// needAgent reports whether err is the launch guard asking for an upload,
// and what it printed of the host: its uname -m, and whether it has zstd.
func needAgent(err error) (g guardAsk, need bool) {
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Code != ExitNeedAgent {
		return guardAsk{}, false
	}
	m := guardArch.FindStringSubmatch(ee.Stderr)
	if m == nil {
		return guardAsk{}, true
	}
	return guardAsk{uname: m[1], zstd: m[2] != ""}, true
}

// guardAsk is what the launch guard told of a host that needs the agent.
type guardAsk struct {
	uname string
	zstd  bool
}

// resumable reports whether the run may still be going on the host, so its
// journal holds what we missed.
func resumable(err error) bool {
	return errors.Is(err, remote.ErrConnectionLost) || errors.Is(err, errDropped) || errors.Is(err, errGap)
}

// deliver copies the agent of agents for the host's uname -m and has run
// execute the install command, which also runs the agent with args (none:
// only installs). A failure before the agent could start is an
// installError.
func (r *Runner) deliver(ctx context.Context, c Host, agents map[string]Binary, stateDir, runID string, g guardAsk, run func(cmd string) error, args ...string) error {
	arch, err := Arch(g.uname)
	if err != nil {
		return installError{fmt.Errorf("%s: %w", c, err)}
	}
	b, ok := agents[arch]
	if !ok {
		return installError{fmt.Errorf("%s needs the linux/%s agent: %w", c, arch, ErrNoAgent)}
	}
	start := time.Now()
	return install(ctx, c, stateDir, b, g.zstd, runID, args, func(cmd string, copied int) error {
		r.Log.Info("agent copied", "host", c.String(), "bytes", copied, "duration", time.Since(start))
		return run(cmd)
	})
}

func redialBackoff(ctx context.Context, redial remote.Dialer, attempt int) (remote.Conn, error) {
	t := time.NewTimer(time.Duration(attempt) * 500 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return redial(ctx)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
