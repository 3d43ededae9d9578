# Gatehouse. A new machine needs two commands: `make dev` runs the app locally, `make test` runs
# every test. Both first install what the machine lacks (.ci/deps); everything else is optional.
SHELL := /bin/bash
GO ?= go
NPM ?= npm
STACK ?= dev
FORMAT ?= text
DEPS := .ci/deps
NODE_DEVSERVERS := internal/devservers/node
FRONTEND := frontend

.PHONY: test dev review review-all vet test-go test-frontend \
	deps deps-dev deps-go deps-node deps-frontend deps-pulumi-cli deps-test-tools deps-bench-tools \
	bench fuzz load

## dev: the local stack (real OpenID Provider, ToDo API, BFF serving the SPA) on http://localhost:8080
## (DEV_ARGS=-port=8081 picks another port).
dev: deps-dev
	$(GO) run ./cmd/dev $(DEV_ARGS)

## test: everything CI runs: vet, the SPA's unit tests, then every Go test against real peers
## (redis-server, dynalite, oidc-provider, Chromium, the pinned Pulumi CLI).
test: deps vet test-frontend test-go

vet: deps-go
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path '*/node_modules/*')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change these files (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test-frontend: deps-frontend
	$(NPM) run --prefix $(FRONTEND) typecheck
	$(NPM) test --prefix $(FRONTEND)

# Packages run one at a time at most two abreast: the browser, Pulumi CLI and peer-backed suites
# each start real processes, and the machine has two cores. `go vet ./...` has already run every
# analyzer, so the subset go test would run again is off.
test-go: deps
	$(GO) test -count=1 -vet=off -p 2 -timeout 20m ./...

## review: the offline policy review of one stack, e.g. `make review STACK=govcloud FORMAT=markdown`;
## EVIDENCE=<dir> also writes its authorization evidence (boundary, KSIs, OSCAL) there.
review: deps-dev
	$(GO) run ./cmd/review --stack $(STACK) --format $(FORMAT)$(if $(EVIDENCE), --evidence $(EVIDENCE))

review-all: deps-dev
	@for s in dev fedramp govcloud; do $(GO) run ./cmd/review --stack $$s --format $(FORMAT) || exit 1; done

## deps: everything `make test` needs: redis-server and chromium from Debian, the Go modules, the
## npm packages and the pinned Pulumi CLI. Each part is installed only when it is missing.
deps: deps-dev deps-test-tools deps-pulumi-cli

# `make dev` needs no Debian package: its sessions live in memory and nothing drives a browser.
deps-dev: deps-go deps-node deps-frontend

deps-test-tools:
	@$(DEPS) tools redis-server chromium

deps-bench-tools:
	@$(DEPS) tools redis-server strace time

deps-go:
	@$(DEPS) go

deps-pulumi-cli: deps-go
	@$(DEPS) pulumi-cli

deps-node: $(NODE_DEVSERVERS)/node_modules/.package-lock.json
deps-frontend: $(FRONTEND)/node_modules/.package-lock.json

$(NODE_DEVSERVERS)/node_modules/.package-lock.json: $(NODE_DEVSERVERS)/package-lock.json
	@$(DEPS) npm $(NODE_DEVSERVERS)

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	@$(DEPS) npm $(FRONTEND)

FUZZTIME ?= 20s

## fuzz: every fuzz target of the BFF for FUZZTIME each, one after another, printing the execs.
## A run that ends only with "context deadline exceeded" and writes no failing input is Go's
## fuzz-coordinator race at the time limit (go.dev/issue/75804), not a finding.
fuzz: deps-go
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' bff | xargs -n1 dirname | sort -u); do \
	  for t in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | cut -d' ' -f2); do \
	    echo "== ./$$dir $$t"; \
	    if ! $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./$$dir > $$log 2>&1; then \
	      if grep -q 'Failing input written' $$log || ! grep -q 'context deadline exceeded' $$log; then cat $$log; exit 1; fi; \
	      echo "   stopped by go.dev/issue/75804 at the time limit; no failing input"; \
	    fi; \
	    grep '^fuzz: elapsed' $$log | tail -1; \
	  done; \
	done

## load: the long load run against the real BFF process (64 users x 400 calls over 4 token expiries).
load: deps-dev
	@$(DEPS) tools redis-server
	$(GO) run ./cmd/load $(LOAD_ARGS)

## bench: the benchmark harness (BFF vs a bare proxy, session crypto, Lambda artifact and start-up,
## program build and mock run) against redis-server, under strace and /usr/bin/time.
## BENCH_ARGS=-sections proxy,micro narrows it. Figures and commands: BENCHMARKS.md.
bench: deps-dev deps-bench-tools
	$(GO) run ./cmd/bench $(BENCH_ARGS)
