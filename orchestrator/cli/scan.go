package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/internal/termtext"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

func scanCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "scan",
		Usage:     "scan TCP ports of hosts from outside and compare the open ones with the expected set",
		ArgsUsage: "TARGET... (IP addresses, or host names of -p PLAYBOOK; none: every host of the playbook)",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "ports", Value: scan.AllPorts, Usage: "ports to scan, e.g. 1-1024,8080"},
			&ucli.StringFlag{Name: "expect", Value: scan.DefaultExpect, Usage: "ports that should be open; any other open port is non-compliant"},
			&ucli.StringFlag{Name: "udp", Usage: "UDP ports to probe too, best effort, e.g. 53,123,51820 (open only if answered)"},
			&ucli.StringFlag{Name: "expect-udp", Usage: "UDP ports that may answer; any other UDP port that answers is non-compliant"},
			&ucli.StringFlag{Name: "playbook", Aliases: []string{"p"}, Usage: "playbook `FILE` whose hosts (address and expectIPs) may be scanned by name"},
			&ucli.Float64Flag{Name: "rate", Usage: "ceiling of probes per second, lowered on loss (0: the syn engine's default, connects unpaced)"},
			&ucli.DurationFlag{Name: "timeout", Value: scan.DefaultTimeout, Usage: "longest wait for one port's answer (the scan adapts below it)"},
			&ucli.IntFlag{Name: "concurrency", Value: scan.DefaultConcurrency, Usage: "sockets in flight at once"},
			&ucli.StringFlag{Name: "engine", Value: string(scan.EngineAuto), Usage: "auto (syn with root or CAP_NET_RAW on Linux, else connect), syn or connect"},
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"},
		},
		Action: runScan,
	}
}

// scanTarget is one address to scan and the playbook host it belongs to.
type scanTarget struct {
	host    string
	addr    netip.Addr
	sshPort int // the playbook host's (0: an address given as such)
}

type scanOpts struct {
	targets       []scanTarget
	ports, expect []uint16
	expectUDP     []uint16
	output        string
	scanner       *scan.Scanner
}

func parseScanFlags(c *ucli.Context) (*scanOpts, error) {
	o := &scanOpts{output: c.String("output")}
	if o.output != "table" && o.output != "json" {
		return nil, badInputf("flag --output: %q is not table or json", o.output)
	}
	var err error
	if o.ports, err = scan.ParsePorts(c.String("ports")); err != nil {
		return nil, badInputf("flag --ports: %v", err)
	}
	if o.expect, err = scan.ParsePorts(c.String("expect")); err != nil {
		return nil, badInputf("flag --expect: %v", err)
	}
	var udp []uint16
	if c.String("udp") != "" {
		if udp, err = scan.ParsePorts(c.String("udp")); err != nil {
			return nil, badInputf("flag --udp: %v", err)
		}
	}
	if c.String("expect-udp") != "" {
		if o.expectUDP, err = scan.ParsePorts(c.String("expect-udp")); err != nil {
			return nil, badInputf("flag --expect-udp: %v", err)
		}
	}
	if c.Float64("rate") < 0 || c.Duration("timeout") <= 0 || c.Int("concurrency") < 1 {
		return nil, badInputf("flags --rate, --timeout, --concurrency: must be positive (rate 0: unlimited)")
	}
	kind, err := scan.ParseEngineKind(c.String("engine"))
	if err != nil {
		return nil, badInputf("flag --engine: %v", err)
	}
	if o.targets, err = scanTargets(c.Args().Slice(), c.String("playbook")); err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	var ssh []int
	for _, t := range o.targets {
		addrs = append(addrs, t.addr)
		ssh = append(ssh, t.sshPort)
	}
	// The scope guard: exactly the addresses the user named or the
	// playbook lists, nothing a typo or a resolver could add.
	o.scanner = &scan.Scanner{
		Guard: scan.Hosts(addrs...), Concurrency: c.Int("concurrency"), Rate: c.Float64("rate"),
		Timeout: c.Duration("timeout"), First: o.expect, UDP: udp, Kind: kind, SSHPorts: scan.SSHPortsOf(ssh...),
	}
	return o, nil
}

// scanTargets resolves targets: IP literals as given, names only through
// the playbook (never DNS: the scan must not be pointed anywhere by a
// resolver). No targets means every host of the playbook.
func scanTargets(args []string, pbPath string) ([]scanTarget, error) {
	var pb *playbook.Playbook
	if pbPath != "" {
		var err error
		if pb, err = playbook.Load(pbPath); err != nil {
			return nil, badInput(err)
		}
	}
	if len(args) == 0 {
		if pb == nil {
			return nil, badInputf("no targets: give IP addresses or -p PLAYBOOK")
		}
		for _, h := range pb.Hosts {
			args = append(args, h.Name)
		}
	}
	var out []scanTarget
	seen := map[netip.Addr]bool{}
	add := func(host string, a netip.Addr, sshPort int) {
		if a = a.Unmap().WithZone(""); !seen[a] {
			seen[a] = true
			out = append(out, scanTarget{host, a, sshPort})
		}
	}
	for _, arg := range args {
		if strings.HasPrefix(arg, "-") {
			return nil, badInputf("%q after a target: flags go before the targets (ck8sctl scan [flags] TARGET...)", arg)
		}
		if a, err := netip.ParseAddr(arg); err == nil {
			add("", a, 0)
			continue
		}
		if pb == nil {
			return nil, badInputf("target %q: not an IP address (host names are taken only from -p PLAYBOOK)", arg)
		}
		h, ok := pb.HostByName(arg)
		if !ok {
			return nil, badInputf("target %q: not an IP address and not a host of playbook %s", arg, pb.Path)
		}
		addrs := hostAddrs(h)
		if len(addrs) == 0 {
			return nil, badInputf("target %q: the playbook gives no IP address for it (address is a name and no expectIPs)", arg)
		}
		for _, a := range addrs {
			add(h.Name, a, h.Port)
		}
	}
	for _, t := range out {
		if err := fence.Check(t.addr); err != nil {
			return nil, badInputf("target %s: %v", t.addr, err)
		}
	}
	return out, nil
}

