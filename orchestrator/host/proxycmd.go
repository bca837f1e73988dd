package host

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// expandProxyCommand substitutes ssh's %h (host name after HostName), %p,
// %r and %% in c.ProxyCommand. Another %-token is an error, as in ssh:
// better refuse than run a command with a literal "%x".
func expandProxyCommand(c Config) (string, error) {
	var b strings.Builder
	cmd := c.ProxyCommand
	for i := 0; i < len(cmd); i++ {
		if cmd[i] != '%' {
			b.WriteByte(cmd[i])
			continue
		}
		if i++; i == len(cmd) {
			return "", fmt.Errorf("ProxyCommand: %% at the end")
		}
		switch cmd[i] {
		case 'h':
			b.WriteString(c.Address)
		case 'p':
			b.WriteString(strconv.Itoa(c.Port))
		case 'r':
			b.WriteString(c.User)
		case '%':
			b.WriteByte('%')
		default:
			return "", fmt.Errorf("ProxyCommand: unknown token %%%c (supported: %%h %%p %%r %%%%)", cmd[i])
		}
	}
	return b.String(), nil
}

// commandName is the program a ProxyCommand runs, for logs: its arguments
// may hold anything.
func commandName(cmd string) string {
	if f := strings.Fields(cmd); len(f) > 0 {
		return filepath.Base(f[0])
	}
	return ""
}

// startProxyCommand runs c's ProxyCommand the way ssh does (`sh -c "exec
// …"`, so closing kills the command itself, not a shell around it) and
// returns the connection over its stdin and stdout. The network fence
// sees no address here: the command connects wherever it likes, so every
// use is logged.
func startProxyCommand(c Config, addr string) (*proxyConn, error) {
	level := "ssh through a ProxyCommand"
	if os.Getenv(fence.Env) != "" {
		level += " (" + fence.Env + " cannot check where it connects)"
	}
	c.Logger.Info(level, "host", c.String(), "command", commandName(c.ProxyCommand))

	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("ProxyCommand: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("ProxyCommand: %w", err)
	}
	p := &proxyConn{r: outR, w: inW, addr: proxyAddr(addr), name: commandName(c.ProxyCommand),
		stderr: &tailBuffer{max: 2 << 10}, exited: make(chan struct{})}
	p.cmd = exec.Command("/bin/sh", "-c", "exec "+c.ProxyCommand)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = inR, outW, p.stderr
	p.cmd.WaitDelay = time.Second // a child that keeps stderr open must not hold Close
	err = p.cmd.Start()
	inR.Close() // the command's ends
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("ProxyCommand %s: %w", p.name, err)
	}
	go func() { p.waitErr = p.cmd.Wait(); close(p.exited) }()
	return p, nil
}

// proxyConn is a net.Conn over a ProxyCommand's pipes (conn.go).
type proxyConn struct {
	r, w    *os.File
	cmd     *exec.Cmd
	addr    proxyAddr
	name    string
	stderr  *tailBuffer
	exited  chan struct{}
	waitErr error // set before exited is closed
	once    sync.Once
}

// Close ends the connection and the command: SIGHUP, as ssh sends, then
// SIGKILL if it lingers.
func (p *proxyConn) Close() error {
	p.once.Do(func() {
		p.w.Close()
		p.r.Close()
		_ = p.cmd.Process.Signal(syscall.SIGHUP)
		select {
		case <-p.exited:
		case <-time.After(time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return nil
}

// explain adds what the command said to a failed handshake: "connection
// refused" from nc is the real reason behind ssh's EOF.
func (p *proxyConn) explain(err error) error {
	select {
	case <-p.exited:
	case <-time.After(100 * time.Millisecond):
		return fmt.Errorf("%w (ProxyCommand %s still running)", err, p.name)
	}
	msg := strings.TrimSpace(p.stderr.String())
	if msg == "" {
		return fmt.Errorf("%w (ProxyCommand %s exited: %v)", err, p.name, p.waitErr)
	}
	return fmt.Errorf("%w (ProxyCommand %s exited: %v: %s)", err, p.name, p.waitErr, msg)
}
