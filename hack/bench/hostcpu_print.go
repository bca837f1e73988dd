package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

// printHostCPU prints the hostcpu section's table: per build the CPU per
// host (the hosts' side, and the whole machine's, also over the floor's),
// the wall time, the floors measured next to it (median) and its ratio to
// them (see hostCPU), with the targets. Where the work and the
// floor both keep the lab's cores busy (50 hosts and more on two cores),
// the machine ratio is what the wall ratio tends to, with less noise.
func printHostCPU(floor hostCPU, builds []string, res map[string][works]hostCPU, hosts, reps int, steal string) {
	names := []string{"first bootstrap (upload)", "harden apply+confirm", "harden re-run", "bootstrap, agent in place"}
	targets := []string{"", "≤ 500 ms", "≤ 250 ms", ""}
	walls := []string{"≤ 4.0x", "≤ 3.0x", "≤ 1.5x", "(no target)"}
	fmt.Printf("\nhost-side CPU per host, %d hosts, median of %d (load average %s; the hypervisor stole %s of the machine's CPU time meanwhile)\n",
		hosts, reps, loadavg(), steal)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "work\t")
	for i := range builds {
		label := "this build"
		if i < len(builds)-1 {
			label = "baseline"
		}
		fmt.Fprintf(tw, "CPU/host, %s\tmachine\tmachine/floor\twall\tfloor next to it\twall/floor\t", label)
	}
	fmt.Fprintln(tw, "target CPU\ttarget wall/floor\t")
	fmt.Fprintf(tw, "ssh host true (floor)\t")
	for range builds {
		fmt.Fprintf(tw, "%s\t%s\t1.00x\t%s\t\t1.00x\t", floor.cpu.Round(time.Millisecond), floor.machine.Round(time.Millisecond), floor.wall.Round(time.Millisecond))
	}
	fmt.Fprintln(tw, "\t\t")
	for i, name := range names {
		fmt.Fprintf(tw, "%s\t", name)
		for _, b := range builds {
			m := res[b][i]
			fmt.Fprintf(tw, "%s\t%s\t%.2fx\t%s\t%s\t%.2fx\t", m.cpu.Round(time.Millisecond), m.machine.Round(time.Millisecond),
				ratio(m.machine, floor.machine), m.wall.Round(time.Millisecond), m.floor.Round(time.Millisecond), m.ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", targets[i], walls[i])
	}
	tw.Flush()
}
