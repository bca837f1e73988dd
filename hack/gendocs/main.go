// Command gendocs writes the generated parts of the docs from ck8sctl's
// command definitions: docs/cli.md whole, and every flag table marked
// <!-- flags: COMMAND --> ... <!-- end flags --> in docs/*.md. Run it from
// the repository root after changing a flag: go run ./hack/gendocs
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ck8s/ck8sctl/orchestrator/cli"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run() error {
	var ref bytes.Buffer
	if err := cli.FlagReference(&ref); err != nil {
		return err
	}
	if err := os.WriteFile("docs/cli.md", ref.Bytes(), 0o644); err != nil {
		return err
	}
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		return err
	}
	for _, p := range pages {
		doc, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out, err := cli.RefreshFlagTables(string(doc))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if out != string(doc) {
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				return err
			}
			fmt.Println("updated", p)
		}
	}
	return nil
}
