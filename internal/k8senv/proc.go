package k8senv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is a process the environment started: a child of the test process
// in its own process group, logging to a file.
type proc struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{} // closed when the process has been reaped
	err    error         // Wait's result, valid after exited
}

// start runs argv (prefixed with `ip netns exec NETNS` when netns is set)
// with its output in logPath, and stops it in t.Cleanup. The process gets
// its own process group, so stopping it reaches anything it forks, and
// SIGKILL when the test process dies, so a test killed by its timeout
// leaves no apiserver behind.
func start(t testing.TB, name, netns, logPath string, env []string, argv ...string) (*proc, error) {
	t.Helper()
	if netns != "" {
		argv = append([]string{"ip", "netns", "exec", netns}, argv...)
	}
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = groupAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s (%s): %w", name, strings.Join(argv, " "), err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.stop)
	return p, nil
}

// stop sends SIGTERM to the process group, and SIGKILL if it has not
// exited after a grace period; it returns once the process is reaped.
func (p *proc) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	// Anything left in the group (a child that ignored SIGTERM) goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// alive reports whether the process still runs.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// wait polls ready until it returns nil, the process exits, or timeout
// passes; errors name the process and carry the tail of its log.
func (p *proc) wait(ctx context.Context, timeout time.Duration, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		last = ready(pctx)
		pcancel()
		if last == nil {
			return nil
		}
		select {
		case <-p.exited:
			return p.failed(fmt.Errorf("exited before it was ready: %v", p.err))
		case <-ctx.Done():
			return p.failed(fmt.Errorf("not ready after %s: %w", timeout, last))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// failed wraps err with p's name and the last lines of its log.
func (p *proc) failed(err error) error {
	return fmt.Errorf("%s: %w (log %s)%s", p.name, err, p.log, logTail(p.log, 30))
}

// logTail returns the last n lines of the file at path, indented, for
// errors: the reason a server died is nearly always at the end.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 || (len(lines) == 1 && len(lines[0]) == 0) {
		return ""
	}
	return "\n\t" + string(bytes.Join(lines, []byte("\n\t")))
}
