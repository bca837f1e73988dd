package cli

import (
	"github.com/ck8s/ck8sctl/agent/dns"
	"github.com/ck8s/ck8sctl/agent/facts"
	"github.com/ck8s/ck8sctl/agent/firewall"
	"github.com/ck8s/ck8sctl/agent/hostmetrics"
	"github.com/ck8s/ck8sctl/agent/http01"
	"github.com/ck8s/ck8sctl/agent/listeners"
	"github.com/ck8s/ck8sctl/agent/step"
)

// Steps returns every step this agent can run, one line each. A new step
// is a package of its own plus one line here; the plan decides the order.
// The manifests step is added by the build (steps_manifests.go): the
// light agent, built with the nomanifests tag, leaves it and client-go out.
func Steps() *step.Registry {
	return step.NewRegistry(append([]step.Step{
		dns.New(),
		facts.New(),
		firewall.New(),
		hostmetrics.New(),
		http01.New(),
		listeners.New(),
	}, buildSteps()...)...)
}
