package inventory

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// MaxSize bounds an inventory file. Static inventories of thousands of
// hosts stay far below; anything larger is a mistake or an attack on the
// parsers.
const MaxSize = 1 << 20

// These bound an inventory, ranges included, so that "web[0:99999999]"
// fails at once instead of exhausting memory, and so does a deep tree of
// groups over many hosts: the work of variable precedence and pattern
// matching grows with the memberships (a host in a group, directly or
// through a child group). Static inventories for ck8sctl are far smaller.
const (
	maxHosts       = 20_000
	maxGroups      = 5_000
	maxMemberships = 1_000_000
)

// Inventory is a loaded inventory, with Ansible's implicit groups ("all",
// "ungrouped") and variable precedence applied. Treat it as read-only:
// hosts share the values of their groups' variables.
type Inventory struct {
	Path   string   // as given to Load or Parse; used in messages
	Hosts  []*Host  // in Ansible's order, that of the "all" group
	Groups []*Group // in order of definition, "all" and "ungrouped" first

	hosts  map[string]*Host
	groups map[string]*Group
}

// Host is one inventory host. The connection fields are the typed form of
// Ansible's connection variables; ToPlaybook says which is which.
type Host struct {
	Name         string
	Address      string // ansible_host; the name when unset
	Port         int    // ansible_port; 0 when unset
	User         string // ansible_user; empty when unset
	IdentityFile string // ansible_ssh_private_key_file, absolute; empty when unset
	Become       *bool  // ansible_become; nil when unset
	// Groups are the groups the host is in, their ancestors included and
	// "all" left out, sorted: Ansible's group_names.
	Groups []string
	Vars   map[string]any // every variable, after precedence
	Line   int            // where the host first appears

	own    map[string]any // the host's own variables
	direct []string       // the groups that list the host, in order
}

// String names the host, so that every message can say which.
func (h *Host) String() string { return h.Name }

// Group is one inventory group.
type Group struct {
	Name     string
	Hosts    []string       // the hosts listed in the group itself, in order
	Children []string       // child groups, in order
	Parents  []string       // parent groups, in order
	Vars     map[string]any // the group's own variables
	Depth    int            // the longest path from "all", which is 0
	Priority int            // ansible_group_priority; 1 when unset
	Line     int            // where the group is first named; 0 for "all" and "ungrouped"

	hostSet, childSet map[string]bool
}

// Host returns the host called name.
func (inv *Inventory) Host(name string) (*Host, bool) {
	h, ok := inv.hosts[name]
	return h, ok
}

// Group returns the group called name.
func (inv *Inventory) Group(name string) (*Group, bool) {
	g, ok := inv.groups[name]
	return g, ok
}

// Load reads and parses the inventory at path. It must be a regular file:
// an executable one is a dynamic inventory script to Ansible, and a
// directory a set of inventories, neither of which ck8sctl runs or reads.
// group_vars/ and host_vars/ beside it are refused for the reason given in
// the package documentation.
func Load(path string) (*Inventory, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	for _, sub := range []string{"group_vars", "host_vars"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			return nil, errorf(path, 0, "", "%s/ beside the inventory is not supported (ck8sctl would miss its variables); move them into the inventory", sub)
		}
	}
	return Parse(path, data)
}

// readFile reads path through a size limit; readfile.Open refuses a
// directory, FIFO or device before reading.
func readFile(path string) ([]byte, error) {
	f, fi, err := readfile.Open(path)
	if errors.Is(err, readfile.ErrNotRegular) {
		return nil, errorf(path, 0, "", "%s: give one inventory file", strings.TrimPrefix(err.Error(), path+": "))
	}
	if err != nil {
		msg := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			msg = pe.Err.Error() // the path is in the message already
		}
		return nil, &Error{File: path, Msg: "cannot read: " + msg, Err: err}
	}
	defer f.Close()
	if fi.Mode().Perm()&0o111 != 0 {
		return nil, errorf(path, 0, "", "executable: dynamic inventory scripts are not supported (chmod -x it if it is a static inventory)")
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Err: err}
	}
	if len(data) > MaxSize {
		return nil, errorf(path, 0, "", "larger than %d bytes", MaxSize)
	}
	return data, nil
}

// Parse parses an inventory read from path (which names it in messages,
// picks the format by extension and anchors relative key files).
// Extensions .yml, .yaml and .json mean YAML, .ini means INI; otherwise a
// file that is a YAML mapping of groups is YAML and anything else INI,
// which is the order Ansible tries them in.
func Parse(path string, data []byte) (*Inventory, error) {
	if len(data) > MaxSize {
		return nil, errorf(path, 0, "", "larger than %d bytes", MaxSize)
	}
	if bytes.HasPrefix(data, []byte("#!")) {
		return nil, errorf(path, 1, "", "starts with #!: dynamic inventory scripts are not supported")
	}
	var b *builder
	var err error
	switch ext := filepath.Ext(path); {
	case ext == ".toml":
		return nil, errorf(path, 0, "", "TOML inventories are not supported; use INI or YAML")
	case ext == ".yml" || ext == ".yaml" || ext == ".json" || (ext != ".ini" && looksYAML(data)):
		b, err = parseYAML(path, data)
	default:
		b, err = parseINI(path, data)
	}
	if err != nil {
		return nil, err
	}
	return b.finish(filepath.Dir(path))
}
