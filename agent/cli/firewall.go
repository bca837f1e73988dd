package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/agent/firewall"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// The firewall step's commands. firewall-confirm is for people (ck8sctl
// creates the change's confirm request instead, which the watchdog acts
// on: no agent start on the new connection); the watchdog is the step's
// own helper, left out of the usage text:
//
//	firewall-confirm --state-dir DIR --id ID
//	    confirms change ID over the connection it runs on; prints the
//	    result as JSON. Exit 0: confirmed (now or before); 1: too late
//	    (rolled back, or past the deadline) or unknown.
//	firewall-watchdog --state-dir DIR --id ID
//	    the dead-man switch the step starts (a systemd unit of its own, or
//	    detached): rolls change ID back at its deadline unless it was
//	    confirmed, retrying until the rollback succeeds.

func cmdFirewallConfirm(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	dir, id, err := changeFlags("firewall-confirm", args, stderr)
	if err != nil {
		return err
	}
	r, err := firewall.Confirm(context.Background(), dir, id, time.Now)
	if r != nil { // a rolled-back result too: the orchestrator reads why
		if werr := json.NewEncoder(stdout).Encode(r); err == nil {
			err = werr
		}
	}
	return err
}

func cmdFirewallWatchdog(args []string, _ io.Reader, _, stderr io.Writer) error {
	dir, id, err := changeFlags("firewall-watchdog", args, stderr)
	if err != nil {
		return err
	}
	// The last line of defence outlives the session that started it: no
	// hangup, no broken pipe, no ^C may end it (SIGTERM only makes it look
	// whether it is still needed; see firewall.Watchdog).
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGINT)
	log := slog.New(slog.NewJSONHandler(stderr, nil)).With("cmd", "firewall-watchdog")
	return firewall.Watchdog(context.Background(), dir, id, log)
}

// changeFlags parses --state-dir and the required --id.
func changeFlags(name string, args []string, stderr io.Writer) (dir, id string, err error) {
	fs := newFlags(name, stderr)
	fs.StringVar(&dir, "state-dir", plan.DefaultStateDir, "agent state `DIR`")
	fs.StringVar(&id, "id", "", "change `ID` (required)")
	if err := parse(fs, args); err != nil {
		return "", "", err
	}
	if !firewall.ValidID(id) {
		return "", "", usageError{fmt.Errorf("--id %q: want the 32 hex digits of a change id", id)}
	}
	return dir, id, nil
}
