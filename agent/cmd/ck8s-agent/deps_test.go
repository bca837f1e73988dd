package main

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the orchestrator's heavy dependencies; none may reach the
// agent, which is uploaded to every host on every run.
var forbidden = []string{
	"golang.org/x/crypto/ssh",
	"github.com/pkg/sftp",
	"github.com/urfave/cli",
	"modernc.org/sqlite",
	"github.com/pressly/goose",
}

func TestAgentStaysLean(t *testing.T) {
	for _, tags := range []string{"", buildTags()} {
		out, err := exec.Command("go", "list", "-tags", tags, "-deps", ".").CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if dep == f || strings.HasPrefix(dep, f+"/") {
					t.Errorf("the agent imports %s (tags %q)", dep, tags)
				}
			}
		}
	}
}
