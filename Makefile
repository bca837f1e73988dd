# ck8sctl — see README.md. Two commands set everything up on a fresh
# Debian 12 machine (as root): `make demo` and `make test`.

SHELL      := /bin/bash
GO         ?= go
# The newest Go 1.26 patch release, fetched once through the Go module proxy
# like any module: go1.26.8 (on the machine image) has standard-library
# vulnerabilities that govulncheck reports. The machine sets
# GOTOOLCHAIN=local, so go.mod's toolchain line alone would be ignored.
export GOTOOLCHAIN := go1.26.10
# Every probe ck8sctl sends on its own (scans, DNS queries) stays inside the
# lab and loopback ranges in tests, demos and benchmarks (internal/fence).
export CK8S_NETWORK_FENCE := 127.0.0.0/8,::1,198.18.0.0/15,2001:db8::/32
VERSION    ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null)
# The commit's time, not the clock's: the same commit builds the same binary.
BUILD_DATE ?= $(shell git log -1 --format=%cI 2>/dev/null)
AGENT_TAGS := $(shell grep -v '^\#' agent/buildtags.txt 2>/dev/null | tr -s ' \n' ',' | sed 's/^,//;s/,$$//')
CLI_PKG    := github.com/ck8s/ck8sctl/orchestrator/cli
LDFLAGS    := -s -w -X github.com/ck8s/ck8sctl/agent/cli.version=$(VERSION) -X $(CLI_PKG).Version=$(VERSION) \
              -X $(CLI_PKG).Commit=$(COMMIT) -X $(CLI_PKG).BuildDate=$(BUILD_DATE)
# ck8sctl runs on operators' laptops and CI machines; the agent only on
# Linux hosts (amd64, arm64), embedded in every ck8sctl build.
CROSS      := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
AGENTS     := $(foreach a,amd64 arm64,bootstrap/bin/ck8s-agent-linux-$(a).gz bootstrap/bin/ck8s-agent-linux-$(a).zst bootstrap/bin/ck8s-agent-light-linux-$(a).zst)
LAB_HOSTS  ?= 3
DB         ?= .lab/ck8s.db

.PHONY: all build agent deps k8s-env demo demo-down test test-unit lint cross release vulncheck bench clean
all: build

## build: both agents (static, stripped), then ck8sctl with the agents embedded
build: bin/ck8sctl

agent: $(AGENTS)

# The agent is built into bin/, then embedded into ck8sctl gzip- and
# zstd-compressed with its sha256 and size (bootstrap/agent.go says why).
bin/ck8s-agent-linux-%: FORCE
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -tags '$(AGENT_TAGS)' -ldflags '$(LDFLAGS)' -o $@ ./agent/cmd/ck8s-agent

.PRECIOUS: bin/ck8s-agent-linux-%
bootstrap/bin/ck8s-agent-linux-%.gz: bin/ck8s-agent-linux-%
	gzip -n -c $< > $@.tmp && mv $@.tmp $@
	sha256sum $< | cut -d' ' -f1 > bootstrap/bin/ck8s-agent-linux-$*.sha256
	wc -c < $< | tr -d ' ' > bootstrap/bin/ck8s-agent-linux-$*.size
# Also zstd-compressed, for hosts that have zstd (bootstrap/upload.go).
bootstrap/bin/ck8s-agent-linux-%.zst: bin/ck8s-agent-linux-%
	$(GO) run ./hack/zstdpack < $< > $@.tmp && mv $@.tmp $@

# The light agent: the same without the manifests step (and client-go),
# for runs whose plan has none (agent/cli/steps_light.go). Only its zstd
# form is embedded (9 MB in ck8sctl for both arches): a host without zstd
# gets the full agent's gzip form.
bin/ck8s-agent-light-linux-%: FORCE
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -tags '$(AGENT_TAGS),nomanifests' -ldflags '$(LDFLAGS)' -o $@ ./agent/cmd/ck8s-agent

.PRECIOUS: bin/ck8s-agent-light-linux-%
bootstrap/bin/ck8s-agent-light-linux-%.zst: bin/ck8s-agent-light-linux-%
	$(GO) run ./hack/zstdpack < $< > $@.tmp && mv $@.tmp $@
	sha256sum $< | cut -d' ' -f1 > bootstrap/bin/ck8s-agent-light-linux-$*.sha256
	wc -c < $< | tr -d ' ' > bootstrap/bin/ck8s-agent-light-linux-$*.size

bin/ck8sctl: $(AGENTS) FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $@ ./orchestrator/cmd/ck8sctl

FORCE:

## deps: the Debian packages the lab and the tests need (idempotent)
deps:
	@bash hack/deps.sh

## k8s-env: builds (once, into ~/.cache/ck8s/k8s-env) kube-apiserver, cert-manager and pebble for the manifests tests
k8s-env: deps
	bash hack/k8s-env.sh

