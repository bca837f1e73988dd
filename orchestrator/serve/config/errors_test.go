package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Building blocks with known line numbers: base is lines 1-2; sched and
// hook add an item whose next field is on line 7 and 8; hookOK's on line 9;
// tok's on line 5.
const (
	base   = "playbooks:\n  staging: staging.yaml\n"
	sched  = base + "schedules:\n  - name: s\n    playbook: staging\n    action: sweep\n"
	hourly = sched + "    cron: \"@hourly\"\n"
	hook   = base + "webhooks:\n  - name: w\n    playbook: staging\n    action: harden\n    scheme: generic\n"
	hookOK = hook + "    secret: {env: CK8S_TEST_HOOK}\n"
	tok    = base + "tokens:\n  - name: ops\n"
)

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		// document
		{"empty", "", `serve.yaml: empty configuration: at least playbooks is required`},
		{"syntax", base + "listen: [\n", `serve.yaml:3: invalid YAML: did not find expected node content`},
		{"two documents", base + "---\nlisten: x\n", `serve.yaml:3: only one YAML document is allowed`},
		{"root list", "- a\n", `serve.yaml:1: the configuration must be a mapping with at least playbooks, got a list`},
		{"duplicate key", base + "grace: 1m\ngrace: 2m\n", `serve.yaml:4: grace: duplicate key (first at line 3)`},
		// unknown keys at every level
		{"unknown top", base + "listne: x\n", `serve.yaml:3: listne: unknown key (listen, tls, db, ssh, grace, retention, runTimeout, playbooks, tokens, schedules, webhooks); did you mean "listen"?`},
		{"unknown far", base + "colour: blue\n", `serve.yaml:3: colour: unknown key (listen, tls, db, ssh, grace, retention, runTimeout, playbooks, tokens, schedules, webhooks)`},
		{"unknown ssh", base + "ssh:\n  forkz: 2\n", `serve.yaml:4: ssh.forkz: unknown key (config, acceptNewHostKeys, connectTimeout, lockWait, forks); did you mean "forks"?`},
		{"unknown ssh snake", base + "ssh: {connect_timeout: 1s}\n", `serve.yaml:3: ssh.connect_timeout: unknown key (config, acceptNewHostKeys, connectTimeout, lockWait, forks); did you mean "connectTimeout"?`},
		{"unknown tls", base + "tls: {cert: c, kye: k}\n", "serve.yaml:3: tls.kye: unknown key (cert, key); did you mean \"key\"?\nserve.yaml:3: tls: cert and key must be set together"},
		{"unknown schedule", hourly + "    timout: 1m\n", `serve.yaml:8: schedules[0].timout: unknown key (name, playbook, action, cron, splay, limit, timeout); did you mean "timeout"?`},
		{"unknown webhook", hookOK + "    secrte: {}\n", `serve.yaml:9: webhooks[0].secrte: unknown key (name, playbook, action, limit, scheme, secret, window, maxBody, rate); did you mean "secret"?`},
		{"unknown rate", hookOK + "    rate: {perMinut: 1}\n", `serve.yaml:9: webhooks[0].rate.perMinut: unknown key (perMinute, burst); did you mean "perMinute"?`},
		{"unknown secret key", hook + "    secret: {fiel: secret}\n", "serve.yaml:8: webhooks[0].secret.fiel: unknown key (file, env); did you mean \"file\"?\nserve.yaml:8: webhooks[0].secret: required: file: PATH or env: VAR"},
		{"unknown token key", tok + "    env: " + hookEnv + "\n    nmae: x\n", `serve.yaml:6: tokens[0].nmae: unknown key (name, file, env); did you mean "name"?`},
		// types and values
		{"grace list", base + "grace: [1]\n", `serve.yaml:3: grace: must be a duration such as 90s, 2m or 720h, got a list`},
		{"grace no unit", base + "grace: 5\n", `serve.yaml:3: grace: must be a duration such as 90s, 2m or 720h, got "5"`},
		{"runTimeout no unit", base + "runTimeout: 30\n", `serve.yaml:3: runTimeout: must be a duration such as 90s, 2m or 720h, got "30"`},
		{"db url with password", base + "db: postgres://ck8s:hunter2@127.0.0.1/ck8s\n", `serve.yaml:3: db: the URL carries a password: give it in PGPASSWORD or a passfile instead`},
		{"retention days", base + "retention: 30d\n", `serve.yaml:3: retention: must be a duration such as 90s, 2m or 720h, got "30d"`},
		{"grace negative", base + "grace: -1m\n", `serve.yaml:3: grace: must not be negative, got -1m`},
		{"lockWait negative", base + "ssh: {lockWait: -5s}\n", `serve.yaml:3: ssh.lockWait: must not be negative, got -5s`},
		{"connectTimeout zero", base + "ssh: {connectTimeout: 0s}\n", `serve.yaml:3: ssh.connectTimeout: must be longer than 0s`},
		{"forks string", base + "ssh: {forks: \"20\"}\n", `serve.yaml:3: ssh.forks: must be an integer, got string "20"`},
		{"forks zero", base + "ssh: {forks: 0}\n", `serve.yaml:3: ssh.forks: must be at least 1, got 0`},
		{"accept yes", base + "ssh: {acceptNewHostKeys: yes}\n", `serve.yaml:3: ssh.acceptNewHostKeys: must be true or false, got string "yes"`},
		{"ssh config missing", base + "ssh: {config: nope}\n", `serve.yaml:3: ssh.config: cannot read nope: no such file or directory`},
		{"ssh list", base + "ssh: [a]\n", `serve.yaml:3: ssh: must be a mapping, got a list`},
		{"db empty", base + "db: ''\n", `serve.yaml:3: db: must not be empty`},
		{"db tilde user", base + "db: ~bob/x.db\n", `serve.yaml:3: db: "~bob/x.db": ~user is not supported, write ~/ or the full path`},
		{"listen port only", base + "listen: \"9480\"\n", `serve.yaml:3: listen: must be host:port such as 127.0.0.1:9480 or [::1]:9480, got "9480"`},
		{"listen named port", base + "listen: localhost:http\n", `serve.yaml:3: listen: must be host:port such as 127.0.0.1:9480 or [::1]:9480, got "localhost:http"`},
		{"listen big port", base + "listen: 127.0.0.1:70000\n", `serve.yaml:3: listen: must be host:port such as 127.0.0.1:9480 or [::1]:9480, got "127.0.0.1:70000"`},
		{"listen bad host", base + "listen: \"a b:80\"\n", `serve.yaml:3: listen: must be host:port such as 127.0.0.1:9480 or [::1]:9480, got "a b:80"`},
		// tls
		{"tls half", base + "tls: {cert: garbage}\n", `serve.yaml:3: tls: cert and key must be set together`},
		{"tls missing files", base + "tls:\n  cert: nope.crt\n  key: nope.key\n", "serve.yaml:4: tls.cert: cannot read nope.crt: no such file or directory\nserve.yaml:5: tls.key: cannot read nope.key: no such file or directory"},
		{"tls not a pair", base + "tls: {cert: garbage, key: garbage}\n", `serve.yaml:3: tls: cert and key are not a valid key pair: tls: failed to find any PEM data in certificate input`},
		// playbooks
		{"playbooks missing", "grace: 1m\n", `serve.yaml:1: playbooks: required: at least one, as name: path`},
		{"playbooks empty", "playbooks: {}\n", `serve.yaml:1: playbooks: required: at least one, as name: path`},
		{"playbook name", "playbooks:\n  Staging: staging.yaml\n", `serve.yaml:2: playbooks.Staging: name must be lower-case letters, digits and '-' (at most 63), got "Staging"`},
		{"playbook unreadable", base + "  gone: gone.yaml\n", `serve.yaml:3: playbooks.gone: cannot read playbook gone.yaml: no such file or directory`},
		{"playbook invalid", base + "  bad: bad.yaml\ngrace: x\n", "serve.yaml:4: grace: must be a duration such as 90s, 2m or 720h, got \"x\"\nbad.yaml:5: hosts[0].port: must be between 1 and 65535, got 70000"},
		{"playbook unknown", strings.Replace(hourly, "playbook: staging", "playbook: stagin", 1), `serve.yaml:5: schedules[0].playbook: unknown playbook "stagin" (staging); did you mean "staging"?`},
		{"playbook required", strings.Replace(hourly, "    playbook: staging\n", "", 1), `serve.yaml:4: schedules[0].playbook: required`},
		// actions
		{"action unknown", strings.Replace(hourly, "action: sweep", "action: swep", 1), `serve.yaml:6: schedules[0].action: unknown action "swep" (bootstrap, harden, sweep); did you mean "sweep"?`},
		{"action far", strings.Replace(hourly, "action: sweep", "action: deploy", 1), `serve.yaml:6: schedules[0].action: unknown action "deploy" (bootstrap, harden, sweep)`},
		{"action required", strings.Replace(hook, "    action: harden\n", "", 1) + "    secret: {env: CK8S_TEST_HOOK}\n", `serve.yaml:4: webhooks[0].action: required`},
		// cron, including inputs robfig/cron panics on
		{"cron TZ=0", sched + "    cron: TZ=0\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "TZ=0": a time zone must be followed by a space and the schedule, as in "CRON_TZ=Europe/Berlin 30 2 * * *"`},
		{"cron bad zone", sched + "    cron: CRON_TZ=Nowhere/None * * * * *\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "CRON_TZ=Nowhere/None * * * * *": unknown time zone "Nowhere/None"`},
		{"cron seven fields", sched + "    cron: \"* * * * * * *\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "* * * * * * *": expected exactly 5 fields, found 7: [* * * * * * *]`},
		{"cron empty", sched + "    cron: \"\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "": empty`},
		{"cron every 0s", sched + "    cron: \"@every 0s\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "@every 0s": @every must be at least 1s, got 0s`},
		{"cron every negative", sched + "    cron: \"@every -1m\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "@every -1m": @every must be at least 1s, got -1m`},
		{"cron never", sched + "    cron: \"0 0 30 2 *\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "0 0 30 2 *": never fires`},
		{"cron range", sched + "    cron: \"61 * * * *\"\n", `serve.yaml:7: schedules[0].cron: invalid cron spec "61 * * * *": end of range (61) above maximum (59): 61`},
		{"cron required", sched, `serve.yaml:4: schedules[0].cron: required`},
		{"splay bad", hourly + "    splay: soon\n", `serve.yaml:8: schedules[0].splay: must be a duration such as 90s, 2m or 720h, got "soon"`},
		{"timeout zero", hourly + "    timeout: 0\n", `serve.yaml:8: schedules[0].timeout: must be longer than 0s`},
		// names
		{"schedule duplicate", hourly + "  - name: s\n    playbook: staging\n    action: harden\n    cron: \"@daily\"\n", `serve.yaml:8: schedules[1].name: duplicate schedule name "s" (first at line 4)`},
		{"schedule name missing", strings.Replace(hourly, "  - name: s\n    playbook", "  - playbook", 1), `serve.yaml:4: schedules[0].name: required`},
		{"webhook name", strings.Replace(hookOK, "name: w", "name: Deploy_1", 1), `serve.yaml:4: webhooks[0].name: must be lower-case letters, digits and '-' (at most 63), got "Deploy_1"`},
		{"webhook duplicate", hookOK + "  - {name: w, playbook: staging, action: sweep, scheme: github, secret: {file: secret}}\n", `serve.yaml:9: webhooks[1].name: duplicate webhook name "w" (first at line 4)`},
		{"token duplicate", tok + "    file: secret\n  - {name: ops, file: secret2}\n", `serve.yaml:6: tokens[1].name: duplicate token name "ops" (first at line 4)`},
		{"token same secret", tok + "    file: secret\n  - {name: ci, env: CK8S_TEST_HOOK}\n  - {name: cd, file: secret}\n", `serve.yaml:7: tokens[2]: same secret as token "ops": each token must be its own`},
		// webhook fields
		{"scheme unknown", strings.Replace(hookOK, "scheme: generic", "scheme: hmac", 1), `serve.yaml:7: webhooks[0].scheme: unknown scheme "hmac" (github, generic)`},
		{"scheme typo", strings.Replace(hookOK, "scheme: generic", "scheme: githb", 1), `serve.yaml:7: webhooks[0].scheme: unknown scheme "githb" (github, generic); did you mean "github"?`},
		{"scheme required", strings.Replace(hookOK, "    scheme: generic\n", "", 1), `serve.yaml:4: webhooks[0].scheme: required: github or generic`},
		{"window github", strings.Replace(hookOK, "scheme: generic", "scheme: github", 1) + "    window: 1m\n", `serve.yaml:9: webhooks[0].window: applies to scheme generic only: GitHub signs no timestamp`},
		{"window zero", hookOK + "    window: 0s\n", `serve.yaml:9: webhooks[0].window: must be longer than 0s`},
		{"maxBody decimal", hookOK + "    maxBody: 1MB\n", `serve.yaml:9: webhooks[0].maxBody: must be a size in bytes, or with a KiB or MiB suffix such as 1MiB, got "1MB"`},
		{"maxBody zero", hookOK + "    maxBody: 0\n", `serve.yaml:9: webhooks[0].maxBody: must be between 1 and 64MiB, got "0"`},
		{"maxBody huge", hookOK + "    maxBody: 65MiB\n", `serve.yaml:9: webhooks[0].maxBody: must be between 1 and 64MiB, got "65MiB"`},
		{"rate zero", hookOK + "    rate: {perMinute: 0, burst: -1}\n", "serve.yaml:9: webhooks[0].rate.perMinute: must be at least 1, got 0\nserve.yaml:9: webhooks[0].rate.burst: must be at least 1, got -1"},
		{"rate scalar", hookOK + "    rate: 60\n", `serve.yaml:9: webhooks[0].rate: must be a mapping, got integer "60"`},
		// limits
		{"limit no host", hourly + "    limit: \"cache-*\"\n", `serve.yaml:8: schedules[0].limit: host pattern "cache-*": "cache-*" matches no group and no host`},
		{"limit unknown group", hookOK + "    limit: \"web-1:!role=cache\"\n", `serve.yaml:9: webhooks[0].limit: host pattern "web-1:!role=cache": "role=cache" matches no group and no host`},
		{"limit invalid", hourly + "    limit: \"~web-(\"\n", `serve.yaml:8: schedules[0].limit: host pattern "~web-(": "~web-(": invalid regular expression (RE2 syntax): error parsing regexp: missing closing ): ` + "`^(?:web-()`"},
		{"limit empty result", hourly + "    limit: \"role=web:&role=db\"\n", `serve.yaml:8: schedules[0].limit: host pattern "role=web:&role=db" selects no hosts`},
		// secrets
		{"secret both", hook + "    secret: {file: secret, env: CK8S_TEST_HOOK}\n", `serve.yaml:8: webhooks[0].secret: set file or env, not both`},
		{"secret neither", hook + "    secret: {}\n", `serve.yaml:8: webhooks[0].secret: required: file: PATH or env: VAR`},
		{"secret absent", hook, `serve.yaml:4: webhooks[0].secret: required: a mapping {file: PATH} or {env: VAR}`},
		{"secret inline", hook + "    secret: s3cr3t-inline\n", `serve.yaml:8: webhooks[0].secret: must be a mapping {file: PATH} or {env: VAR}; secrets come from a file or an environment variable, never inline: write file: PATH or env: VAR`},
		{"secret value key", hook + "    secret: {value: s3cr3t-inline}\n", "serve.yaml:8: webhooks[0].secret.value: secrets come from a file or an environment variable, never inline: write file: PATH or env: VAR\nserve.yaml:8: webhooks[0].secret: required: file: PATH or env: VAR"},
		{"secret file missing", hook + "    secret: {file: nope}\n", `serve.yaml:8: webhooks[0].secret.file: cannot read secret file nope: no such file or directory`},
		{"secret file empty", hook + "    secret: {file: empty}\n", `serve.yaml:8: webhooks[0].secret.file: secret file empty is empty`},
		{"secret file world", hook + "    secret: {file: world}\n", `serve.yaml:8: webhooks[0].secret.file: secret file world is readable by group or others (mode 0644): chmod 600 world`},
		{"secret file dir", hook + "    secret: {file: subdir}\n", `serve.yaml:8: webhooks[0].secret.file: secret file subdir is not a regular file`},
		{"secret env unset", hook + "    secret: {env: CK8S_TEST_UNSET}\n", `serve.yaml:8: webhooks[0].secret.env: environment variable CK8S_TEST_UNSET is not set`},
		{"secret env empty", hook + "    secret: {env: CK8S_TEST_EMPTY}\n", `serve.yaml:8: webhooks[0].secret.env: environment variable CK8S_TEST_EMPTY is empty`},
		{"secret env name", hook + "    secret: {env: \"A-B\"}\n", `serve.yaml:8: webhooks[0].secret.env: must be an environment variable name such as CK8S_TOKEN, got "A-B"`},
		{"token inline", tok + "    token: s3cr3t-inline\n", "serve.yaml:4: tokens[0]: required: file: PATH or env: VAR\nserve.yaml:5: tokens[0].token: secrets come from a file or an environment variable, never inline: write file: PATH or env: VAR"},
		{"token scalar", base + "tokens: [s3cr3t-inline]\n", `serve.yaml:3: tokens[0]: must be a mapping {name, file or env}; secrets come from a file or an environment variable, never inline: write file: PATH or env: VAR`},
		{"tokens scalar", base + "tokens: s3cr3t-inline\n", `serve.yaml:3: tokens: must be a list of {name, file or env}, got a scalar`},
		{"token file world", tok + "    file: world\n", `serve.yaml:5: tokens[0].file: secret file world is readable by group or others (mode 0644): chmod 600 world`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := fixture(t, tc.yaml)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("no error; config %+v", c)
			}
			if got := relative(err, path); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if pe := (*playbook.Error)(nil); !errors.As(err, &pe) {
				t.Errorf("errors.As finds no *playbook.Error in %v", err)
			}
			for _, s := range []string{fileSecret, envSecret, "s3cr3t-inline"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

// Every problem is reported in one go, in line order.
func TestAllProblemsAtOnce(t *testing.T) {
	yaml := base + "listen: nope\ngrace: -1s\n" + "schedules:\n  - {name: a, playbook: x, action: y, cron: \"TZ=0\"}\n"
	path := fixture(t, yaml)
	_, err := Load(path)
	want := `serve.yaml:3: listen: must be host:port such as 127.0.0.1:9480 or [::1]:9480, got "nope"
serve.yaml:4: grace: must not be negative, got -1s
serve.yaml:6: schedules[0].playbook: unknown playbook "x" (staging)
serve.yaml:6: schedules[0].action: unknown action "y" (bootstrap, harden, sweep)
serve.yaml:6: schedules[0].cron: invalid cron spec "TZ=0": a time zone must be followed by a space and the schedule, as in "CRON_TZ=Europe/Berlin 30 2 * * *"`
	if err == nil || relative(err, path) != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
