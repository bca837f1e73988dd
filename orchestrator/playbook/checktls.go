package playbook

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// TLSCheck is `checks: tls:`: the domain's certificate, checked on every
// address of each host after the agent.
type TLSCheck struct {
	// CAFile is an absolute path of a PEM bundle of CA certificates (for a
	// staging CA no browser trusts); empty: the system roots. Loading it
	// (tlscheck.LoadRoots) is the run's business: errors there name
	// CAFileLine like any playbook error.
	CAFile       string
	CAFileLine   int
	MinValid     time.Duration // least remaining validity that passes; 0 fails only an expired certificate
	Port         uint16        // the HTTPS port
	Timeout      time.Duration // the connect and the handshake each
	HTTPRedirect bool          // also require http://<domain>/ on port 80 to redirect to https
}

var tlsKeys = []string{"caFile", "minValid", "port", "timeout", "httpRedirect"}

// DefaultTLSCheck is what `tls:` alone means, and what a run that turns the
// check on without the section uses.
func DefaultTLSCheck() *TLSCheck {
	return &TLSCheck{MinValid: tlscheck.DefaultMinValid, Port: tlscheck.DefaultPort, Timeout: tlscheck.DefaultTimeout}
}

func (d *decoder) tlsCheck(n *yaml.Node) *TLSCheck {
	const p = "checks.tls"
	out := DefaultTLSCheck()
	m, _ := d.checkSection(n, p, tlsKeys...)
	if v := m["caFile"]; v != nil {
		out.CAFile, out.CAFileLine = d.caFile(v, p+".caFile"), yamlnode.Resolve(v).Line
	}
	if v := m["minValid"]; v != nil {
		if t, ok := d.days(v, p+".minValid"); ok {
			out.MinValid = t
		}
	}
	if v := m["port"]; v != nil {
		if port, ok := d.port(v, p+".port"); ok {
			out.Port = uint16(port)
		}
	}
	if v := m["timeout"]; v != nil {
		out.Timeout = d.positive(v, p+".timeout", 0, out.Timeout)
	}
	if v := m["httpRedirect"]; v != nil {
		out.HTTPRedirect, _ = d.Bool(v, p+".httpRedirect")
	}
	return out
}

// caFile reads a path on this machine that must name a regular file now:
// a typo is reported with the rest of the playbook, not after the agent
// has changed the hosts. Whether it holds certificates is tlscheck's to
// say when the run loads it.
func (d *decoder) caFile(n *yaml.Node, path string) string {
	s, ok := d.Str(n, path)
	if !ok {
		return ""
	}
	line := yamlnode.Resolve(n).Line
	if s == "" {
		d.errorf(line, path, "must be a file path, got \"\" (leave the key out for the system roots)")
		return ""
	}
	abs, err := ExpandPath(s, d.dir)
	if err != nil {
		d.errorf(line, path, "%v", err)
		return ""
	}
	info, err := os.Stat(abs)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path is in the message already
	}
	switch {
	case err != nil:
		d.errorf(line, path, "cannot read %s: %v", abs, err)
	case !info.Mode().IsRegular():
		d.errorf(line, path, "%s is not a regular file", abs)
	}
	return abs
}

// days reads a duration the way certificate lifetimes are spoken of, "14d",
// or a Go duration ("36h"): tlscheck.ParseMinValid, which --min-valid uses
// too.
func (d *decoder) days(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.Str(n, path)
	if !ok {
		return 0, false
	}
	t, err := tlscheck.ParseMinValid(s)
	if err != nil {
		d.errorf(yamlnode.Resolve(n).Line, path, "%v", err)
		return 0, false
	}
	return t, true
}
