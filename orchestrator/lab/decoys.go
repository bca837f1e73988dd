package lab

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ensureDecoys starts h's decoy listener process unless the recorded one is
// alive. It only needs the host's network namespace, not its mount view.
func ensureDecoys(ctx context.Context, dir string, h Host, listener []string) error {
	p := decoysProc(dir, h)
	if len(listener) == 0 {
		return nil
	}
	if ok, err := p.runningIn(h.NetNS); err != nil {
		return fmt.Errorf("replacing decoys on %s: %w", h.Name, err)
	} else if ok {
		return nil
	}
	ports := make([]string, len(DecoyPorts))
	for i, port := range DecoyPorts {
		ports[i] = strconv.Itoa(port)
	}
	argv := append([]string{"ip", "netns", "exec", h.NetNS}, listener...)
	argv = append(argv, strings.Join(ports, ","))
	log := filepath.Join(hostDir(dir, h.Name), "decoys.log")
	_, exited, err := p.start(argv, log)
	if err != nil {
		return fmt.Errorf("starting decoys on %s: %w", h.Name, err)
	}
	// ServeDecoys binds every port before serving any, so one answering port
	// means all are up.
	if err := waitListening(ctx, h.Addr4, DecoyPorts[len(DecoyPorts)-1], exited); err != nil {
		return fmt.Errorf("starting decoys on %s: %w (see %s)%s", h.Name, err, log, logTail(log))
	}
	return nil
}

// ParsePorts reads the listener's final argument ("80,443,...").
func ParsePorts(s string) ([]int, error) {
	var ports []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("decoy port %q: must be 1..65535", f)
		}
		ports = append(ports, p)
	}
	return ports, nil
}
