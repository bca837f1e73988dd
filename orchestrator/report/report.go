// Package report renders a run's outcome for people (a table) and for
// programs: one JSON document in a versioned schema (schema.go), JUnit XML
// for CI systems and the Prometheus text format for node_exporter's
// textfile collector.
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"encoding/json"

	"github.com/ck8s/ck8sctl/internal/termtext"
)

// Formats are the values of -o.
var Formats = []string{"table", "json", "junit", "prometheus"}

// Write renders r in format: table, json, junit or prometheus.
func Write(w io.Writer, format string, r Run) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "junit":
		return JUnit(w, r)
	case "prometheus":
		return Prometheus(w, r)
	}
	if r.Action == "sweep" {
		return sweepTable(w, r)
	}
	return table(w, r)
}

func table(w io.Writer, r Run) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tADDRESS\tSTATUS\tSTEPS\tAGENT\tEVENTS\tOS\tDURATION\tMESSAGE")
	for _, h := range r.Hosts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
			h.Host, h.Address, h.Status, steps(h), agent(h), h.Events, osOf(h),
			h.Duration.Round(time.Millisecond), message(h))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	drifts(w, r)
	return footer(w, r)
}

// SummaryLine writes the run's one-line summary, the table's last line: what
// --quiet prints.
func SummaryLine(w io.Writer, r Run) error {
	_, err := fmt.Fprintf(w, "run %s: %s, %d host(s) in %s, exit %d\n",
		r.ID, r.Status, len(r.Hosts), r.Duration.Round(time.Millisecond), r.ExitCode)
	return err
}

func footer(w io.Writer, r Run) error {
	fmt.Fprintln(w)
	return SummaryLine(w, r)
}

func steps(h Host) string {
	if len(h.Steps) == 0 {
		return "-"
	}
	parts := make([]string, len(h.Steps))
	for i, s := range h.Steps {
		parts[i] = s.Name + ":" + string(s.Status)
	}
	return strings.Join(parts, ",")
}

func agent(h Host) string {
	switch {
	case h.Events == 0:
		return "-"
	case h.Uploaded:
		return "uploaded"
	}
	return "cached"
}

func osOf(h Host) string {
	if h.Facts == nil || h.Facts.OS.ID == "" {
		return "-"
	}
	// The host's own words (os-release, uname).
	return termtext.Escape(h.Facts.OS.ID + " " + h.Facts.OS.VersionID + " " + h.Facts.Kernel.Release)
}

func message(h Host) string {
	msg := h.Error
	if n := len(h.Invalid); n > 0 {
		msg = strings.TrimSpace(fmt.Sprintf("%s (%d invalid agent output line(s), first: %s)", msg, n, h.Invalid[0]))
	}
	if msg == "" {
		return "-"
	}
	return termtext.Escape(msg) // errors quote what hosts and agents said
}

// drifts prints each host's drift as the diffs the agent found (firewall
// rules, manifests vs their server-side dry run): what --check is for.
func drifts(w io.Writer, r Run) {
	for _, h := range r.Hosts {
		if f := h.Firewall; f != nil && f.State == "drift" && f.Diff != "" {
			fmt.Fprintf(w, "\n== %s: firewall drift ==\n%s", h.Host, termtext.EscapeText(f.Diff))
		}
		if m := h.Manifests; m != nil && m.Diff != "" {
			what := "manifests drift"
			if m.State != "drift" {
				what += ", corrected"
			}
			fmt.Fprintf(w, "\n== %s: %s ==\n%s", h.Host, what, termtext.EscapeText(m.Diff))
		}
	}
}
