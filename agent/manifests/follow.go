package manifests

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8s/ck8sctl/internal/event"
)

var (
	gvrClusterIssuer      = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "clusterissuers"}
	gvrCertificate        = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
	gvrCertificateRequest = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificaterequests"}
	gvrOrder              = schema.GroupVersionResource{Group: "acme.cert-manager.io", Version: "v1", Resource: "orders"}
	gvrChallenge          = schema.GroupVersionResource{Group: "acme.cert-manager.io", Version: "v1", Resource: "challenges"}
)

// Condition is a status condition as cert-manager reports it.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Current is false when the condition describes an older generation
	// of the object than the one applied.
	Current bool `json:"current"`
}

// Issuance is the data of the cert.* events: where the issuance stands,
// in cert-manager's own words, down to the ACME challenges.
type Issuance struct {
	Issuer      string `json:"issuer"`
	Certificate string `json:"certificate"` // namespace/name
	// IssuerReady and CertificateReady are the Ready conditions.
	IssuerReady      *Condition `json:"issuerReady,omitempty"`
	CertificateReady *Condition `json:"certificateReady,omitempty"`
	// ACMEAccount is the registered account's URI (issuer.ready).
	ACMEAccount string `json:"acmeAccount,omitempty"`
	// The issued certificate (certificate.ready).
	SecretName  string   `json:"secretName,omitempty"`
	DNSNames    []string `json:"dnsNames,omitempty"`
	NotAfter    string   `json:"notAfter,omitempty"`
	RenewalTime string   `json:"renewalTime,omitempty"`
	// The latest attempt (failed, progress).
	Request    *Condition       `json:"request,omitempty"`
	Order      *OrderState      `json:"order,omitempty"`
	Challenges []ChallengeState `json:"challenges,omitempty"`
	Waited     string           `json:"waited,omitempty"`
}

