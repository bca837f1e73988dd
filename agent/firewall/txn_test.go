package firewall

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIDs(t *testing.T) {
	a, b := newID(), newID()
	if a == b || !ValidID(a) || len(a) != 32 {
		t.Errorf("newID: %q, %q", a, b)
	}
	for _, bad := range []string{"", "../x", a[:30], a + "00", "g" + a[1:]} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}

func TestPruneKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i := range 25 {
		for _, name := range []string{fmt.Sprintf("result-%02d.json", i), fmt.Sprintf("watchdog-%02d.log", i)} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, base.Add(time.Duration(i)*time.Second), base.Add(time.Duration(i)*time.Second))
		}
	}
	os.WriteFile(filepath.Join(dir, pendingFile), nil, 0o600)
	prune(dir, keepResults)
	for i := range 25 {
		_, err := os.Stat(filepath.Join(dir, fmt.Sprintf("result-%02d.json", i)))
		if kept := err == nil; kept != (i >= 5) {
			t.Errorf("result %d kept: %v", i, kept)
		}
	}
	if logs, _ := filepath.Glob(filepath.Join(dir, "watchdog-*.log")); len(logs) != keepResults {
		t.Errorf("%d watchdog logs kept", len(logs))
	}
	if _, err := os.Stat(filepath.Join(dir, pendingFile)); err != nil {
		t.Error("pruning removed pending.json")
	}
}

func TestWriteJSONReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.json")
	for _, v := range []int{1, 2} {
		if err := writeJSON(p, v); err != nil {
			t.Fatal(err)
		}
	}
	var got int
	if err := readJSON(p, &got); err != nil || got != 2 {
		t.Errorf("read %d, %v", got, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
