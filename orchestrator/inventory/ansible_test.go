package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// The reference for this package is ansible-core itself: every inventory
// in testdata/ is read by Load and by `ansible-inventory --list`, and
// --limit patterns are evaluated by Select and by `ansible --list-hosts`.
// Neither command connects to any host.

// requireAnsible skips without ansible-core, except under CI=true, where
// make test has installed it (hack/deps.sh); and under -short, as each
// Ansible command takes a second or more.
func requireAnsible(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs ansible, slow")
	}
	testenv.RequireCommand(t, "ansible-inventory", "ansible")
}

// ansible runs an Ansible command isolated from the machine's and the
// user's configuration, and fails the test if it fails.
func ansible(t *testing.T, args ...string) []byte {
	t.Helper()
	out, stderr, err := runAnsible(t, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

func runAnsible(t *testing.T, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	home := t.TempDir()
	cfg := filepath.Join(home, "ansible.cfg")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+cfg, "ANSIBLE_HOME="+home, "ANSIBLE_LOCAL_TEMP="+home,
		"ANSIBLE_NOCOLOR=1", "ANSIBLE_INVENTORY_UNPARSED_FAILED=true", "HOME="+home)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// ansibleList is the output of ansible-inventory --list.
type ansibleList struct {
	groups   map[string]ansibleGroup
	hostvars map[string]map[string]any
}

type ansibleGroup struct {
	Hosts    []string `json:"hosts"`
	Children []string `json:"children"`
}

func listInventory(t *testing.T, path string) ansibleList {
	t.Helper()
	var raw map[string]json.RawMessage
	out := ansible(t, "ansible-inventory", "-i", path, "--list")
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("ansible-inventory output: %v\n%s", err, out)
	}
	l := ansibleList{groups: map[string]ansibleGroup{}}
	for name, msg := range raw {
		if name == "_meta" {
			var meta struct{ Hostvars map[string]json.RawMessage }
			decode(t, msg, &meta)
			l.hostvars = map[string]map[string]any{}
			for h, v := range meta.Hostvars {
				var vars map[string]any
				decode(t, v, &vars)
				l.hostvars[h] = vars
			}
			continue
		}
		var g ansibleGroup
		decode(t, msg, &g)
		l.groups[name] = g
	}
	return l
}

func decode(t *testing.T, msg []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(msg))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decoding %s: %v", msg, err)
	}
}

// listHosts runs `ansible all --list-hosts` with an optional --limit and
// returns the hosts in Ansible's order.
func listHosts(t *testing.T, path, limit string) (hosts []string, stderr string, err error) {
	t.Helper()
	args := []string{"ansible", "all", "-i", path, "--list-hosts"}
	if limit != "" {
		args = append(args, "--limit", limit)
	}
	out, e, err := runAnsible(t, args...)
	for _, line := range strings.Split(string(out), "\n")[1:] {
		if line = strings.TrimSpace(line); line != "" {
			hosts = append(hosts, line)
		}
	}
	return hosts, string(e), err
}

var fixtures = []string{
	"basic.ini", "nested.ini", "ranges.ini", "types.ini", "ungrouped.ini", "hosts",
	"basic.yml", "nested.yaml", "types.yml", "inventory.json", "staging",
}

func TestSameAsAnsibleInventory(t *testing.T) {
	requireAnsible(t)
	lists := make([]ansibleList, len(fixtures))
	orders := make([][]string, len(fixtures))
	concurrently(t, len(fixtures), func(t *testing.T, i int) {
		path := filepath.Join("testdata", fixtures[i])
		lists[i] = listInventory(t, path)
		var err error
		if orders[i], _, err = listHosts(t, path, ""); err != nil {
			t.Errorf("%s: ansible --list-hosts: %v", path, err)
		}
	})
	for i, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			inv, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostNames(inv.Hosts); !slices.Equal(got, orders[i]) {
				t.Errorf("hosts:\n got %v\nwant %v (ansible all --list-hosts)", got, orders[i])
			}
			compareGroups(t, inv, lists[i])
			for _, h := range inv.Hosts {
				compareHost(t, h, lists[i], filepath.Dir(path))
			}
		})
	}
}

