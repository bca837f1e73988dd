package scan_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{in: "22", want: "22"},
		{in: "443,22,80,22", want: "22,80,443"},
		{in: "1-1024,8080", want: "1-1024,8080"},
		{in: " 8000 - 8002 ,9000", want: "8000-8002,9000"},
		{in: "1-65535", want: "1-65535"},
		{in: "10-20,15,1-12,30-31,19-25", want: "1-25,30-31"},
		{in: "5,5-5,4-6", want: "4-6"},
		{in: "", err: "empty"},
		{in: "0", err: `"0" is not a port number`},
		{in: "65536", err: `"65536" is not a port number`},
		{in: "80-22", err: "range end 22 is below its start 80"},
		{in: "http", err: `"http" is not a port number`},
		{in: "22,", err: `item ""`},
		{in: "1-2-3", err: `"2-3" is not a port number`},
	} {
		got, err := scan.ParsePorts(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePorts(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || scan.FormatPorts(got) != tc.want {
			t.Errorf("ParsePorts(%q) = %s, %v; want %s", tc.in, scan.FormatPorts(got), err, tc.want)
		}
	}
}

// TestParsePortsItemError: the item at fault is named, typed for a caller
// that points at where it was written (the playbook).
func TestParsePortsItemError(t *testing.T) {
	_, err := scan.ParsePorts("22, 80-22 ,443")
	var ie *scan.ItemError
	if !errors.As(err, &ie) || ie.Item != "80-22" || err.Error() != `port list item "80-22": range end 22 is below its start 80` {
		t.Fatalf("err %v (%#v)", err, ie)
	}
}

// TestParsePortsOverlapIsCheap: overlapping ranges are merged before they
// are expanded; expanding each would take minutes here.
func TestParsePortsOverlapIsCheap(t *testing.T) {
	start := time.Now()
	got, err := scan.ParsePorts(strings.Repeat("1-65535,", 100_000) + "22")
	if err != nil || len(got) != 65535 || got[0] != 1 || got[65534] != 65535 {
		t.Fatalf("%d ports, %v", len(got), err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}

func TestJudge(t *testing.T) {
	v := scan.Judge([]uint16{22, 80, 5432}, []uint16{22, 80, 443})
	if v.Compliant() || scan.FormatPorts(v.Unexpected) != "5432" || scan.FormatPorts(v.Missing) != "443" {
		t.Fatalf("Judge = %+v", v)
	}
	if v := scan.Judge([]uint16{22, 80, 443}, []uint16{22, 80, 443}); !v.Compliant() {
		t.Fatalf("exact match judged non-compliant: %+v", v)
	}
}
