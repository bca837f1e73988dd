package inventory

import (
	"errors"
	"regexp"
	"strings"
	"sync"
)

// The regular expressions of ansible/parsing/utils/addresses.py, which
// decide whether "web1:2222" is a host with a port and whether "a:b" in a
// pattern is one name or two. They are ported rather than approximated
// because both questions change which hosts a run touches. Python's \w is
// Unicode-aware, hence \p{L}\p{N}; the hostname label's look-behind (no
// trailing '-' or '_') is spelled out, RE2 having none.
const (
	numericRange = `\[[0-9]+:[0-9]+(?::[0-9]+)?\]`
	hexRange     = `\[[0-9a-fA-F]+:[0-9a-fA-F]+(?::[0-9]+)?\]`
	alnumRange   = `\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	ipv4Part     = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numericRange + `)`
	ipv6Part     = `(?:[0-9a-fA-F]{1,4}|` + hexRange + `)`
	word         = `[\p{L}\p{N}_]`
	alnum        = `[\p{L}\p{N}]`
	labelStart   = `(?:` + word + `|` + alnumRange + `)`
	labelEnd     = `(?:` + alnum + `|` + alnumRange + `)`
	labelInner   = `(?:` + word + `|-|` + alnumRange + `)`
	label        = `(?:` + labelEnd + `|` + labelStart + labelInner + `*` + labelEnd + `)`
)

// The expressions compile on first use: only an Ansible inventory needs
// them, and compiling them at init took 2.5 ms of every ck8sctl process
// (two per command: the supervisor and its child).
var (
	bracketedHostPort = lazyRegexp(`^\[(.+)\]:([0-9]+)$`)
	hostPort          = lazyRegexp(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	ipv4Re            = lazyRegexp(`^(?:` + ipv4Part + `\.){3}` + ipv4Part + `$`)
	hostnameRe        = lazyRegexp(`^` + label + `(?:\.` + label + `)*$`)
	ipv6Re            = lazyRegexp(ipv6Pattern())
)

func lazyRegexp(src string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(src) })
}

// ipv6Pattern keeps a quirk of Ansible's expression: its alternatives are
// not grouped, so "^" binds to the first and "$" to the last only, and
// re.match accepts any string that starts like a compressed address.
func ipv6Pattern() string {
	p, v4 := ipv6Part, `(?:`+ipv6Part+`\.){3}`+ipv6Part
	alts := []string{
		`(?:` + p + `:){7}` + p,
		`(?:` + p + `:){1,6}:`,
		`(?:` + p + `:)(?::` + p + `){1,6}`,
		`(?:` + p + `:){2}(?::` + p + `){1,5}`,
		`(?:` + p + `:){3}(?::` + p + `){1,4}`,
		`(?:` + p + `:){4}(?::` + p + `){1,3}`,
		`(?:` + p + `:){5}(?::` + p + `){1,2}`,
		`(?:` + p + `:){6}(?::` + p + `)`,
		`:(?::` + p + `){1,6}`,
		p + `?::`,
		`(?:0:){6}` + v4,
		`::(?:ffff:)?` + v4,
		`(?:0:){5}ffff:` + v4 + `$`,
	}
	return `(?i)^(?:` + strings.Join(alts, "|") + `)`
}

var errNotAddress = errors.New("not a valid network hostname")

// parseAddress is Ansible's parse_address with ranges allowed: it splits
// off a port (":22", or "]:22" after a bracketed address) and checks that
// what is left is an IPv4 or IPv6 address or a hostname, ranges included.
// port is "" when there is none.
func parseAddress(s string) (host, port string, err error) {
	// Both forms are tried in turn, as Ansible does: "[a:1]:2" ends up as
	// host "a", port "1".
	for _, re := range []*regexp.Regexp{bracketedHostPort(), hostPort()} {
		if m := re.FindStringSubmatch(s); m != nil {
			s, port = m[1], m[2]
		}
	}
	if ipv4Re().MatchString(s) || ipv6Re().MatchString(s) || hostnameRe().MatchString(s) {
		return s, port, nil
	}
	return "", "", errNotAddress
}
