package dnscheck

import (
	"fmt"
	"strings"
)

// CheckName refuses what is not a host name as DNS and certificates use
// it: dot-separated labels of letters, digits and inner hyphens (and
// underscores, as in _acme-challenge), each 1 to 63 bytes, 253 at most in
// all, one trailing dot allowed. miekg/dns accepts any bytes in a label
// ("a;id", "x y"), which would be asked of servers as they are.
func CheckName(name string) error {
	n := strings.TrimSuffix(name, ".")
	if n == "" || len(n) > 253 {
		return fmt.Errorf("%q is not a DNS name: empty or longer than 253 bytes", name)
	}
	for label := range strings.SplitSeq(n, ".") {
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("%q is not a DNS name: %w", name, err)
		}
	}
	return nil
}

func checkLabel(l string) error {
	switch {
	case l == "":
		return fmt.Errorf("empty label")
	case len(l) > 63:
		return fmt.Errorf("label %q is longer than 63 bytes", l)
	case l[0] == '-' || l[len(l)-1] == '-':
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("label %q holds %q (letters, digits, hyphens only)", l, r)
		}
	}
	return nil
}
