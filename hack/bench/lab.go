package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// sectionLabUp brings up a section's own lab in a fresh dir .bench/PREFIX*
// at o.Index, or (o.Index 0) at a random index that no other lab on this
// machine claims (other sessions run labs concurrently) and that is not in
// exclude (the indices the other sections use). The dir has no spaces or
// quotes: Ansible inventories name paths in it.
func sectionLabUp(ctx context.Context, prefix string, o lab.Options, exclude []int) (*lab.Lab, error) {
	if err := os.MkdirAll(".bench", 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(".bench", prefix)
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	if strings.ContainsAny(dir, " \t\"'\\") {
		return nil, fmt.Errorf("lab dir %q: the Ansible inventory needs a path without spaces or quotes", dir)
	}
	o.Dir = dir
	fmt.Printf("bringing up a lab of %d hosts...\n", o.Hosts)
	start, fixed := time.Now(), o.Index != 0
	for attempt := 0; attempt < 50; attempt++ {
		if !fixed {
			if o.Index = 1 + rand.IntN(255); slices.Contains(exclude, o.Index) {
				continue
			}
		}
		l, err := lab.Up(ctx, o)
		if errors.Is(err, lab.ErrIndexInUse) && !fixed {
			continue
		}
		if err != nil {
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			_ = lab.Down(dctx, dir)
			return nil, err
		}
		fmt.Printf("lab up in %s (index %d, %s)\n\n", time.Since(start).Round(time.Millisecond), l.Index, l.Dir)
		return l, nil
	}
	return nil, errors.New("lab up: no free lab index after 50 tries")
}
