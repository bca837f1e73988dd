package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// FuzzLoad feeds arbitrary YAML to Load next to the test fixtures: it must
// never panic, and must return a Config or errors that are all
// *playbook.Error (the CLI's exit 2).
func FuzzLoad(f *testing.F) {
	if example, err := os.ReadFile("../../../deploy/serve/serve.example.yaml"); err == nil {
		f.Add(example)
	}
	for _, s := range []string{full, hourly, hookOK, tok + "    token: x\n",
		base + "schedules: [{name: a, playbook: staging, action: sweep, cron: TZ=0}]\n",
		base + "x: &a [*a]\nschedules: *a\n", "<<: {a: 1}\n", "playbooks: {staging: {a: 1}}\n"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	fixtureDir(f, dir)
	path := filepath.Join(dir, "serve.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err == nil {
			if c == nil || len(c.Playbooks) == 0 || c.SSH.Forks < 1 {
				t.Fatalf("no error but an incomplete config: %+v", c)
			}
			return
		}
		for _, e := range unjoin(err) {
			if pe := (*playbook.Error)(nil); !errors.As(e, &pe) {
				t.Fatalf("not a *playbook.Error: %v", e)
			}
		}
	})
}
