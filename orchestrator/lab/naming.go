package lab

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
)

// Names and addresses derive from (Index, host number) alone, so Down and a
// stale-lab cleanup can find everything a lab created by its prefix. Interface
// names must fit IFNAMSIZ (15 chars): the longest, "ck8s255v200", has 11.

func nsPrefix(index int) string     { return fmt.Sprintf("ck8s%d-", index) }
func vethPrefix(index int) string   { return fmt.Sprintf("ck8s%dv", index) }
func bridgeName(index int) string   { return fmt.Sprintf("ck8s%dbr", index) }
func hostName(i int) string         { return fmt.Sprintf("lab-%d", i) }
func netnsName(index, i int) string { return nsPrefix(index) + strconv.Itoa(i) }
func vethName(index, i int) string  { return vethPrefix(index) + strconv.Itoa(i) }

// hostNumber parses the host number from a name with the given prefix
// ("ck8s3-12" → 12); ok is false for names of other labs.
func hostNumber(name, prefix string) (int, bool) {
	if len(name) <= len(prefix) || name[:len(prefix)] != prefix {
		return 0, false
	}
	n, err := strconv.Atoi(name[len(prefix):])
	return n, err == nil && n > 0 && strconv.Itoa(n) == name[len(prefix):]
}

// addr4 is 198.18.<index>.<last>.
func addr4(index, last int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(index), byte(last)})
}

// addr6 is 2001:db8:<index hex>::<last>, where last's decimal digits are read
// as hex so that host .11 is ::11 in both families (readable side by side).
func addr6(index, last int) netip.Addr {
	g, _ := strconv.ParseUint(strconv.Itoa(last), 16, 16)
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	b[4], b[5] = byte(index>>8), byte(index)
	b[14], b[15] = byte(g>>8), byte(g)
	return netip.AddrFrom16(b)
}

// mac is a fixed, locally administered MAC for the device holding
// 198.18.<index>.<last>: 02:c6:12 (for 198.18) + index + last. Fixed MACs keep
// neighbour caches right when Up recreates a veth or the bridge's ports
// change; random ones left a repaired host unreachable for up to a minute.
func mac(index, last int) string {
	return fmt.Sprintf("02:c6:12:%02x:00:%02x", index, last)
}

// gateways are the bridge's addresses: .1 and ::1 of the lab's subnets.
func gateways(index int) (netip.Addr, netip.Addr) { return addr4(index, 1), addr6(index, 1) }

// newHost derives host i (1-based) of lab index; HostKeyPub is filled later.
func newHost(index, i int) Host {
	return Host{
		Name:  hostName(i),
		NetNS: netnsName(index, i),
		Addr4: addr4(index, 10+i),
		Addr6: addr6(index, 10+i),
		Port:  22,
	}
}

// hostDir holds one host's keys, config, logs, pid files and state.
func hostDir(dir, name string) string { return filepath.Join(dir, "hosts", name) }

func (o Options) validate() error {
	switch {
	case o.Dir == "":
		return fmt.Errorf("lab dir is empty")
	case o.Hosts < 1 || o.Hosts > MaxHosts:
		return fmt.Errorf("lab hosts %d: must be 1..%d", o.Hosts, MaxHosts)
	case o.Index < 0 || o.Index > 255:
		return fmt.Errorf("lab index %d: must be 0..255", o.Index)
	}
	return nil
}

// newLab builds the Lab value for o (absolute dir) without touching anything.
func newLab(o Options) *Lab {
	l := &Lab{
		Dir:              o.Dir,
		KeyFile:          filepath.Join(o.Dir, "id_ed25519"),
		KnownHostsFile:   filepath.Join(o.Dir, "known_hosts"),
		PlaybookFile:     filepath.Join(o.Dir, "playbook.yaml"),
		SudoUser:         SudoUser,
		PasswordSudoUser: PasswordSudoUser,
		Index:            o.Index,
	}
	l.Gateway4, l.Gateway6 = gateways(o.Index)
	if len(o.DNSArgv) > 0 {
		l.Nameservers = nameservers(l)
	}
	for i := 1; i <= o.Hosts; i++ {
		l.Hosts = append(l.Hosts, newHost(o.Index, i))
	}
	return l
}

// StateDir is the directory h sees as /var/lib/ck8s, readable from the
// root namespace: tests watch the agent's state there without a login.
func (l *Lab) StateDir(h Host) string { return filepath.Join(hostDir(l.Dir, h.Name), "state") }
