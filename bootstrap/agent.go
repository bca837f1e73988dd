// Package bootstrap gets the agent onto a host and runs it: the agent
// binaries embedded in ck8sctl, their verified atomic upload over SFTP, and
// the guarded command that executes them with a plan on stdin.
package bootstrap

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// The Makefile writes each agent here gzip-compressed, with its sha256:
// compressed, an upload moves less than half the bytes, which is what a
// first run on many hosts waits for.
//
//go:embed bin
var binFS embed.FS

// ErrNoAgent means this ck8sctl was built without the agent binaries
// (`go build` instead of `make build`). It is reported before any host is
// contacted so that no run fails half-way.
var ErrNoAgent = errors.New("this ck8sctl was built without the embedded ck8s-agent binaries; build it with `make build`")

// Arches are the architectures an agent is built for.
var Arches = []string{"amd64", "arm64"}

// Binary is one embedded agent build. Its compressed forms are read from
// ck8sctl's embedded files only when an upload needs them (Gz, Zst): most
// runs upload nothing, and reading every form of both arches up front
// copied about 28 MB in every run ck8sctl or serve started (40 % of
// ck8sctl's CPU in a one-host re-run).
type Binary struct {
	Arch   string
	SHA256 string // of the uncompressed agent
	// Size is the uncompressed agent's in bytes; 0 when unknown. The
	// launch guard hashes no file of another size: after an upgrade the
	// host's agent is an older build, and hashing it cost the host up to
	// a quarter of a second (openssl, then sha256sum to be sure) only to
	// learn what its size already said.
	Size int64
	// Light is this agent built without the manifests step (the
	// nomanifests tag: no client-go), nil where ck8sctl was built without
	// it. A third smaller, and 2-3 ms cheaper to start in each of a
	// harden's agent processes. Commands run either build on a host;
	// an upload installs the light one where the host has zstd (its only
	// embedded form). Runs whose plan has the manifests step strip it
	// (Full), so a host with the light agent gets the full one first.
	Light *Binary
	// name is the embedded files' base name; without it (in tests) gz and
	// zst are the forms.
	name    string
	gz, zst []byte
}

// Agent returns the embedded agent for a GOARCH name.
func Agent(arch string) (Binary, error) {
	name := "bin/ck8s-agent-linux-" + arch
	_, err := fs.Stat(binFS, name+".gz")
	if errors.Is(err, fs.ErrNotExist) {
		return Binary{}, fmt.Errorf("agent for linux/%s: %w", arch, ErrNoAgent)
	}
	if err != nil {
		return Binary{}, err
	}
	sum, err := fs.ReadFile(binFS, name+".sha256")
	if err != nil {
		return Binary{}, fmt.Errorf("agent for linux/%s: no checksum: %w", arch, ErrNoAgent)
	}
	b := Binary{Arch: arch, SHA256: strings.TrimSpace(string(sum)), Size: embeddedSize(name), name: name}
	light := "bin/ck8s-agent-light-linux-" + arch
	if sum, err := fs.ReadFile(binFS, light+".sha256"); err == nil {
		b.Light = &Binary{Arch: arch, SHA256: strings.TrimSpace(string(sum)), Size: embeddedSize(light), name: light}
	}
	return b, nil
}

// embeddedSize is the size the build wrote next to the agent name, 0
// when it wrote none (an older tree's bootstrap/bin).
func embeddedSize(name string) int64 {
	b, err := fs.ReadFile(binFS, name+".size")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// Full returns agents without their light builds: what a run whose plan
// has the manifests step accepts and uploads.
func Full(agents map[string]Binary) map[string]Binary {
	out := make(map[string]Binary, len(agents))
	for arch, b := range agents {
		b.Light = nil
		out[arch] = b
	}
	return out
}

// builds returns the builds of b a command accepts on a host: the light
// one first, where there is one.
func (b Binary) builds() []Binary {
	if b.Light == nil {
		return []Binary{b}
	}
	return []Binary{*b.Light, b}
}

// Gz returns the agent gzip-compressed.
func (b Binary) Gz() ([]byte, error) { return b.readForm(".gz") }

// Zst returns the agent zstd-compressed, for hosts with zstd, which
// decompress it in well under half of gzip's CPU (the 19 MB are
// decompressed on every first run of every host). It is embedded (7 MB
// more per arch in ck8sctl): made at run time, it cost ck8sctl about a
// second per process on the lab's VM, which a one-host bootstrap would
// wait for. Nil in a build without it: gzip serves every host.
func (b Binary) Zst() []byte {
	zst, _ := b.readForm(".zst") // optional
	return zst
}

// readForm reads one form of b whole (nil when b has none).
func (b Binary) readForm(ext string) ([]byte, error) {
	f, err := b.openForm(ext)
	if err != nil || f == nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// openForm returns one compressed form of b (".gz" or ".zst") for an
// upload to read as it copies: nil, and no error, when b has no such
// form. An upload reads the embedded bytes in place, 32 KiB at a time;
// reading the whole form first (fs.ReadFile copies it) held 5 MB per
// host in flight, most of serve's memory during a sweep that uploaded
// the agent to 50 hosts at once. Its Size tells pkg/sftp's
// File.ReadFrom to write concurrently.
func (b Binary) openForm(ext string) (*io.SectionReader, error) {
	if b.name == "" { // in tests
		data := b.gz
		if ext == ".zst" {
			data = b.zst
		}
		if data == nil {
			return nil, nil
		}
		return inMemory(data), nil
	}
	f, err := binFS.Open(b.name + ext)
	if errors.Is(err, fs.ErrNotExist) && ext == ".zst" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("embedded linux/%s agent: %w", b.Arch, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("embedded linux/%s agent: %w", b.Arch, err)
	}
	ra, ok := f.(io.ReaderAt) // embed's files are; their Close does nothing
	if !ok {
		return nil, fmt.Errorf("embedded linux/%s agent: %s cannot be read in place", b.Arch, fi.Name())
	}
	return io.NewSectionReader(ra, 0, fi.Size()), nil
}

// inMemory is data as openForm returns a form.
func inMemory(data []byte) *io.SectionReader {
	return io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data)))
}

// Raw returns the uncompressed agent, checked against its sha256.
func (b Binary) Raw() ([]byte, error) {
	gz, err := b.Gz()
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("embedded linux/%s agent: %w", b.Arch, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("embedded linux/%s agent: %w", b.Arch, err)
	}
	sum := sha256.Sum256(raw)
	if got := hex.EncodeToString(sum[:]); got != b.SHA256 {
		return nil, fmt.Errorf("embedded linux/%s agent: sha256 %s, want %s (rebuild with make build)", b.Arch, got, b.SHA256)
	}
	return raw, nil
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
