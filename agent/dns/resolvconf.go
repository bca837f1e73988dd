package dns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// ResolvConf is what the host's stub resolver (glibc) reads from
// /etc/resolv.conf, with glibc's defaults and limits.
type ResolvConf struct {
	Path        string        `json:"path"`
	Nameservers []string      `json:"nameservers"` // ip:53, at most 3
	Search      []string      `json:"search,omitempty"`
	Ndots       int           `json:"ndots"`
	Timeout     time.Duration `json:"timeoutNs"`
	Attempts    int           `json:"attempts"`
	Notes       []string      `json:"notes,omitempty"` // ignored or defaulted lines
}

// glibc's defaults and caps (resolv.conf(5)).
const (
	maxNameservers  = 3
	defaultNdots    = 1
	maxNdots        = 15
	defaultTimeout  = 5 * time.Second
	maxTimeout      = 30 * time.Second
	defaultAttempts = 2
	maxAttempts     = 5
)

// ReadResolvConf reads path. A missing file is not an error: glibc then asks
// 127.0.0.1, and so do we, with a note saying why.
func ReadResolvConf(path string) (*ResolvConf, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		rc, _ := ParseResolvConf(strings.NewReader(""))
		rc.Path = path
		rc.Notes = append(rc.Notes, path+" does not exist: using the glibc defaults")
		return rc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	rc, err := ParseResolvConf(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	rc.Path = path
	return rc, nil
}

// ParseResolvConf parses resolv.conf syntax the way glibc does: the last
// search or domain line wins, at most three nameservers, unknown options
// ignored, options clamped to glibc's limits.
func ParseResolvConf(r io.Reader) (*ResolvConf, error) {
	rc := &ResolvConf{Ndots: defaultNdots, Timeout: defaultTimeout, Attempts: defaultAttempts}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			rc.nameserver(n, f[1:])
		case "search":
			rc.Search = lower(f[1:])
		case "domain":
			rc.Search = lower(f[1:min(2, len(f))])
		case "options":
			for _, o := range f[1:] {
				rc.option(o)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rc.Nameservers) == 0 {
		rc.Nameservers = []string{"127.0.0.1:53"}
		rc.Notes = append(rc.Notes, "no nameserver line: glibc asks 127.0.0.1")
	}
	return rc, nil
}

func (rc *ResolvConf) nameserver(line int, args []string) {
	if len(args) == 0 {
		return
	}
	a, err := netip.ParseAddr(args[0])
	switch {
	case err != nil:
		rc.Notes = append(rc.Notes, fmt.Sprintf("line %d: nameserver %q is not an IP address: ignored", line, args[0]))
	case len(rc.Nameservers) == maxNameservers:
		rc.Notes = append(rc.Notes, fmt.Sprintf("line %d: nameserver %s ignored: glibc uses the first %d", line, args[0], maxNameservers))
	default:
		rc.Nameservers = append(rc.Nameservers, netip.AddrPortFrom(a.Unmap(), 53).String())
	}
}

func (rc *ResolvConf) option(o string) {
	name, val, ok := strings.Cut(o, ":")
	n, err := strconv.Atoi(val)
	if !ok || err != nil || n < 0 {
		return // flags such as rotate or edns0 do not change the answer
	}
	switch name {
	case "ndots":
		rc.Ndots = min(n, maxNdots)
	case "timeout":
		rc.Timeout = min(time.Duration(max(n, 1))*time.Second, maxTimeout)
	case "attempts":
		rc.Attempts = min(max(n, 1), maxAttempts)
	}
}

func lower(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, strings.ToLower(strings.TrimSuffix(s, ".")))
	}
	return out
}

// Candidates are the names glibc tries for name, in order: a name with a
// trailing dot only as is; one with at least ndots dots first as is, then
// with each search domain; otherwise the search domains first.
func (rc *ResolvConf) Candidates(name string) []string {
	if strings.HasSuffix(name, ".") {
		return []string{name}
	}
	var out []string
	asIs := strings.Count(name, ".") >= rc.Ndots
	if asIs {
		out = append(out, name+".")
	}
	for _, s := range rc.Search {
		out = append(out, name+"."+s+".")
	}
	if !asIs {
		out = append(out, name+".")
	}
	return out
}
