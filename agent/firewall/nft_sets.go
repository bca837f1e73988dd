package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// nftNamedSet is a set declared in our table. Addresses and interfaces go
// into named sets, not anonymous ones, because nft 1.0.6 merges adjacent or
// overlapping intervals of an anonymous set: {10.42.0.0/16, 10.43.0.0/16}
// is listed as { 10.42.0.0/15 }, which loads back as a plain match and is
// listed differently again (State would change on a restore), and
// {"a*", "b*"} is listed as a range nft cannot parse back. A named set
// keeps its elements as given; it refuses overlaps, so covered elements are
// left out here.
type nftNamedSet struct {
	name, typ string
	interval  bool
	elems     []string
}

func (s nftNamedSet) declare(w *strings.Builder) {
	if len(s.elems) == 0 {
		return // never `elements = { }`: nft refuses an empty set literal
	}
	w.WriteString("\tset " + s.name + " {\n\t\ttype " + s.typ + "\n")
	if s.interval {
		w.WriteString("\t\tflags interval\n")
	}
	w.WriteString("\t\telements = " + nftSet(s.elems) + "\n\t}\n\n")
}

// nftPrefixes splits prefixes by family into the sets <name>_v4 and
// <name>_v6, leaving out duplicates and prefixes inside another.
func nftPrefixes(name string, ps []netip.Prefix) (v4, v6 nftNamedSet, err error) {
	v4 = nftNamedSet{name: name + "_v4", typ: "ipv4_addr", interval: true}
	v6 = nftNamedSet{name: name + "_v6", typ: "ipv6_addr", interval: true}
	var all []netip.Prefix
	for _, p := range ps {
		if !p.IsValid() {
			return v4, v6, fmt.Errorf("rendering nftables rules: invalid prefix in %s: %v", name, p)
		}
		all = append(all, p.Masked())
	}
	slices.SortFunc(all, netip.Prefix.Compare)
	all = slices.Compact(all)
	for _, p := range all {
		covered := slices.ContainsFunc(all, func(q netip.Prefix) bool {
			return q != p && q.Bits() <= p.Bits() && q.Contains(p.Addr())
		})
		switch {
		case covered:
		case p.Addr().Is4():
			v4.elems = append(v4.elems, p.String())
		default:
			v6.elems = append(v6.elems, p.String())
		}
	}
	return v4, v6, nil
}

// nftIfaces quotes interface names. A trailing '+' (iptables' wildcard)
// becomes nft's '*', which needs an interval set. Quotes and backslashes
// cannot be spelled safely in an nft string, and a name that is only a
// wildcard would trust every interface, which is the firewall switched
// off: both are refused.
func nftIfaces(name string, names []string) (nftNamedSet, error) {
	s := nftNamedSet{name: name, typ: "ifname"}
	var all []string
	for _, n := range names {
		bad := strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '"' || r == '\\' })
		if n == "" || len(n) > 15 || bad {
			return s, fmt.Errorf("rendering nftables rules: trusted interface %q is not a valid interface name", n)
		}
		if base, ok := strings.CutSuffix(n, "+"); ok {
			n = base + "*"
		}
		if n == "*" {
			return s, fmt.Errorf("rendering nftables rules: trusted interface %q matches every interface", n)
		}
		all = append(all, n)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	for _, n := range all {
		covered := slices.ContainsFunc(all, func(w string) bool {
			base, wild := strings.CutSuffix(w, "*")
			return wild && w != n && strings.HasPrefix(n, base)
		})
		if !covered {
			s.elems = append(s.elems, `"`+n+`"`)
			s.interval = s.interval || strings.HasSuffix(n, "*")
		}
	}
	return s, nil
}

// nftSet is a set literal. Callers never pass an empty list: nft rejects
// `{ }`, so an empty list means the rule or set is left out.
func nftSet(items []string) string {
	return "{ " + strings.Join(items, ", ") + " }"
}

// nftAnon is a match value: one item as itself, more as an anonymous set.
// nft turns a one-element anonymous set into a plain match anyway, and
// this way the rendered rule reads as nft lists it.
func nftAnon(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return nftSet(items)
}
