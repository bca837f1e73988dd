package dnsquery

import (
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// Kind classifies a failed question. Each has its own message because each
// has its own fix.
type Kind string

// Kinds of failure.
const (
	KindTimeout  Kind = "timeout"  // no reply in time: server down, filtered, or wrong address
	KindNetwork  Kind = "network"  // refused connection, unreachable, garbled reply
	KindServfail Kind = "servfail" // the server failed (broken zone, DNSSEC, upstream)
	KindRefused  Kind = "refused"  // the server will not answer for this name
	KindNXDomain Kind = "nxdomain" // the name does not exist
	KindNoData   Kind = "nodata"   // the name exists but has no record of the type
	KindNotAuth  Kind = "not-authoritative"
	KindLoop     Kind = "cname-loop"
	KindOther    Kind = "rcode"
)

// QueryError is one failed question to one server.
type QueryError struct {
	Server string
	Name   string
	Type   uint16
	Kind   Kind
	Err    error // the cause, or nil
}

func (e *QueryError) Error() string {
	what := fmt.Sprintf("%s %s %s", e.Server, e.Name, dns.TypeToString[e.Type])
	msg := map[Kind]string{
		KindTimeout:  "timeout: no reply",
		KindNetwork:  "network error",
		KindServfail: "SERVFAIL: the server failed to answer (broken zone, DNSSEC failure or unreachable upstream)",
		KindRefused:  "REFUSED: the server does not serve this name or refuses to answer us",
		KindNXDomain: "NXDOMAIN: the name does not exist",
		KindNoData:   "NODATA: the name exists but has no such record",
		KindNotAuth:  "not authoritative: the server answered without the AA flag (a cache or a lame delegation)",
		KindLoop:     "CNAME chain too long or looping",
	}[e.Kind]
	if msg == "" {
		msg = "unexpected reply"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return what + ": " + msg
}

// Unwrap returns the cause.
func (e *QueryError) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or "" if it is not a *QueryError.
func KindOf(err error) Kind {
	var qe *QueryError
	if errors.As(err, &qe) {
		return qe.Kind
	}
	return ""
}

func transportError(server, name string, qtype uint16, timeout time.Duration, err error) error {
	if isTimeout(err) {
		return &QueryError{Server: server, Name: name, Type: qtype, Kind: KindTimeout, Err: fmt.Errorf("nothing within %s", timeout)}
	}
	return &QueryError{Server: server, Name: name, Type: qtype, Kind: KindNetwork, Err: err}
}

// Check turns a reply's rcode into an error: nil for NOERROR, a *QueryError
// otherwise (NXDOMAIN included; callers that treat it as an answer test
// KindOf).
func Check(server string, q, r *dns.Msg) error {
	qq := q.Question[0]
	kind := KindOther
	switch r.Rcode {
	case dns.RcodeSuccess:
		return nil
	case dns.RcodeServerFailure:
		kind = KindServfail
	case dns.RcodeRefused:
		kind = KindRefused
	case dns.RcodeNameError:
		kind = KindNXDomain
	}
	var cause error
	if kind == KindOther {
		cause = fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])
	}
	return &QueryError{Server: server, Name: qq.Name, Type: qq.Qtype, Kind: kind, Err: cause}
}
