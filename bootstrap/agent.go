// Package bootstrap gets the agent onto a host and runs it: the agent
// binaries embedded in ck8sctl, their verified atomic upload over SFTP, and
// the guarded command that executes them with a plan on stdin.
package bootstrap

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed bin
var binFS embed.FS

// ErrNoAgent means this ck8sctl was built without the agent binaries
// (`go build` instead of `make build`). It is reported before any host is
// contacted so that no run fails half-way.
var ErrNoAgent = errors.New("this ck8sctl was built without the embedded ck8s-agent binaries; build it with `make build`")

// Arches are the architectures an agent is built for.
var Arches = []string{"amd64", "arm64"}

// Binary is one embedded agent build.
type Binary struct {
	Arch   string
	Data   []byte
	SHA256 string
}

// Agent returns the embedded agent for a GOARCH name.
func Agent(arch string) (Binary, error) {
	b, err := fs.ReadFile(binFS, "bin/ck8s-agent-linux-"+arch)
	if errors.Is(err, fs.ErrNotExist) {
		return Binary{}, fmt.Errorf("agent for linux/%s: %w", arch, ErrNoAgent)
	}
	if err != nil {
		return Binary{}, err
	}
	sum := sha256.Sum256(b)
	return Binary{Arch: arch, Data: b, SHA256: hex.EncodeToString(sum[:])}, nil
}

// Agents returns every embedded agent, or ErrNoAgent if any is missing.
func Agents() (map[string]Binary, error) {
	out := make(map[string]Binary, len(Arches))
	for _, a := range Arches {
		b, err := Agent(a)
		if err != nil {
			return nil, err
		}
		out[a] = b
	}
	return out, nil
}

// Arch maps `uname -m` output to a GOARCH name.
func Arch(uname string) (string, error) {
	switch strings.TrimSpace(uname) {
	case "x86_64", "amd64":
		return "amd64", nil
	case "aarch64", "arm64", "armv8l":
		return "arm64", nil
	}
	return "", fmt.Errorf("unsupported host architecture %q (ck8s-agent is built for x86_64 and aarch64)", strings.TrimSpace(uname))
}
