// Package config loads and validates serve.yaml, the configuration of
// `ck8sctl serve`: the daemon that runs actions (bootstrap, harden, sweep)
// from playbooks on cron schedules, on signed webhooks and through its API.
//
// Load either returns a complete Config — defaults applied, paths made
// absolute, secrets read, every playbook loaded, every cron spec and host
// pattern checked — or every problem at once, joined, each a
// *playbook.Error worded as the playbook's are:
//
//	serve.yaml:12: schedules[0].cron: invalid cron spec "TZ=0": a time zone must be followed by ...
//
// so errors.As finds a *playbook.Error and the CLI exits 2. Problems inside
// a playbook name the playbook's own file and line.
//
// # The file
//
// deploy/serve/serve.example.yaml sets every key, with comments; a test
// loads it. In short:
//
//	listen: 127.0.0.1:9480     # host:port (default); port 0 picks a free one
//	tls: {cert: F, key: F}     # optional; both or neither; must parse as a key pair
//	db: /var/lib/ck8s/serve.db # optional; the --db flag wins
//	ssh:                       # the flags of a ck8sctl command, for every job
//	  config: none             # ssh_config file or "none"; default ~/.ssh/config
//	  acceptNewHostKeys: false
//	  connectTimeout: 10s      # > 0
//	  lockWait: 2m             # >= 0
//	  forks: 20                # >= 1
//	grace: 2m                  # on SIGTERM, how long running jobs may finish
//	retention: 720h            # runs and events older are pruned; 0 keeps all
//	playbooks: {NAME: PATH}    # at least one
//	tokens: [{name: N, file: F}, {name: N, env: VAR}]
//	schedules: [{name, playbook, action, cron, splay, limit, timeout}]
//	webhooks: [{name, playbook, action, limit, scheme, secret, window, maxBody, rate}]
//
// Relative paths are relative to the configuration file's directory, "~/"
// is the home directory. Names (of playbooks, tokens, schedules, webhooks)
// are lower-case letters, digits and '-', unique among their kind: a
// webhook's is its URL, /v1/hooks/NAME. An action is bootstrap, harden or
// sweep. A limit is an Ansible host pattern over the playbook's hosts
// (labels key=value act as groups) and must select at least one. A cron
// spec is robfig/cron's standard one (see ParseCron). A webhook's scheme
// is github (X-Hub-Signature-256) or generic (a signed timestamp, within
// window, default 5m); maxBody is bytes or KiB/MiB (default 1MiB, at most
// 64MiB); rate is perMinute (default 60) and burst (default 10), each >= 1.
//
// # Secrets
//
// Tokens and webhook secrets come from a file or from an environment
// variable, never from serve.yaml itself (the file is shared, reviewed and
// backed up). A secret file must be a regular file that neither group nor
// others may read (chmod 600); surrounding white space, such as the final
// newline, is dropped, and an empty secret is an error. A Secret prints as
// "[redacted]" through fmt, encoding/json and log/slog, and no error
// message quotes a secret or a secret file's content.
package config
