package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/internal/termtext"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// sweepTable is the compliance view: one line per host with its verdict
// and what a reader acts on, then every finding, critical first.
func sweepTable(w io.Writer, r Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tADDRESS\tVERDICT\tFINDINGS\tOPEN PORTS\tCERT DAYS\tLOAD1\tDISK FREE\tAGENT\tDURATION")
	for _, h := range r.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			h.Host, h.Address, h.Verdict, codes(h), openPorts(h), certDays(h), load(h), diskFree(h),
			termtext.Escape(orDash(h.AgentVersion)), h.Duration.Round(time.Millisecond))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, h := range r.Hosts {
		if h.Verdict == Unreachable {
			fmt.Fprintf(w, "\n%s: unreachable: %s\n", h.Host, orDash(message(h)))
		}
		fs := slices.Clone(h.Findings)
		slices.SortStableFunc(fs, func(a, b phase.Finding) int { return strings.Compare(string(a.Severity), string(b.Severity)) })
		for _, f := range fs {
			fmt.Fprintf(w, "%s: %s %s: %s\n", h.Host, f.Severity, f.Code, termtext.Escape(f.Message))
		}
	}
	drifts(w, r)
	s := r.Summary
	fmt.Fprintf(w, "\n%d host(s): %d compliant, %d non-compliant, %d unreachable; %d critical finding(s), %d warning(s)\n",
		s.Hosts, s.Compliant, s.NonCompliant, s.Unreachable, s.Critical, s.Warnings)
	return footer(w, r)
}

func codes(h Host) string {
	var cs []string
	for _, f := range h.Findings {
		if !slices.Contains(cs, f.Code) {
			cs = append(cs, f.Code)
		}
	}
	return orDash(strings.Join(cs, ","))
}

func openPorts(h Host) string {
	var ports []uint16
	for _, f := range h.Scan {
		for _, p := range f.Open {
			if !slices.Contains(ports, p) {
				ports = append(ports, p)
			}
		}
	}
	if h.Scan == nil {
		return "-"
	}
	slices.Sort(ports)
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = strconv.Itoa(int(p))
	}
	return orDash(strings.Join(parts, ","))
}

// certDays is the fewest days left of the certificates served.
func certDays(h Host) string {
	days, ok := MinCertDays(h)
	if !ok {
		return "-"
	}
	return strconv.Itoa(days)
}

// MinCertDays is the fewest whole days left of the certificates h serves
// on its addresses; false when no certificate was seen.
func MinCertDays(h Host) (int, bool) {
	found, days := false, 0
	for _, t := range h.TLS {
		if c := t.Certificate; c != nil && (!found || c.DaysLeft < days) {
			found, days = true, c.DaysLeft
		}
	}
	return days, found
}

func load(h Host) string {
	if h.Metrics == nil {
		return "-"
	}
	return strconv.FormatFloat(h.Metrics.Load1, 'f', 2, 64)
}

// diskFree is the fullest real file system's free share.
func diskFree(h Host) string {
	if h.Metrics == nil || len(h.Metrics.Filesystems) == 0 {
		return "-"
	}
	least := 2.0
	for _, f := range h.Metrics.Filesystems {
		if f.SizeBytes > 0 {
			least = min(least, float64(f.AvailBytes)/float64(f.SizeBytes))
		}
	}
	if least > 1 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", least*100)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
