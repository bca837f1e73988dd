package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// expectIPsVar is the inventory variable that gives a host's expectIPs
// (the addresses the domain must resolve to for it): a list, or a string
// of comma-separated addresses.
const expectIPsVar = "ck8s_expect_ips"

// inventoryHosts turns an inventory's hosts into playbook hosts, on top of
// the playbook's defaults block. Errors name the inventory line.
func inventoryHosts(pb *playbook.Playbook, inv *inventory.Inventory) ([]playbook.Host, error) {
	def := pb.DefaultHost()
	out := make([]playbook.Host, 0, len(inv.Hosts))
	for _, h := range inv.Hosts {
		ph := h.ToPlaybook(def)
		ips, err := expectIPs(h.Vars[expectIPsVar])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: host %s: %s: %v", inv.Path, h.Line, h.Name, expectIPsVar, err)
		}
		ph.ExpectIPs = ips
		out = append(out, ph)
	}
	return out, nil
}

func expectIPs(v any) ([]netip.Addr, error) {
	var items []string
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		items = strings.Split(t, ",")
	case []any:
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("%v is not an IP address", x)
			}
			items = append(items, s)
		}
	default:
		return nil, fmt.Errorf("must be a list of IP addresses")
	}
	var out []netip.Addr
	for _, s := range items {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", s)
		}
		out = append(out, a.Unmap())
	}
	return out, nil
}
