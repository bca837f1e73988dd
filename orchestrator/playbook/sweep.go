package playbook

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// SweepCheck is `checks: sweep:`, the thresholds of `ck8sctl sweep`, the
// compliance sweep over every host. A certificate expiring in less than
// CertWarn is a warning finding, in less than CertFail a failing one.
type SweepCheck struct {
	CertWarn    time.Duration // > CertFail
	CertFail    time.Duration // ≥ 0; 0 fails only an expired certificate
	HostTimeout time.Duration // the deadline of one host's sweep; > 0
}

// Sweep defaults. cert-manager renews a Let's Encrypt certificate 30 days
// before it expires: at 21 days a renewal has failed for over a week and a
// person should look; at 7 days it is an incident.
const (
	DefaultCertWarn         = 21 * 24 * time.Hour
	DefaultCertFail         = 7 * 24 * time.Hour
	DefaultSweepHostTimeout = 5 * time.Minute
)

var sweepKeys = []string{"certWarn", "certFail", "hostTimeout"}

func defaultSweep() SweepCheck {
	return SweepCheck{CertWarn: DefaultCertWarn, CertFail: DefaultCertFail, HostTimeout: DefaultSweepHostTimeout}
}

func (d *decoder) sweep(n *yaml.Node) SweepCheck {
	const p = "checks.sweep"
	out := defaultSweep()
	m, _ := d.checkSection(n, p, sweepKeys...)
	warn, fail := m["certWarn"], m["certFail"]
	ok := true
	if warn != nil {
		out.CertWarn, ok = d.days(warn, p+".certWarn")
	}
	if fail != nil {
		var failOK bool
		out.CertFail, failOK = d.days(fail, p+".certFail")
		ok = ok && failOK
	}
	if !ok {
		// Already reported; comparing with a default would only add noise.
		def := defaultSweep()
		out.CertWarn, out.CertFail = def.CertWarn, def.CertFail
	} else if out.CertFail >= out.CertWarn {
		// Reported at a key that was written, certFail if both were: the
		// other may be a default the reader never saw.
		if fail != nil {
			d.errorf(yamlnode.Resolve(fail).Line, p+".certFail", "must be less than certWarn (%s), got %s", short(out.CertWarn), short(out.CertFail))
		} else {
			d.errorf(yamlnode.Resolve(warn).Line, p+".certWarn", "must be more than certFail (%s), got %s", short(out.CertFail), short(out.CertWarn))
		}
	}
	if v := m["hostTimeout"]; v != nil {
		out.HostTimeout = d.positive(v, p+".hostTimeout", 0, out.HostTimeout)
	}
	return out
}