// OrderState is an ACME order's state (pending, ready, valid, invalid,
// errored) and cert-manager's reason.
type OrderState struct {
	Name   string `json:"name"`
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ChallengeState is one ACME challenge of the order.
type ChallengeState struct {
	Name       string `json:"name"`
	DNSName    string `json:"dnsName"`
	Type       string `json:"type"`
	State      string `json:"state,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Presented  bool   `json:"presented"`
	Processing bool   `json:"processing"`
}

// follow waits for the ClusterIssuer and then the Certificate to be Ready,
// reporting each and every change of their conditions on the way. At the
// deadline it reports cert-manager's own account of what is stuck.
func (s *session) follow(ctx context.Context) error {
	mp := s.env.Plan.Manifests
	start := time.Now()
	is := Issuance{Issuer: mp.Issuer, Certificate: mp.Certificate.Namespace + "/" + mp.Certificate.Name}
	issuerReported, last := false, ""
	for {
		if err := s.observe(ctx, &is); err != nil {
			return err
		}
		if ready(is.IssuerReady) && !issuerReported {
			issuerReported = true
			s.env.Emit(event.TypeCertIssuerReady, event.StatusOK,
				fmt.Sprintf("ClusterIssuer %s is ready: its ACME account is registered", mp.Issuer), is)
		}
		if ready(is.CertificateReady) {
			is.Waited = time.Since(start).Round(time.Millisecond).String()
			s.env.Emit(event.TypeCertCertificateReady, event.StatusOK,
				fmt.Sprintf("Certificate %s is issued for %v (secret %s, valid until %s)", is.Certificate, is.DNSNames, is.SecretName, is.NotAfter), is)
			return nil
		}
		if now := progress(is); now != last {
			last = now
			s.env.Emit(event.TypeCertProgress, event.StatusInfo, now, is)
		}
		if time.Now().After(s.deadline) {
			is.Waited = time.Since(start).Round(time.Millisecond).String()
			if err := s.diagnose(ctx, &is); err != nil {
				s.env.Log.Warn("collecting cert-manager's view of the failure", "err", err)
			}
			why := reason(is)
			s.env.Emit(event.TypeCertFailed, event.StatusFailed,
				fmt.Sprintf("Certificate %s not ready after %s: %s", is.Certificate, is.Waited, why), is)
			return fmt.Errorf("certificate %s not ready within manifests.wait: %s", is.Certificate, why)
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
}

// observe reads the issuer's and the certificate's Ready conditions.
func (s *session) observe(ctx context.Context, is *Issuance) error {
	mp := s.env.Plan.Manifests
	iss, err := s.kube.get(ctx, gvrClusterIssuer, "", mp.Issuer)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading ClusterIssuer %s: %w", mp.Issuer, err)
	}
	is.IssuerReady = readyCondition(iss)
	is.ACMEAccount, _, _ = unstructured.NestedString(objOrEmpty(iss), "status", "acme", "uri")
	crt, err := s.kube.get(ctx, gvrCertificate, mp.Certificate.Namespace, mp.Certificate.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading Certificate %s: %w", is.Certificate, err)
	}
	is.CertificateReady = readyCondition(crt)
	o := objOrEmpty(crt)
	is.SecretName, _, _ = unstructured.NestedString(o, "spec", "secretName")
	is.DNSNames, _, _ = unstructured.NestedStringSlice(o, "spec", "dnsNames")
	is.NotAfter, _, _ = unstructured.NestedString(o, "status", "notAfter")
	is.RenewalTime, _, _ = unstructured.NestedString(o, "status", "renewalTime")
	return nil
}

// diagnose finds the certificate's latest CertificateRequest, its ACME
// Order and the Order's Challenges: where an issuance really fails.
func (s *session) diagnose(ctx context.Context, is *Issuance) error {
	mp := s.env.Plan.Manifests
	ns := mp.Certificate.Namespace
	reqs, err := s.kube.list(ctx, gvrCertificateRequest, ns)
	if err != nil {
		return err
	}
	var req *unstructured.Unstructured
	for i := range reqs {
		r := &reqs[i]
		if r.GetAnnotations()["cert-manager.io/certificate-name"] != mp.Certificate.Name {
			continue
		}
		if req == nil || r.GetCreationTimestamp().After(req.GetCreationTimestamp().Time) {
			req = r
		}
	}
	if req == nil {
		return nil
	}
	is.Request = readyCondition(req)
	orders, err := s.kube.list(ctx, gvrOrder, ns)
	if err != nil {
		return err
	}
	var order *unstructured.Unstructured
	for i := range orders {
		if ownedBy(&orders[i], req) {
			order = &orders[i]
		}
	}
	if order == nil {
		return nil
	}
	is.Order = &OrderState{Name: order.GetName()}
	is.Order.State, _, _ = unstructured.NestedString(order.Object, "status", "state")
	is.Order.Reason, _, _ = unstructured.NestedString(order.Object, "status", "reason")
	chs, err := s.kube.list(ctx, gvrChallenge, ns)
	if err != nil {
		return err
	}
	for i := range chs {
		c := &chs[i]
		if !ownedBy(c, order) {
			continue
		}
		cs := ChallengeState{Name: c.GetName()}
		cs.DNSName, _, _ = unstructured.NestedString(c.Object, "spec", "dnsName")
		cs.Type, _, _ = unstructured.NestedString(c.Object, "spec", "type")
		cs.State, _, _ = unstructured.NestedString(c.Object, "status", "state")
		cs.Reason, _, _ = unstructured.NestedString(c.Object, "status", "reason")
		cs.Presented, _, _ = unstructured.NestedBool(c.Object, "status", "presented")
		cs.Processing, _, _ = unstructured.NestedBool(c.Object, "status", "processing")
		is.Challenges = append(is.Challenges, cs)
	}
	slices.SortFunc(is.Challenges, func(a, b ChallengeState) int { return cmp.Compare(a.Name, b.Name) })
	return nil
}

func ownedBy(u, owner *unstructured.Unstructured) bool {
	for _, r := range u.GetOwnerReferences() {
		if r.UID == owner.GetUID() {
			return true
		}
	}
	return false
}

// reason is the most specific explanation available: a challenge's, then
// the order's, the request's, the certificate's, the issuer's.
func reason(is Issuance) string {
	for _, c := range is.Challenges {
		if c.Reason != "" {
			return fmt.Sprintf("challenge %s for %s is %s: %s", c.Type, c.DNSName, cmp.Or(c.State, "pending"), c.Reason)
		}
	}
	if o := is.Order; o != nil && o.Reason != "" {
		return fmt.Sprintf("ACME order %s is %s: %s", o.Name, cmp.Or(o.State, "pending"), o.Reason)
	}
	for _, c := range []*Condition{is.Request, is.CertificateReady, is.IssuerReady} {
		if c != nil && c.Message != "" {
			return c.Reason + ": " + c.Message
		}
	}
	if is.IssuerReady == nil {
		return "the ClusterIssuer has no Ready condition: is cert-manager running?"
	}
	return "cert-manager reported no reason: is cert-manager running?"
}

// progress is the one-line state shown while waiting.
func progress(is Issuance) string {
	issuer, cert := "no status yet", "no status yet"
	if c := is.IssuerReady; c != nil {
		issuer = c.Status + " (" + c.Reason + ")"
	}
	if c := is.CertificateReady; c != nil {
		cert = c.Status + " (" + c.Reason + ": " + c.Message + ")"
	}
	return fmt.Sprintf("waiting: ClusterIssuer %s Ready=%s; Certificate %s Ready=%s", is.Issuer, issuer, is.Certificate, cert)
}

func ready(c *Condition) bool { return c != nil && c.Status == "True" && c.Current }

// readyCondition returns u's Ready condition, nil when it has none.
func readyCondition(u *unstructured.Unstructured) *Condition {
	if u == nil {
		return nil
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Ready" {
			continue
		}
		out := &Condition{Type: "Ready", Current: true}
		out.Status, _ = m["status"].(string)
		out.Reason, _ = m["reason"].(string)
		out.Message, _ = m["message"].(string)
		if og, ok := m["observedGeneration"].(int64); ok && og < u.GetGeneration() {
			out.Current = false
		}
		return out
	}
	return nil
}

func objOrEmpty(u *unstructured.Unstructured) map[string]any {
	if u == nil {
		return map[string]any{}
	}
	return u.Object
}
