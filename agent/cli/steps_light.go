//go:build nomanifests

package cli

import "github.com/ck8s/ck8sctl/agent/step"

// buildSteps: the light agent has no step of its own. Handed a plan with
// the manifests step, it refuses the whole plan, naming the step (see
// step.Registry.Resolve); ck8sctl never sends it one (bootstrap.Binary).
func buildSteps() []step.Step { return nil }
