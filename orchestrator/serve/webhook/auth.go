package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Request headers of the two schemes.
const (
	HeaderGitHubSignature = "X-Hub-Signature-256"
	HeaderGitHubDelivery  = "X-GitHub-Delivery"
	HeaderGitHubEvent     = "X-GitHub-Event"
	HeaderTimestamp       = "X-Ck8s-Timestamp"
	HeaderSignature       = "X-Ck8s-Signature"
	HeaderDelivery        = "X-Ck8s-Delivery"
	HeaderEvent           = "X-Ck8s-Event"
)

// authenticate checks the signature, then the delivery ID and event, and
// returns the Delivery without its payload.
func (hk *hook) authenticate(q *request, body []byte) (Delivery, error) {
	hdr := q.r.Header
	d := Delivery{Hook: hk.Name, Received: q.received}
	var err error
	switch hk.Scheme {
	case GitHub:
		d.ID, d.Event = hdr.Get(HeaderGitHubDelivery), hdr.Get(HeaderGitHubEvent)
		q.noteDelivery(d.ID) // helps find a refused delivery in GitHub's list
		err = VerifyGitHub(hk.Secret, body, hdr.Get(HeaderGitHubSignature))
	case Generic:
		d.ID, d.Event = hdr.Get(HeaderDelivery), hdr.Get(HeaderEvent)
		q.noteDelivery(d.ID)
		sig := hdr.Get(HeaderSignature)
		err = VerifyGeneric(hk.Secret, body, hdr.Get(HeaderTimestamp), sig, q.received, hk.Window)
		if err == nil && d.ID == "" {
			// The signature covers the timestamp, so it is unique per
			// request, and identical for a replay of it.
			d.ID = "sig-" + strings.TrimPrefix(sig, sigPrefix)
			q.delivery = d.ID[:20] + "..." // enough to find it; logs never hold a signature
		}
	}
	switch {
	case errors.Is(err, ErrStale):
		return d, &reject{status: http.StatusUnauthorized, outcome: OutcomeStale, err: err}
	case err != nil:
		return d, &reject{status: http.StatusUnauthorized, outcome: OutcomeUnauthorized, err: err}
	case d.ID == "":
		return d, badRequest(fmt.Errorf("header %q: %w", HeaderGitHubDelivery, ErrNoDelivery))
	case !token(d.ID):
		return d, badRequest(fmt.Errorf("delivery ID: %w", ErrBadHeader))
	case d.Event != "" && !token(d.Event):
		return d, badRequest(fmt.Errorf("event: %w", ErrBadHeader))
	}
	return d, nil
}

// token reports whether s is 1-128 printable ASCII characters without
// spaces: fit for a database key and a log line.
func token(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
