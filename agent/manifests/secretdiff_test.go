package manifests

import (
	"strings"
	"testing"
)

func TestDiffMasksSecretValuesKeepingKeys(t *testing.T) {
	live := obj(t, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    "+lastApplied+": '{\"data\":{\"password\":\"b2xkLXNlY3JldC12YWx1ZQ==\"}}'\n"+
		"data:\n  password: b2xkLXNlY3JldC12YWx1ZQ==\n  user: YWRtaW4tdXNlcg==\n  gone: Z29uZS12YWx1ZQ==\n")
	want := obj(t, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: bmV3LXNlY3JldC12YWx1ZQ==\n  user: YWRtaW4tdXNlcg==\n  added: YWRkZWQtdmFsdWU=\n")
	d := diff("Secret db", live, want)
	for _, s := range []string{"b2xkLXNlY3JldC12YWx1ZQ", "bmV3LXNlY3JldC12YWx1ZQ", "YWRtaW4tdXNlcg", "Z29uZS12YWx1ZQ", "YWRkZWQtdmFsdWU"} {
		if strings.Contains(d, s) {
			t.Errorf("diff leaks %s:\n%s", s, d)
		}
	}
	for _, s := range []string{"-  password: '*** (before)'", "+  password: '*** (after)'", "   user: '***'", "-  gone: '***'", "+  added: '***'"} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	if d := diff("Secret db", live, live); d != "" {
		t.Errorf("an unchanged Secret shows a diff:\n%s", d)
	}
}

func TestDiffOfOtherKindsKeepsValues(t *testing.T) {
	live := obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v1}\n")
	want := obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v2}\n")
	if d := diff("ConfigMap a", live, want); !strings.Contains(d, "+  k: v2") {
		t.Errorf("a ConfigMap's values must show:\n%s", d)
	}
}