// concurrently runs f for 0..n-1, several at a time: each Ansible command
// spends most of its time starting Python, not on a CPU.
func concurrently(t *testing.T, n int, f func(t *testing.T, i int)) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(t, i)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func hostNames(hosts []*Host) []string {
	var out []string
	for _, h := range hosts {
		out = append(out, h.Name)
	}
	return out
}

// compareGroups requires the same direct hosts and children, in order,
// for every group Ansible lists (it leaves out empty groups).
func compareGroups(t *testing.T, inv *Inventory, want ansibleList) {
	t.Helper()
	for _, g := range inv.Groups {
		w, listed := want.groups[g.Name]
		if !listed && (len(g.Hosts) > 0 || len(g.Children) > 0) {
			t.Errorf("group %s: not in ansible-inventory's output", g.Name)
			continue
		}
		hosts := g.Hosts
		if g.Name == "all" {
			hosts = nil // ansible-inventory never lists all's own hosts
		}
		if !slices.Equal(hosts, w.Hosts) || !slices.Equal(g.Children, w.Children) {
			t.Errorf("group %s: hosts %v children %v, ansible-inventory: hosts %v children %v",
				g.Name, hosts, g.Children, w.Hosts, w.Children)
		}
	}
	for name := range want.groups {
		if _, ok := inv.Group(name); !ok {
			t.Errorf("group %s: in ansible-inventory's output only", name)
		}
	}
}

// compareHost requires the same variables as _meta.hostvars, the same
// group_names (derived from Ansible's group tree), and connection fields
// that agree with the variables.
func compareHost(t *testing.T, h *Host, want ansibleList, dir string) {
	t.Helper()
	wv := want.hostvars[h.Name]
	if wv == nil {
		wv = map[string]any{}
	}
	if got, w := canon(h.Vars), canon(wv); !reflect.DeepEqual(got, w) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(w)
		t.Errorf("%s: vars\n got %s\nwant %s", h.Name, gj, wj)
	}
	if w := ansibleGroupNames(want, h.Name); !slices.Equal(h.Groups, w) {
		t.Errorf("%s: groups %v, want %v", h.Name, h.Groups, w)
	}
	want1 := func(names ...string) (string, bool) {
		v, ok := "", false
		for _, n := range names {
			if x, set := wv[n]; set && x != nil {
				v, ok = fmt.Sprint(x), true
			}
		}
		return v, ok
	}
	addr, ok := want1("ansible_host", "ansible_ssh_host")
	if !ok {
		addr = h.Name
	}
	port, _ := want1("ansible_port", "ansible_ssh_port")
	user, _ := want1("ansible_user", "ansible_ssh_user")
	key, hasKey := want1("ansible_private_key_file", "ansible_ssh_private_key_file")
	if hasKey {
		key, _ = playbook.ExpandPath(key, dir)
	}
	become, hasBecome := want1("ansible_become")
	gotPort := ""
	if h.Port != 0 {
		gotPort = fmt.Sprint(h.Port)
	}
	gotBecome := ""
	if h.Become != nil {
		gotBecome = fmt.Sprint(*h.Become)
	}
	if hasBecome {
		become = fmt.Sprint(map[string]bool{"true": true, "yes": true, "1": true}[strings.ToLower(become)])
	}
	got := []string{h.Address, gotPort, h.User, h.IdentityFile, gotBecome}
	if w := []string{addr, port, user, key, become}; !slices.Equal(got, w) {
		t.Errorf("%s: address, port, user, key, become = %q, want %q", h.Name, got, w)
	}
}

