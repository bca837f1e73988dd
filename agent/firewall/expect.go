package firewall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// expectRequest is what firewall-expect reads on stdin.
type expectRequest struct {
	Choice  choice  `json:"choice"`
	Profile Profile `json:"profile"`
}

// expected returns the owned state the profile renders to, in the text
// State prints: only the kernel tools print the canonical form, so the
// agent applies the profile where it harms nothing, in a scratch network
// namespace (a re-executed `self firewall-expect`, born in its own
// namespace as `unshare --net` would start it), and lists it there. Needs
// no baseline, works on a fresh host and never changes the host.
func expected(ctx context.Context, self string, c choice, p Profile) (string, error) {
	in, err := json.Marshal(expectRequest{Choice: c, Profile: p})
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self, "firewall-expect")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	cmd.Stdin = bytes.NewReader(in)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("rendering the profile in a scratch network namespace: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}

// Expect is the firewall-expect command (hidden; only the firewall step
// runs it, through expected): it applies the profile read on stdin and
// prints the owned state that results. It refuses to run anywhere but in
// an empty network namespace, so a stray call can never change a host.
func Expect(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	dec := json.NewDecoder(stdin)
	dec.DisallowUnknownFields()
	var req expectRequest
	if err := dec.Decode(&req); err != nil {
		return fmt.Errorf("reading the profile: %w", err)
	}
	if err := scratchNamespace(); err != nil {
		return err
	}
	b, err := req.Choice.open()
	if err != nil {
		return err
	}
	if ib, ok := b.(*iptBackend); ok {
		ib.scratch = true
	}
	defer holdReads(b)() // nothing else changes a scratch namespace
	if s, err := b.State(ctx); err != nil {
		return err
	} else if s != "" {
		return errors.New("refusing to apply: the network namespace already holds owned firewall objects")
	}
	batch, err := b.Render(ctx, req.Profile)
	if err != nil {
		return err
	}
	if err := b.Apply(ctx, batch); err != nil {
		return err
	}
	s, err := b.State(ctx)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, s)
	return err
}

// scratchNamespace checks that no interface but loopback is up: a fresh
// network namespace, not a host.
func scratchNamespace() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing interfaces: %w", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 && i.Flags&net.FlagLoopback == 0 {
			return fmt.Errorf("refusing to apply: interface %s is up; firewall-expect runs only in a scratch network namespace", i.Name)
		}
	}
	return nil
}
