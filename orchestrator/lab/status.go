package lab

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// Status loads the lab in dir and checks each host's processes and whether
// its sshd port accepts TCP connections.
func Status(ctx context.Context, dir string) (*Lab, []HostStatus, error) {
	l, err := Load(dir)
	if err != nil {
		return nil, nil, err
	}
	sts := make([]HostStatus, len(l.Hosts))
	var wg sync.WaitGroup
	for i, h := range l.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sts[i] = HostStatus{
				Host:         h,
				SSHD:         sshdProc(l.Dir, h).pid() != 0,
				Decoys:       decoysProc(l.Dir, h).pid() != 0,
				SSHReachable: reachable(ctx, h),
			}
		}()
	}
	wg.Wait()
	return l, sts, nil
}

func reachable(ctx context.Context, h Host) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(h.Addr4.String(), strconv.Itoa(h.Port)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Exec runs argv inside h's namespaces as its sshd sees them (network, mount,
// UTS) and returns the combined output. With sshd stopped it builds the same
// view afresh.
func (l *Lab) Exec(ctx context.Context, h Host, argv ...string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("running on %s: empty command", h.Name)
	}
	full := inHostNS(l.Dir, h, argv...)
	if pid := sshdProc(l.Dir, h).pid(); pid != 0 {
		full = append([]string{"nsenter", "-t", strconv.Itoa(pid), "-n", "-m", "-u", "--"}, argv...)
	}
	out, err := exec.CommandContext(ctx, full[0], full[1:]...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("running %s on %s: %w", argv[0], h.Name, err)
	}
	return out, nil
}

// StopHostSSHD stops h's sshd (open sessions go on), to simulate a host whose
// SSH service is down while the machine still answers.
func (l *Lab) StopHostSSHD(h Host) error {
	if err := sshdProc(l.Dir, h).stop(); err != nil {
		return fmt.Errorf("stopping sshd on %s: %w", h.Name, err)
	}
	return nil
}

// StartHostSSHD starts h's sshd again unless it runs.
func (l *Lab) StartHostSSHD(ctx context.Context, h Host) error {
	return ensureSSHD(ctx, l.Dir, h)
}