// ansibleGroupNames computes group_names from ansible-inventory's tree.
func ansibleGroupNames(l ansibleList, host string) []string {
	parents := map[string][]string{}
	for name, g := range l.groups {
		for _, c := range g.Children {
			parents[c] = append(parents[c], name)
		}
	}
	in := map[string]bool{}
	var up func(string)
	up = func(g string) {
		if !in[g] {
			in[g] = true
			for _, p := range parents[g] {
				up(p)
			}
		}
	}
	for name, g := range l.groups {
		if slices.Contains(g.Hosts, host) {
			up(name)
		}
	}
	var out []string
	for g := range in {
		if g != "all" {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// canon puts variables from either side in one form: numbers keep
// whether they are integers (Python's json writes 1000.0 for a float).
func canon(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if s, ok := v["__ansible_unsafe"]; ok && len(v) == 1 {
			return s // how ansible-inventory writes a !unsafe string
		}
		m := map[string]any{}
		for k, x := range v {
			m[k] = canon(x)
		}
		return m
	case []any:
		l := []any{}
		for _, x := range v {
			l = append(l, canon(x))
		}
		return l
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			f, _ := v.Float64()
			return fmt.Sprintf("float %v", f)
		}
		n, _ := new(big.Int).SetString(string(v), 10)
		return "int " + n.String()
	case int, *big.Int:
		return fmt.Sprintf("int %v", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	}
	return v
}

// The patterns cover every operator, on inventories with groups, nested
// children, ranges and a host in several groups.
var limitCases = []struct {
	file, pattern string
	wantErr       bool // our error; Ansible then selects nothing or warns
}{
	{"basic.ini", "all", false},
	{"basic.ini", "*", false},
	{"basic.ini", "web", false},
	{"basic.ini", "web1", false},
	{"basic.ini", "web:db", false},
	{"basic.ini", "web,db1", false},
	{"basic.ini", "web:&db", false},
	{"basic.ini", "all:!web", false},
	{"basic.ini", "!db", false},
	{"basic.ini", "*.example.com", false},
	{"basic.ini", "~(web|db)[0-9]", false},
	{"basic.ini", "web[0]", false},
	{"basic.ini", "web[-1]", false},
	{"basic.ini", "web[1:]", false},
	{"basic.ini", "ungrouped", false},
	{"basic.ini", "2001:db8::11", false},
	{"basic.ini", "web:!nosuch", true},
	{"basic.ini", "web:&v6", true},
	{"nested.ini", "europe", false},
	{"nested.ini", "world:!fra", false},
	{"nested.ini", "fra*", false},
	{"nested.ini", "europe:&zeta:!ams-1", false},
	{"nested.ini", "!europe", false},
	{"nested.ini", "ams-1:fra-r1-b", false},
	{"ranges.ini", "web[1:2]", false},
	{"ranges.ini", "worker?:gpu1*", false},
	{"ranges.ini", "node[12]-?", false},
	{"ranges.ini", "edge-[!a-z]", false},
	{"nested.yaml", "world:&alpha", false},
	{"nested.yaml", "nyc-0*,prio", false},
	{"basic.yml", "db:web:!shared", false},
	{"basic.yml", "v6", false},
}

func TestLimitSameAsAnsible(t *testing.T) {
	requireAnsible(t)
	type result struct {
		hosts  []string
		stderr string
		err    error
	}
	want := make([]result, len(limitCases))
	concurrently(t, len(limitCases), func(t *testing.T, i int) {
		c := limitCases[i]
		r := &want[i]
		r.hosts, r.stderr, r.err = listHosts(t, filepath.Join("testdata", c.file), c.pattern)
	})
	invs := map[string]*Inventory{}
	for i, c := range limitCases {
		t.Run(c.file+"/"+c.pattern, func(t *testing.T) {
			inv := invs[c.file]
			if inv == nil {
				var err error
				if inv, err = Load(filepath.Join("testdata", c.file)); err != nil {
					t.Fatal(err)
				}
				invs[c.file] = inv
			}
			hosts, err := inv.Limit(c.pattern)
			w := want[i]
			if c.wantErr {
				if err == nil {
					t.Fatalf("selected %v, want an error", hostNames(hosts))
				}
				if w.err == nil && len(w.hosts) > 0 && !strings.Contains(w.stderr, "Could not match supplied host pattern") {
					t.Errorf("we fail (%v), but Ansible selects %v without a warning", err, w.hosts)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (Ansible: %v)", err, w.hosts)
			}
			if w.err != nil {
				t.Fatalf("ansible: %v\n%s", w.err, w.stderr)
			}
			if got := hostNames(hosts); !slices.Equal(got, w.hosts) {
				t.Errorf("got %v, Ansible %v", got, w.hosts)
			}
		})
	}
}
