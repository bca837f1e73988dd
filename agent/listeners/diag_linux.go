package listeners

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// The sock_diag ABI (linux/inet_diag.h, linux/sock_diag.h); x/sys/unix
// has the constants but not these structures.
const (
	diagSockIDLen = 48 // struct inet_diag_sockid
	diagReqLen    = 8 + diagSockIDLen
	diagMsgLen    = 4 + diagSockIDLen + 20 // struct inet_diag_msg
	tcpListen     = 10                     // TCP_LISTEN
)

// diagListeners lists the LISTEN sockets of one family ("tcp" or "tcp6")
// of this network namespace through NETLINK_SOCK_DIAG, as ss -lt does.
// It returns what readTable reads from /proc/net/tcp{,6}, for much less:
// /proc/net/tcp walks the whole established hash too (262,144 buckets
// here, about 2.5 ms a table even when nearly empty), while a dump asking
// for LISTEN only reads the listening hash.
func diagListeners(proto string) ([]socket, error) {
	family := uint8(unix.AF_INET)
	if proto == "tcp6" {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	req := make([]byte, unix.SizeofNlMsghdr+diagReqLen)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], unix.SOCK_DIAG_BY_FAMILY)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], 1) // sequence
	r := req[unix.SizeofNlMsghdr:]
	r[0], r[1] = family, unix.IPPROTO_TCP
	binary.NativeEndian.PutUint32(r[4:], 1<<tcpListen)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, os.NewSyscallError("sendto", err)
	}
	var out []socket
	buf := make([]byte, 64<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, os.NewSyscallError("recvfrom", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if e := int32(binary.NativeEndian.Uint32(m.Data)); e != 0 {
						return nil, fmt.Errorf("sock_diag: %w", unix.Errno(-e))
					}
				}
				return nil, fmt.Errorf("sock_diag: error message")
			}
			s, ok := diagSocket(m.Data, proto)
			if !ok {
				return nil, fmt.Errorf("sock_diag: short or foreign message (%d bytes)", len(m.Data))
			}
			out = append(out, s)
		}
	}
}

// diagSocket decodes one struct inet_diag_msg. Port and address are in
// network byte order.
func diagSocket(d []byte, proto string) (socket, bool) {
	if len(d) < diagMsgLen || d[1] != tcpListen {
		return socket{}, false
	}
	id := d[4 : 4+diagSockIDLen]
	port := binary.BigEndian.Uint16(id[0:])
	var addr netip.Addr
	switch d[0] {
	case unix.AF_INET:
		addr = netip.AddrFrom4([4]byte(id[4:8]))
	case unix.AF_INET6:
		addr = netip.AddrFrom16([16]byte(id[4:20]))
	default:
		return socket{}, false
	}
	inode := binary.NativeEndian.Uint32(d[4+diagSockIDLen+16:])
	return socket{l: facts.Listener{Proto: proto, Addr: addr, Port: port}, inode: uint64(inode)}, true
}
