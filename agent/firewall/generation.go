package firewall

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// rulesetStamp identifies the nf_tables ruleset of this network namespace
// at one moment: the boot, the namespace (its cookie, which a boot never
// reuses) and the ruleset's generation, which the kernel increments on
// every change committed in the namespace, by anyone (NFT_MSG_GETGEN).
// Two equal stamps mean nothing was committed in between, so the owned
// rules list the same. It is "" where there is no such stamp:
// iptables-legacy, whose tables have no generation, and kernels without
// netns cookies (before 5.14).
func rulesetStamp(b Backend) string {
	if ib, ok := b.(*iptBackend); ok && ib.variant != iptVariantNFT {
		return ""
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, gen, err := nftGeneration()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %d %d", strings.TrimSpace(string(boot)), ns, gen)
}

// nftGeneration asks the kernel for this network namespace's nf_tables
// generation, and returns it with the namespace's cookie.
func nftGeneration() (cookie uint64, gen uint32, err error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, nil)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cookie, serr = unix.GetsockoptUint64(int(fd), unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	}); err != nil {
		return 0, 0, err
	}
	if serr != nil {
		return 0, 0, fmt.Errorf("network namespace cookie: %w", serr)
	}
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETGEN), Flags: netlink.Request},
		// struct nfgenmsg: family, version, resource id (big endian)
		Data: []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0},
	})
	if err != nil {
		return 0, 0, fmt.Errorf("nf_tables generation: %w", err)
	}
	for _, m := range msgs {
		if len(m.Data) < 4 {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[4:])
		if err != nil {
			return 0, 0, err
		}
		ad.ByteOrder = binary.BigEndian
		for ad.Next() {
			if ad.Type() == unix.NFTA_GEN_ID {
				return cookie, ad.Uint32(), ad.Err()
			}
		}
	}
	return 0, 0, fmt.Errorf("nf_tables generation: no NFTA_GEN_ID in the answer")
}
