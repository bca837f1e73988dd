package config

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

var (
	topKeys = []string{"listen", "tls", "db", "ssh", "grace", "retention", "runTimeout",
		"playbooks", "tokens", "schedules", "webhooks"}
	tlsKeys = []string{"cert", "key"}
	sshKeys = []string{"config", "acceptNewHostKeys", "connectTimeout", "lockWait", "forks"}
)

// config decodes the root mapping. Each section starts from its defaults
// and keeps going after a problem, so that one run reports everything.
func (d *decoder) config(root *yaml.Node) *Config {
	c := &Config{Listen: DefaultListen, Grace: DefaultGrace, Retention: DefaultRetention}
	root = yamlnode.Resolve(root)
	if root.Kind != yaml.MappingNode {
		d.errorf(root.Line, "", "the configuration must be a mapping with at least playbooks, got %s", describe(root))
		return c
	}
	m, _ := d.section(root, "", topKeys...)
	if v := m["listen"]; v != nil {
		c.Listen = d.listen(v)
	}
	c.TLS = d.tls(m["tls"])
	if v := m["db"]; v != nil {
		c.DB = d.db(v)
	}
	c.SSH = d.ssh(m["ssh"])
	c.Grace = d.duration(m["grace"], "grace", DefaultGrace)
	c.Retention = d.duration(m["retention"], "retention", DefaultRetention)
	c.RunTimeout = d.duration(m["runTimeout"], "runTimeout", 0)
	c.PlaybookNames, c.Playbooks = d.playbooks(m["playbooks"], root.Line)
	c.Tokens = d.tokens(m["tokens"])
	c.Schedules = d.schedules(m["schedules"], c)
	c.Webhooks = d.webhooks(m["webhooks"], c)
	return c
}

// listen reads host:port. The port is a number (0 picks a free one, for
// tests); the host an IP address, a name, or empty for every address.
func (d *decoder) listen(n *yaml.Node) string {
	s, ok := d.Str(n, "listen")
	if !ok {
		return DefaultListen
	}
	host, port, err := net.SplitHostPort(s)
	if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || !validHost(host) {
		d.errorf(yamlnode.Resolve(n).Line, "listen", "must be host:port such as 127.0.0.1:9480 or [::1]:9480, got %q", s)
		return DefaultListen
	}
	return s
}

func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil || h == "" {
		return true
	}
	return hostRE().MatchString(h)
}

// tls reads the certificate and key, which must be set together and parse
// as a pair now, not at the first connection.
func (d *decoder) tls(n *yaml.Node) *TLS {
	m, ok := d.section(n, "tls", tlsKeys...)
	if !ok || len(m) == 0 {
		return nil
	}
	if m["cert"] == nil || m["key"] == nil {
		d.errorf(yamlnode.Resolve(n).Line, "tls", "cert and key must be set together")
		return nil
	}
	cert, okC := d.existing(m["cert"], "tls.cert")
	key, okK := d.existing(m["key"], "tls.key")
	if !okC || !okK {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		d.errorf(yamlnode.Resolve(n).Line, "tls", "cert and key are not a valid key pair: %v", err)
		return nil
	}
	return &TLS{Cert: cert, Key: key}
}

func (d *decoder) ssh(n *yaml.Node) SSH {
	s := SSH{ConnectTimeout: DefaultConnectTimeout, LockWait: DefaultLockWait, Forks: DefaultForks}
	m, _ := d.section(n, "ssh", sshKeys...)
	if v := m["config"]; v != nil {
		if str, ok := d.Str(v, "ssh.config"); ok && str == "none" {
			s.ConfigFile = "none"
		} else if ok {
			s.ConfigFile, _ = d.existing(v, "ssh.config")
		}
	}
	if v := m["acceptNewHostKeys"]; v != nil {
		s.AcceptNewHostKeys, _ = d.Bool(v, "ssh.acceptNewHostKeys")
	}
	s.ConnectTimeout = d.positive(m["connectTimeout"], "ssh.connectTimeout", s.ConnectTimeout)
	s.LockWait = d.duration(m["lockWait"], "ssh.lockWait", s.LockWait)
	if v := m["forks"]; v != nil {
		s.Forks = d.atLeast(v, "ssh.forks", 1, s.Forks)
	}
	return s
}
