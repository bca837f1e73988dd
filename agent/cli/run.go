package cli

import (
	"context"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/ck8s/ck8sctl/agent/run"
)

// cmdRun runs the plan read from stdin.
func cmdRun(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	root := fs.String("root", "/", "host root prefix: read /proc, /sys and /etc under `DIR` (a host mounted into a container; tests)")
	var level slog.Level
	fs.TextVar(&level, "log-level", slog.LevelInfo, "log `LEVEL` on stderr: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	// The SSH connection may drop mid-run: the run goes on and journals.
	// Ignoring SIGPIPE turns writes to the dead stdout into errors, which
	// the runner absorbs, instead of killing the agent.
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	r := &run.Runner{
		Steps: Steps(), Version: version, Root: *root,
		Stdout: stdout, Stderr: stderr, LogLevel: level,
	}
	if err := r.Run(ctx, stdin); err != nil {
		return reported{err} // as events and on stderr already
	}
	return nil
}
