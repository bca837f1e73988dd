// Command chaos is the fault campaign of issue 14 (`make chaos`): on lab
// hosts it runs TRIALS trials of each fault at a random moment of a
// harden and prints a table: was the host reachable again by SSH within
// confirmTimeout+15 s, were its rules the pre-run ones (or the confirmed
// profile's), how many events the host journaled that the store lacks
// once the next run imported the journal, and how many runs were left
// "running". It needs root and a ck8schaos build of ck8sctl (the Makefile
// target builds one); it brings up its own lab and takes it down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

func main() {
	trials := flag.Int("trials", 5, "trials per fault")
	hosts := flag.Int("hosts", 3, "lab hosts (trials run on them in parallel)")
	index := flag.Int("index", 246, "first lab index to try (240-254 are the helpers')")
	dir := flag.String("dir", ".chaos", "work DIR: the lab, databases, logs")
	self := flag.String("ck8sctl", "bin/ck8sctl-chaos", "ck8sctl built with the ck8schaos agent")
	confirm := flag.Duration("confirm", 5*time.Second, "firewall.confirmTimeout of the playbooks")
	out := flag.String("out", "", "also write the table (markdown) to FILE")
	backend := flag.String("backend", "iptables", "firewall.backend of the playbooks: iptables or nftables (the n-th-call fault then wraps nft)")
	flag.StringVar(&only, "only", "", "run only the faults whose name contains one of `WORDS` (comma-separated, e.g. kill,iptables)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *backend != "iptables" && *backend != backendNFT {
		fmt.Fprintf(os.Stderr, "chaos: -backend %q: iptables or nftables\n", *backend)
		os.Exit(2)
	}
	if err := campaign(ctx, *trials, *hosts, *index, *dir, *self, *backend, *confirm, *out); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func campaign(ctx context.Context, trials, hosts, index int, dir, self, backend string, confirm time.Duration, out string) error {
	dir, _ = filepath.Abs(dir)
	self, _ = filepath.Abs(self)
	if _, err := os.Stat(self); err != nil {
		return fmt.Errorf("%w (make chaos builds it)", err)
	}
	l, err := labUp(ctx, filepath.Join(dir, "lab"), hosts, index, self)
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := lab.Down(dctx, l.Dir); err != nil {
			fmt.Fprintln(os.Stderr, "chaos: lab down:", err)
		}
	}()
	workers := make([]*worker, len(l.Hosts))
	for i, h := range l.Hosts {
		workers[i] = &worker{v: hostView{l, h, backend}, self: self, dir: dir, db: filepath.Join(dir, h.Name+".db"), confirm: confirm}
		if err := workers[i].prepare(ctx); err != nil {
			return err
		}
	}
	fmt.Printf("lab of %d hosts (index %d, %s) prepared; a changing harden takes %s; %d firewall program calls\n",
		len(l.Hosts), l.Index, backend, workers[0].baseline.Round(time.Millisecond), workers[0].fwCalls)
	start := time.Now()
	res := run(ctx, workers, faults(backend), trials)
	t := table{trials: trials, hosts: len(l.Hosts), backend: backend, confirm: confirm, took: time.Since(start), results: res}
	t.print(os.Stdout)
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		t.print(f)
	}
	return ctx.Err()
}

// run spreads trials over the workers, trial-major so that every host
// sees every fault, and returns the outcomes by fault.
func run(ctx context.Context, workers []*worker, fs []fault, trials int) map[string][]outcome {
	jobs := make(chan fault)
	var mu sync.Mutex
	res := map[string][]outcome{}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for f := range jobs {
				tr := &trial{w: w, v: w.v, f: f, confirm: w.confirm}
				o := tr.run(ctx)
				mu.Lock()
				res[f.name] = append(res[f.name], o)
				fmt.Printf("%-48s %s: hit %t, reachable %t (%s), restored %t, lost %d, running %d (exit %s)\n",
					f.name, w.v.h.Name, o.hit, o.reached, o.reach.Round(100*time.Millisecond), o.restored, o.lost, o.running, o.exitOf)
				mu.Unlock()
			}
		})
	}
	for i := 0; i < trials && ctx.Err() == nil; i++ {
		for _, f := range fs {
			jobs <- f
		}
	}
	close(jobs)
	wg.Wait()
	return res
}

// labUp brings up the campaign's lab at the first free index from index
// on, within the helpers' range 240-254.
func labUp(ctx context.Context, dir string, hosts, index int, self string) (*lab.Lab, error) {
	for i := index; i <= 254; i++ {
		l, err := lab.Up(ctx, lab.Options{Dir: dir, Hosts: hosts, Index: i, ListenerArgv: []string{self, "lab", "listen"}})
		if errors.Is(err, lab.ErrIndexInUse) {
			continue
		}
		return l, err
	}
	return nil, errors.New("no free lab index in 240-254")
}
