package facts

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// interfaces lists the host's interfaces and addresses. It asks the kernel
// (netlink), not a file, so it is the one fact a root prefix cannot fake.
func interfaces() ([]facts.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing interfaces: %w", err)
	}
	out := make([]facts.Interface, 0, len(ifs))
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			return out, fmt.Errorf("addresses of %s: %w", ifc.Name, err)
		}
		out = append(out, toInterface(ifc, addrs))
	}
	return out, nil
}

func toInterface(ifc net.Interface, addrs []net.Addr) facts.Interface {
	fi := facts.Interface{
		Name:     ifc.Name,
		MAC:      ifc.HardwareAddr.String(),
		Up:       ifc.Flags&net.FlagUp != 0,
		Loopback: ifc.Flags&net.FlagLoopback != 0,
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ones, bits := ipn.Mask.Size()
		if ip.Is4In6() && bits == 128 {
			ones -= 96
		}
		p := netip.PrefixFrom(ip.Unmap(), ones)
		if p.Addr().Is4() {
			fi.IPv4 = append(fi.IPv4, p)
		} else {
			fi.IPv6 = append(fi.IPv6, p)
		}
	}
	return fi
}