## demo: a local lab host, bootstrapped, with its report and recorded events
demo: deps build
	bin/ck8sctl lab up --hosts $(LAB_HOSTS)
	@# DNS preflight, firewall (confirmed over a new SSH connection), and the
	@# outside scan, which must find exactly 22/80/443 on every host.
	bin/ck8sctl --log-level warn bootstrap -p .lab/playbook.yaml --db $(DB)
	@echo; echo "== the firewall: applied, then confirmed over a new connection =="
	bin/ck8sctl events --db $(DB) --run last --type firewall.applied
	bin/ck8sctl events --db $(DB) --run last --type firewall.confirmed
	@echo; echo "== recorded flow_events (facts and metrics) =="
	bin/ck8sctl events --db $(DB) --run last --type facts.collected
	bin/ck8sctl events --db $(DB) --run last --type metrics.collected
	bin/ck8sctl events --db $(DB) --run last --type ports.scan.completed
	@echo; echo "== DNS preflight (the lab serves its own zone) =="
	bin/ck8sctl events --db $(DB) --run last --type dns.preflight.passed
	@echo; echo "== re-run: no drift, nothing touched =="
	bin/ck8sctl --log-level warn harden -p .lab/playbook.yaml --db $(DB)
	bin/ck8sctl events --db $(DB) --run last --type firewall.compliant
	@echo; echo "== compliance sweep: read-only, every host judged (exit 0: all compliant) =="
	bin/ck8sctl --log-level warn sweep -p .lab/playbook.yaml --db $(DB)
	@echo; echo "== what bootstrap applies on a k3s host (playbooks/staging.yaml; make test issues it for real) =="
	bin/ck8sctl render -p playbooks/staging.yaml | grep -E '^(# Source|kind|  name|  namespace):'

demo-down:
	bin/ck8sctl lab down

## test: everything CI runs — lint, vulnerabilities, unit and integration tests
test: deps build lint cross vulncheck k8s-env
	$(GO) test -count=1 -timeout 30m ./...

test-unit: build
	$(GO) test -count=1 -short ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	bash hack/staticcheck.sh

## cross: ck8sctl builds and passes go vet on every release target (the
## agent's packages are vetted for Linux only: it never runs elsewhere)
cross:
	@set -e; for t in $(CROSS); do \
	  os=$${t%/*}; arch=$${t#*/}; echo "cross: $$t"; \
	  export CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch; \
	  $(GO) build -o /dev/null ./orchestrator/cmd/ck8sctl; \
	  if [ $$os = linux ]; then $(GO) vet ./...; else $(GO) vet $$($(GO) list ./... | grep -v '/ck8sctl/agent'); fi; \
	done

## release: versioned archives of ck8sctl for every target, with SHA256SUMS,
## in dist/ (hack/release.sh says why not GoReleaser)
release: agent
	VERSION=$(VERSION) LDFLAGS='$(LDFLAGS)' CROSS='$(CROSS)' GO=$(GO) bash hack/release.sh

vulncheck:
	bash hack/vulncheck.sh

## bench: wall time and memory on the lab against OpenSSH's lower bound
bench: deps-bench build k8s-env
	$(GO) run ./hack/bench -serve -replicas
	@# Webhook ingest on SQLite: 200 deliveries at once, p50/p99 to the 202.
	$(GO) test -run '^$$' -bench BenchmarkWebhookBurst -benchtime 20x ./orchestrator/serve/
	@# The manifests step against a real kube-apiserver (hack/bench/README.md).
	$(GO) test -run '^$$' -bench BenchmarkManifests -benchtime 20x ./agent/manifests/

## chaos: the fault campaign (hack/chaos, root): TRIALS of each fault at a
## random moment of a harden on a lab; prints the table of hack/bench/README.md.
## It needs an agent that reads a stepped clock (build tag ck8schaos, never in
## a release): built into bin/ck8sctl-chaos, then bin/ck8sctl is rebuilt as usual.
## Every fault on the iptables backend, then the nft-specific ones on nftables.
TRIALS     ?= 5
CHAOS_HOSTS ?= 3
chaos: deps
	$(MAKE) build AGENT_TAGS='$(AGENT_TAGS),ck8schaos'
	cp bin/ck8sctl bin/ck8sctl-chaos
	$(MAKE) build
	$(GO) run ./hack/chaos -trials $(TRIALS) -hosts $(CHAOS_HOSTS) -ck8sctl bin/ck8sctl-chaos -out .chaos/table.md
	$(GO) run ./hack/chaos -trials $(TRIALS) -hosts $(CHAOS_HOSTS) -ck8sctl bin/ck8sctl-chaos -backend nftables -only 'nft,cuts SSH' -out .chaos/table-nft.md

## deps-bench: the same packages as deps (ansible-core, the benchmarks'
## baseline, is in both since the inventory tests compare with it)
.PHONY: deps-bench chaos
deps-bench:
	@bash hack/deps.sh bench

clean:
	rm -rf bin dist bootstrap/bin/ck8s-agent-*
