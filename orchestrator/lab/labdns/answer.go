package labdns

import (
	"strings"

	"github.com/miekg/dns"
)

// answer fills m the way an authoritative server answers q.
func (z *Zone) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	if !dns.IsSubDomain(z.Origin, name) {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	seen := map[string]bool{}
	for !seen[name] {
		seen[name] = true
		if rrs := z.get(name, q.Qtype); len(rrs) > 0 {
			m.Answer = append(m.Answer, rrs...)
			return
		}
		cname := z.get(name, dns.TypeCNAME)
		if len(cname) == 0 || q.Qtype == dns.TypeCNAME {
			break
		}
		m.Answer = append(m.Answer, cname[0])
		name = strings.ToLower(cname[0].(*dns.CNAME).Target)
		if !dns.IsSubDomain(z.Origin, name) {
			return // out of zone: the client asks elsewhere
		}
	}
	if !z.exists(name) {
		m.Rcode = dns.RcodeNameError
	}
	m.Ns = append(m.Ns, z.get(z.Origin, dns.TypeSOA)...)
}
