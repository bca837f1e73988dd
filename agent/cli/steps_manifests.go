//go:build !nomanifests

package cli

import (
	"github.com/ck8s/ck8sctl/agent/manifests"
	"github.com/ck8s/ck8sctl/agent/step"
)

// buildSteps are the steps only the full agent has: manifests, which
// brings client-go: 6 of the agent's 19 MB, and 2-3 ms (28 % of the page
// faults) of every agent process's start, three to five per harden.
func buildSteps() []step.Step { return []step.Step{manifests.New()} }
