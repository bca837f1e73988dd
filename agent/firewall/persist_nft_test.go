package firewall

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

const nftTestConf = "/etc/nftables.conf" // the overlay's, in the isolated run

// TestNFTPersist persists our table, then loads nftables.conf as boot does
// (after a flush: nothing loaded yet) and again while everything is loaded,
// with the distro's nftables.conf, with a user's, and with none.
func TestNFTPersist(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	b := nftTestBackend(t)
	mustApply(t, b, mustRender(t, b, defaultProfile()))
	want := mustState(t, b)

	t.Run("distro conf", func(t *testing.T) {
		nftPersist(t, b)
		nftCheckBoot(t, b, want)
		if files := nftPersist(t, b); !slices.Equal(files, []string{"/etc/nftables.d/ck8s.nft"}) {
			t.Errorf("second Persist wrote %v, want only our file", files)
		}
		if fi, err := os.Stat("/etc/nftables.d/ck8s.nft"); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("ck8s.nft: %v, %v; want mode 0640", fi, err)
		}
	})
	t.Run("user conf", func(t *testing.T) {
		user := "#!/usr/sbin/nft -f\n# the user's own\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}"
		nftWrite(t, nftTestConf, user)
		nftPersist(t, b)
		nftPersist(t, b)
		got := nftRead(t, nftTestConf)
		if want := user + "\n" + `include "/etc/nftables.d/ck8s.nft"` + "\n"; got != want {
			t.Errorf("nftables.conf after Persist:\n%s\nwant:\n%s", got, want)
		}
		nftCheckBoot(t, b, want)
		if !strings.Contains(nftCmd(t, "", "list", "tables"), "table inet filter") {
			t.Error("the user's table did not load")
		}
	})
	t.Run("glob include", func(t *testing.T) {
		conf := "flush ruleset\ninclude \"/etc/nftables.d/*.nft\"\n"
		nftWrite(t, nftTestConf, conf)
		nftPersist(t, b)
		if got := nftRead(t, nftTestConf); got != conf {
			t.Errorf("nftables.conf with a glob include changed:\n%s", got)
		}
		nftCheckBoot(t, b, want)
	})
	t.Run("no conf", func(t *testing.T) {
		if err := os.Remove(nftTestConf); err != nil {
			t.Fatal(err)
		}
		nftPersist(t, b)
		if got := nftRead(t, nftTestConf); got != "#!/usr/sbin/nft -f\ninclude \"/etc/nftables.d/ck8s.nft\"\n" {
			t.Errorf("created nftables.conf:\n%s", got)
		}
		nftCheckBoot(t, b, want)
	})
	t.Run("no table", func(t *testing.T) {
		mustApply(t, b, b.batch(nftRestore("")))
		nftPersist(t, b)
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		nftCmd(t, "", "-f", "/etc/nftables.d/ck8s.nft")
		if got := mustState(t, b); got != "" {
			t.Errorf("loading the file persisted without a table left:\n%s", got)
		}
		nftCheckBoot(t, b, "")
	})
	t.Run("other etc", func(t *testing.T) {
		etc := t.TempDir()
		other := &nftBackend{o: Options{Path: b.o.Path, Etc: etc}}
		files, err := other.Persist(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantFiles := []string{filepath.Join(etc, "nftables.d/ck8s.nft"), filepath.Join(etc, "nftables.conf")}
		if !slices.Equal(files, wantFiles) {
			t.Errorf("Persist wrote %v, want %v", files, wantFiles)
		}
		if got := nftRead(t, wantFiles[1]); !strings.Contains(got, `include "/etc/nftables.d/ck8s.nft"`) {
			t.Errorf("the include must name the host path:\n%s", got)
		}
	})
}

func nftPersist(t *testing.T, b *nftBackend) []string {
	t.Helper()
	files, err := b.Persist(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(nftRead(t, nftTestConf), "include \"/etc/nftables.d/ck8s.nft\""); n > 1 {
		t.Errorf("nftables.conf includes our file %d times", n)
	}
	return files
}

// nftCheckBoot loads nftables.conf on an empty ruleset, as boot does, and
// again with everything loaded, as `systemctl reload nftables` does.
func nftCheckBoot(t *testing.T, b *nftBackend, want string) {
	t.Helper()
	nftCmd(t, "", "flush", "ruleset")
	for _, when := range []string{"at boot", "when run again"} {
		nftCmd(t, "", "-f", nftTestConf)
		if got := mustState(t, b); got != want {
			t.Errorf("State after loading nftables.conf %s:\n%s\nwant:\n%s", when, got, want)
		}
	}
}

func nftWrite(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}

func nftRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNFTIncludes(t *testing.T) {
	for conf, want := range map[string]bool{
		"":                                   false,
		"flush ruleset\n":                    false,
		`include "/etc/nftables.d/ck8s.nft"`: true,
		"  include \"/etc/nftables.d/ck8s.nft\" # ours\n": true,
		`# include "/etc/nftables.d/ck8s.nft"`:            false,
		`include "/etc/nftables.d/*.nft"`:                 true,
		`include "/etc/nftables.d/*.conf"`:                false,
		`include "/etc/nftables.d/ck8s.nft.bak"`:          false,
	} {
		if got := nftIncludes([]byte(conf)); got != want {
			t.Errorf("nftIncludes(%q) = %v, want %v", conf, got, want)
		}
	}
}
