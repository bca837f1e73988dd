package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

func renderCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "render",
		Usage: "print the Kubernetes objects the playbook's manifests section applies, in apply order",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "playbook", Aliases: []string{"p"}, Usage: "playbook `FILE`", Required: true},
		},
		Action: runRender,
	}
}

func runRender(c *ucli.Context) error {
	pb, err := playbook.Load(c.String("playbook"))
	if err != nil {
		return badInput(err)
	}
	v, err := action.ManifestValues(pb)
	if err != nil {
		return badInput(err)
	}
	// The templates are tested; what fails here is the bundle file.
	docs, err := manifest.Render(v)
	if err != nil {
		return badInputf("rendering the manifests of %s: %w", pb.Path, err)
	}
	return manifest.Print(c.App.Writer, docs)
}
