package host

import (
	"log/slog"
	"strings"
	"sync"
)

// honoured are the ssh_config keywords ck8sctl acts on (lower case).
// Host and Match open blocks and Include is read; they are not keywords
// of a host.
var honoured = map[string]bool{
	"hostname": true, "port": true, "user": true, "identityfile": true,
	"proxyjump": true, "proxycommand": true, "identitiesonly": true,
	"stricthostkeychecking": true, "userknownhostsfile": true, "globalknownhostsfile": true,
}

// warned remembers, per process, which (file, keyword) pairs were already
// reported, so a run over a hundred hosts says it once.
var warned struct {
	sync.Mutex
	seen map[string]bool
}

// warnIgnored logs, once per process for each file and keyword, the
// keywords h sets for its alias that ck8sctl does not act on: a user who
// relies on one (HostKeyAlias, CertificateFile, ForwardAgent…) must learn
// that it has no effect here. It names the keyword and the file, never
// the value, which may hold anything.
func warnIgnored(log *slog.Logger, h sshHost) {
	if log == nil {
		return // nobody to tell yet: leave it for a dial that has a logger
	}
	var fresh []string
	warned.Lock()
	if warned.seen == nil {
		warned.seen = map[string]bool{}
	}
	for _, k := range h.keys() {
		id := h.file + "\x00" + strings.ToLower(k)
		if honoured[strings.ToLower(k)] || warned.seen[id] {
			continue
		}
		warned.seen[id] = true
		fresh = append(fresh, k)
	}
	warned.Unlock()
	if len(fresh) > 0 {
		log.Warn("ssh config options not supported by ck8sctl are ignored",
			"file", h.file, "options", strings.Join(fresh, ","))
	}
}
