// Package labdns is a small authoritative DNS server on miekg/dns for the
// lab, tests and benchmarks: it serves one zone from memory, answers the way
// an authoritative server does (AA, CNAME chains inside the zone, NODATA and
// NXDOMAIN with the SOA, REFUSED outside the zone), and can be changed while
// it runs (records, or a failure mode) to play a stale, broken or silent
// nameserver. It listens only on the addresses it is given.
package labdns

import (
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Zone is the records of one zone, safe to change while served.
type Zone struct {
	Origin string // fully qualified, lower case

	mu  sync.RWMutex
	rrs []dns.RR
}

// NewZone returns the zone origin with records in zone-file syntax; names
// may be relative to origin ("www 60 IN A 198.18.0.10", "@ IN CAA 0 issue
// \"letsencrypt.org\""). A SOA and an NS are added when records lack them.
func NewZone(origin string, records ...string) (*Zone, error) {
	z := &Zone{Origin: dns.Fqdn(strings.ToLower(origin))}
	if err := z.Add(records...); err != nil {
		return nil, err
	}
	if len(z.get(z.Origin, dns.TypeSOA)) == 0 {
		_ = z.Add("@ 60 IN SOA ns1 hostmaster 1 3600 600 86400 60")
	}
	if len(z.get(z.Origin, dns.TypeNS)) == 0 {
		_ = z.Add("@ 60 IN NS ns1")
	}
	return z, nil
}

// Add adds records (zone-file syntax, relative to the origin).
func (z *Zone) Add(records ...string) error {
	var parsed []dns.RR
	for _, rec := range records {
		zp := dns.NewZoneParser(strings.NewReader(rec+"\n"), z.Origin, "")
		zp.SetDefaultTTL(60)
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			rr.Header().Name = strings.ToLower(rr.Header().Name)
			parsed = append(parsed, rr)
		}
		if err := zp.Err(); err != nil {
			return fmt.Errorf("zone %s: record %q: %w", z.Origin, rec, err)
		}
	}
	z.mu.Lock()
	z.rrs = append(z.rrs, parsed...)
	z.mu.Unlock()
	return nil
}

// Replace removes every record of name (relative or absolute) and type,
// then adds records: how a test makes a server stale or fixes it.
func (z *Zone) Replace(name string, qtype uint16, records ...string) error {
	z.Remove(name, qtype)
	return z.Add(records...)
}

// Remove drops the records of name and type; dns.TypeANY drops all of name.
func (z *Zone) Remove(name string, qtype uint16) {
	fq := z.abs(name)
	z.mu.Lock()
	defer z.mu.Unlock()
	kept := z.rrs[:0:0]
	for _, rr := range z.rrs {
		if rr.Header().Name == fq && (qtype == dns.TypeANY || rr.Header().Rrtype == qtype) {
			continue
		}
		kept = append(kept, rr)
	}
	z.rrs = kept
}

func (z *Zone) abs(name string) string {
	name = strings.ToLower(name)
	switch {
	case name == "@" || name == "":
		return z.Origin
	case dns.IsFqdn(name):
		return name
	}
	return name + "." + z.Origin
}

// get returns copies of name's records of qtype.
func (z *Zone) get(name string, qtype uint16) []dns.RR {
	z.mu.RLock()
	defer z.mu.RUnlock()
	var out []dns.RR
	for _, rr := range z.rrs {
		if rr.Header().Name == name && rr.Header().Rrtype == qtype {
			out = append(out, dns.Copy(rr))
		}
	}
	return out
}

// exists reports whether name owns records or is an empty non-terminal.
func (z *Zone) exists(name string) bool {
	z.mu.RLock()
	defer z.mu.RUnlock()
	for _, rr := range z.rrs {
		if dns.IsSubDomain(name, rr.Header().Name) {
			return true
		}
	}
	return false
}
