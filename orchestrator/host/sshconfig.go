package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kevinburke/ssh_config"

	"github.com/ck8s/ck8sctl/internal/readfile"
)

// errNoAddress: neither the Config nor ssh_config gives an address. Dial
// fails with it; CheckFiles, which only judges files, lets it pass.
var errNoAddress = errors.New("no address")

// maxHops bounds ProxyJump chains, so a loop in ssh_config ends in an error.
const maxHops = 8

// resolve merges ssh_config into c, resolves the jump chain and applies
// defaults. The result is what Dial connects with.
func (c Config) resolve() (Config, error) { return c.resolveDepth(0) }

func (c Config) resolveDepth(depth int) (Config, error) {
	if depth > maxHops {
		return c, fmt.Errorf("ProxyJump chain longer than %d hops (a loop in ssh_config?)", maxHops)
	}
	explicit := c
	h, err := loadSSHConfig(c.SSHConfigFile, or(c.Address, c.Name))
	if err != nil {
		return c, err
	}
	if h != nil {
		if c, err = c.applySSHConfig(*h); err != nil {
			return c, err
		}
	}
	c = c.knownHostsFiles(h)
	if strings.EqualFold(c.ProxyCommand, "none") {
		c.ProxyCommand = ""
	}
	if c.Jump != nil {
		j, err := c.Jump.inherit(explicit).resolveDepth(depth + 1)
		if err != nil {
			return c, fmt.Errorf("jump host %s: %w", c.Jump, err)
		}
		c.Jump = &j
	}
	if c.Address == "" {
		return c, errNoAddress
	}
	c = c.withDefaults()
	if c.ProxyCommand != "" {
		if c.ProxyCommand, err = expandProxyCommand(c); err != nil {
			return c, err
		}
	}
	return c, nil
}

// loadSSHConfig reads the file named by Config.SSHConfigFile and looks
// alias up in it; nil means no file.
func loadSSHConfig(path, alias string) (*sshHost, error) {
	explicit := path != ""
	switch path {
	case "none":
		return nil, nil
	case "":
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil
		}
		path = filepath.Join(home, ".ssh", "config")
	}
	data, err := readfile.Regular(path, MaxSSHConfigSize)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading ssh config: %w", err)
	}
	sc, err := ssh_config.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parsing ssh config %s: %w", path, err)
	}
	return &sshHost{file: path, sc: sc, alias: alias}, nil
}

// applySSHConfig fills what c leaves unset from h (c looked up by its
// alias: Address, else Name), the way ssh treats its command line.
func (c Config) applySSHConfig(h sshHost) (Config, error) {
	alias := h.alias
	if hn := h.get("HostName"); hn != "" {
		c.Address = strings.ReplaceAll(hn, "%h", alias)
	}
	c.User = or(c.User, h.get("User"))
	if p := h.get("Port"); c.Port == 0 && p != "" {
		port, err := strconv.Atoi(p)
		if err != nil {
			return c, fmt.Errorf("ssh config: Port %q for %s: %w", p, alias, err)
		}
		c.Port = port
	}
	for _, id := range h.all("IdentityFile") {
		c.IdentityFiles = append(c.IdentityFiles, expandPath(id, alias, c.User))
	}
	c, err := c.applyProxy(h)
	if err != nil {
		return c, err
	}
	if c, err = c.applyTrust(h); err != nil {
		return c, err
	}
	warnIgnored(c.Logger, h)
	return c, nil
}

// applyProxy takes ProxyJump or ProxyCommand, whichever the file sets
// first (they compete in ssh too), unless c has a jump or proxy already.
func (c Config) applyProxy(h sshHost) (Config, error) {
	s, ok := h.first("ProxyJump", "ProxyCommand")
	if !ok || c.Jump != nil || c.ProxyCommand != "" || strings.EqualFold(s.value, "none") {
		return c, nil
	}
	if s.key == "ProxyCommand" {
		c.ProxyCommand = s.value
		return c, nil
	}
	j, err := parseProxyJump(s.value)
	if err != nil {
		return c, fmt.Errorf("ssh config %s: ProxyJump for %s: %w", s.where, h.alias, err)
	}
	c.Jump = j
	return c, nil
}
