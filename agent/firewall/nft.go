package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// nftTable is how nft spells the one object this backend owns. It serves
// IPv4 and IPv6 alike, so one batch is one transaction for both families.
const nftTable = "inet " + NFTable

// nftBackend drives the nft binary. Every change is one `nft -f -` batch,
// which the kernel commits as one transaction or not at all.
type nftBackend struct {
	o Options
}

var _ Backend = (*nftBackend)(nil)

// NewNFTables returns the nftables backend. o.Path is the nft binary; an
// empty o.Etc means the host's /etc.
func NewNFTables(o Options) (Backend, error) {
	if o.Path == "" {
		return nil, errors.New("creating the nftables backend: no path to nft")
	}
	if _, err := exec.LookPath(o.Path); err != nil {
		return nil, fmt.Errorf("creating the nftables backend: %w", err)
	}
	if o.Etc == "" {
		o.Etc = "/etc"
	}
	return &nftBackend{o: o}, nil
}

func (b *nftBackend) Name() string    { return NameNFTables }
func (b *nftBackend) Variant() string { return "" }

// State lists our table without counters (-s) and without handles, which is
// nft's own canonical form: a re-apply of the same profile lists the same.
func (b *nftBackend) State(ctx context.Context) (string, error) {
	out, err := b.run(ctx, "", "-s", "list", "table", "inet", NFTable)
	if err == nil {
		return out, nil
	}
	// Tell "no such table" from a real failure without parsing nft's
	// error text: ask for the list of tables.
	exists, lerr := b.exists(ctx)
	if lerr != nil {
		return "", errors.Join(err, lerr)
	}
	if !exists {
		return "", nil
	}
	return "", err
}

func (b *nftBackend) exists(ctx context.Context) (bool, error) {
	out, err := b.run(ctx, "", "list", "tables")
	if err != nil {
		return false, err
	}
	for line := range strings.Lines(out) {
		if strings.TrimSpace(line) == "table "+nftTable {
			return true, nil
		}
	}
	return false, nil
}

// Snapshot restores the table as it is listed now, or removes it.
func (b *nftBackend) Snapshot(ctx context.Context) (Batch, error) {
	state, err := b.State(ctx)
	if err != nil {
		return Batch{}, fmt.Errorf("snapshotting table %s: %w", nftTable, err)
	}
	return b.batch(nftRestore(state)), nil
}

// nftRestore is a batch that makes our table what listing says: `add`
// makes the `delete` valid when the table is absent, and the delete keeps
// the listing from being merged into an existing table (nft appends rules
// to existing chains). An empty listing leaves no table.
func nftRestore(listing string) string {
	return "add table " + nftTable + "\ndelete table " + nftTable + "\n" + listing
}

func (b *nftBackend) batch(input string) Batch {
	return Batch{Backend: NameNFTables, Parts: []Part{{Argv: []string{b.o.Path, "-f", "-"}, Input: input}}}
}

// Apply runs each part; a part is one nft transaction.
func (b *nftBackend) Apply(ctx context.Context, bt Batch) error {
	if bt.Backend != NameNFTables {
		return fmt.Errorf("applying a %q batch with the nftables backend: refused", bt.Backend)
	}
	for i, p := range bt.Parts {
		if len(p.Argv) == 0 {
			return fmt.Errorf("applying nftables batch part %d: empty argv", i)
		}
		if _, err := nftExec(ctx, p.Input, p.Argv[0], p.Argv[1:]...); err != nil {
			return fmt.Errorf("applying nftables batch part %d: %w", i, err)
		}
	}
	return nil
}

func (b *nftBackend) run(ctx context.Context, input string, args ...string) (string, error) {
	return nftExec(ctx, input, b.o.Path, args...)
}

// nftExec runs one program with input on stdin; its error carries the
// command line and what the program said on stderr.
func nftExec(ctx context.Context, input, bin string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(input)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running %s %s: %w: %s", bin, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