// hostAddrs are the addresses of a playbook host seen from outside: its
// SSH address if it is an IP, and the addresses its domain must resolve to.
func hostAddrs(h playbook.Host) []netip.Addr {
	var out []netip.Addr
	if a, err := netip.ParseAddr(h.Address); err == nil {
		out = append(out, a.Unmap())
	}
	for _, a := range h.ExpectIPs {
		if a = a.Unmap(); !containsAddr(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	for _, b := range as {
		if a == b {
			return true
		}
	}
	return false
}

func runScan(c *ucli.Context) error {
	o, err := parseScanFlags(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newScanBar(termtext.Raw(c.App.ErrWriter), liveProgress(c, o.output), escapesAllowed())
	o.scanner.Progress = bar.show
	addrs := make([]netip.Addr, len(o.targets))
	for i, t := range o.targets {
		addrs[i] = t.addr
	}
	res, err := o.scanner.Scan(ctx, addrs, o.ports)
	bar.clear()
	if errors.Is(err, scan.ErrNoRaw) {
		return badInputf("flag --engine: %v", err)
	}
	if err != nil {
		return fmt.Errorf("scanning: %w", err)
	}
	portsArg := scan.FormatPorts(o.ports)
	findings := make([]scan.Finding, len(res))
	code := ExitOK
	for i, r := range res {
		findings[i] = scan.Judged(o.targets[i].host, r, portsArg, o.expect).WithUDP(r, o.expectUDP)
		switch {
		case !findings[i].Reachable:
			code = ExitUnreachable
		case !findings[i].Compliant && code == ExitOK:
			code = ExitFailed
		}
	}
	if o.output == "table" && isQuiet(c) {
		err = writeScanSummary(c, code, scanSummary(findings))
	} else {
		err = writeScan(c.App.Writer, o.output, findings, code)
	}
	if err != nil {
		return err
	}
	if code != ExitOK {
		return &exitError{code: code, err: fmt.Errorf("scan: %s", scanSummary(findings))}
	}
	return nil
}

func scanSummary(fs []scan.Finding) string {
	bad := 0
	for _, f := range fs {
		if !f.Compliant {
			bad++
		}
	}
	return fmt.Sprintf("%d of %d target(s) not compliant", bad, len(fs))
}

func writeScan(w io.Writer, format string, fs []scan.Finding, code int) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Targets  []scan.Finding `json:"targets"`
			ExitCode int            `json:"exitCode"`
		}{fs, code})
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tHOST\tOPEN\tCLOSED\tFILTERED\tUNEXPECTED OPEN\tEXPECTED CLOSED\tDURATION\tVERDICT")
	for _, f := range fs {
		verdict := "compliant"
		switch {
		case !f.Reachable:
			verdict = "unreachable: no port answered"
			if why := f.Silence(); why != "" {
				verdict += " (" + why + ")"
			}
		case !f.Compliant:
			verdict = "NON-COMPLIANT"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", f.Target, hostOrDash(f.Host), scan.FormatPorts(f.Open),
			f.Closed, f.Filtered, scan.FormatPorts(f.Unexpected), scan.FormatPorts(f.Missing),
			time.Duration(f.DurationSeconds*float64(time.Second)), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(fs) > 0 && fs[0].Engine != "" {
		fmt.Fprintf(w, "engine: %s\n", engineNote(fs[0].Engine))
	}
	return writeUDP(w, fs)
}

// writeUDP adds the best-effort UDP table when UDP ports were probed.
func writeUDP(w io.Writer, fs []scan.Finding) error {
	if len(fs) == 0 || fs[0].UDP == nil {
		return nil
	}
	fmt.Fprintln(w, "\nUDP (best effort: open only if answered; open|filtered is not judged)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tOPEN\tCLOSED\tOPEN|FILTERED\tFILTERED\tUNEXPECTED OPEN\tEXPECTED CLOSED")
	for _, f := range fs {
		u := f.UDP
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Target, scan.FormatPorts(u.Open), scan.FormatPorts(u.Closed),
			scan.FormatPorts(u.OpenFiltered), scan.FormatPorts(u.Filtered), scan.FormatPorts(u.Unexpected), scan.FormatPorts(u.Missing))
	}
	return tw.Flush()
}

// engineNote says how the ports were probed.
func engineNote(k scan.EngineKind) string {
	if k == scan.EngineSYN {
		return "syn (raw SYNs; every open port confirmed by a connect)"
	}
	return string(k)
}

func hostOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// scanBar is the live progress line of a scan on a terminal. Without
// escapes (NO_COLOR) it is cleared by overwriting it with spaces.
type scanBar struct {
	mu   sync.Mutex
	w    io.Writer
	on   bool
	ansi bool
	last int // length of the line shown
}

func newScanBar(w io.Writer, on, ansi bool) *scanBar { return &scanBar{w: w, on: on, ansi: ansi} }

func (b *scanBar) show(p scan.Progress) {
	if !b.on {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	line := fmt.Sprintf("scan: %d/%d ports, %d open ", p.Done, p.Total, p.Open)
	b.last = max(b.last, len(line))
	fmt.Fprint(b.w, "\r"+line)
}

func (b *scanBar) clear() {
	switch {
	case !b.on:
	case b.ansi:
		fmt.Fprint(b.w, "\r\033[K")
	default:
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.last)+"\r")
	}
}
