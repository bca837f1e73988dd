package firewall

import "testing"

func TestDiff(t *testing.T) {
	live := "table inet ck8s {\n\tchain input {\n\t\ttcp dport 22 accept\n\t}\n}\n"
	want := "table inet ck8s {\n\tchain input {\n\t\ttcp dport { 22, 443 } accept\n\t}\n}\n"
	got := Diff(live, want, "nftables")
	exp := `--- live (nftables)
+++ expected (profile)
@@ -1,5 +1,5 @@
 table inet ck8s {
 	chain input {
-		tcp dport 22 accept
+		tcp dport { 22, 443 } accept
 	}
 }
`
	if got != exp {
		t.Errorf("Diff:\n%s\nwant\n%s", got, exp)
	}
	if got := Diff("", "a\nb", "iptables"); got != "--- live (iptables)\n+++ expected (profile)\n@@ -0,0 +1,2 @@\n+a\n+b\n" {
		t.Errorf("from nothing:\n%q", got)
	}
	if got := Diff("same\n", "same\n", "iptables"); got != "" {
		t.Errorf("no difference: %q", got)
	}
}
