package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/debug"
	"slices"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/bootstrap"
)

// Commit and BuildDate are set by the Makefile through -ldflags, like
// Version; a plain `go build` falls back on the VCS stamp Go records.
var (
	Commit    = ""
	BuildDate = ""
)

// buildInfo is what `ck8sctl version` prints; its JSON is for scripts
// that check a fleet's tool against a release's SHA256SUMS.
type buildInfo struct {
	Version     string      `json:"version"`
	Commit      string      `json:"commit"`
	Date        string      `json:"date"`
	Go          string      `json:"go"`
	Platform    string      `json:"platform"`
	Agents      []agentInfo `json:"agents"`
	AgentsError string      `json:"agentsError,omitempty"`
}

// agentInfo is one embedded agent: the hash the guarded launch checks on
// every host.
type agentInfo struct {
	Platform string `json:"platform"`
	SHA256   string `json:"sha256"`
	// LightSHA256 is the light build's (bootstrap.Binary.Light), the one
	// runs whose plan has no manifests step upload; empty when not
	// embedded.
	LightSHA256 string `json:"lightSha256,omitempty"`
}

func versionCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "version",
		Usage: "print the version, commit, build date, Go version and the embedded agents' SHA-256",
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "text or json"},
		},
		Action: func(c *ucli.Context) error {
			switch o := c.String("output"); o {
			case "json":
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				return enc.Encode(currentBuild())
			case "text":
				return writeBuild(c.App.Writer, currentBuild())
			default:
				return badInputf("flag --output: %q is not text or json", o)
			}
		},
	}
}

func currentBuild() buildInfo {
	b := buildInfo{Version: Version, Commit: Commit, Date: BuildDate, Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Agents: []agentInfo{}}
	info, _ := debug.ReadBuildInfo()
	b.Commit, b.Date = vcsFallback(info, b.Commit, b.Date)
	agents, err := bootstrap.Agents()
	if err != nil {
		b.AgentsError = err.Error()
	}
	for _, arch := range slices.Sorted(maps.Keys(agents)) {
		a := agents[arch]
		info := agentInfo{Platform: "linux/" + arch, SHA256: a.SHA256}
		if a.Light != nil {
			info.LightSHA256 = a.Light.SHA256
		}
		b.Agents = append(b.Agents, info)
	}
	return b
}

// vcsFallback fills an unset commit or date from Go's VCS stamp (info may
// be nil).
func vcsFallback(info *debug.BuildInfo, commit, date string) (string, string) {
	var settings []debug.BuildSetting
	if info != nil {
		settings = info.Settings
	}
	for _, s := range settings {
		switch {
		case s.Key == "vcs.revision" && commit == "":
			commit = s.Value
		case s.Key == "vcs.time" && date == "":
			date = s.Value
		}
	}
	return orUnknown(commit), orUnknown(date)
}

func writeBuild(w io.Writer, b buildInfo) error {
	fmt.Fprintf(w, "ck8sctl %s\n  commit:  %s\n  built:   %s\n  go:      %s %s\n", b.Version, b.Commit, b.Date, b.Go, b.Platform)
	for _, a := range b.Agents {
		fmt.Fprintf(w, "  agent:   %s sha256:%s\n", a.Platform, a.SHA256)
		if a.LightSHA256 != "" {
			fmt.Fprintf(w, "  agent:   %s sha256:%s (light: no manifests step)\n", a.Platform, a.LightSHA256)
		}
	}
	if b.AgentsError != "" {
		fmt.Fprintf(w, "  agent:   none embedded (%s)\n", b.AgentsError)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
