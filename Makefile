# Gatehouse. A new machine needs two commands: `make dev` runs the app locally, `make test` runs
# every test. Everything else here is optional.
SHELL := /bin/bash
GO ?= go
NPM ?= npm
STACK ?= dev
FORMAT ?= text
NODE_DEVSERVERS := internal/devservers/node
FRONTEND := frontend

.PHONY: test dev review review-all vet test-go test-frontend deps deps-node deps-frontend bench fuzz load

## dev: the local stack (real OpenID Provider, ToDo API, BFF serving the SPA) on http://localhost:8080.
dev: deps
	$(GO) run ./cmd/dev

## test: everything CI runs: vet, the SPA's unit tests, then every Go test against real peers
## (redis-server, dynalite, oidc-provider, Chromium, the pinned Pulumi CLI).
test: vet deps test-frontend test-go

vet:
	$(GO) vet ./...

test-frontend: deps-frontend
	$(NPM) run --prefix $(FRONTEND) typecheck
	$(NPM) test --prefix $(FRONTEND)

# Packages run one at a time at most two abreast: the browser, Pulumi CLI and peer-backed suites
# each start real processes, and the machine has two cores.
test-go: deps
	$(GO) test -count=1 -p 2 -timeout 20m ./...

## review: the offline policy review of one stack, e.g. `make review STACK=govcloud FORMAT=markdown`.
review:
	$(GO) run ./cmd/review --stack $(STACK) --format $(FORMAT)

review-all:
	@for s in dev fedramp govcloud; do $(GO) run ./cmd/review --stack $$s --format $(FORMAT) || exit 1; done

deps: deps-node deps-frontend

deps-node: $(NODE_DEVSERVERS)/node_modules/.package-lock.json
deps-frontend: $(FRONTEND)/node_modules/.package-lock.json

$(NODE_DEVSERVERS)/node_modules/.package-lock.json: $(NODE_DEVSERVERS)/package-lock.json
	$(NPM) ci --prefix $(NODE_DEVSERVERS) --no-audit --no-fund

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	$(NPM) ci --prefix $(FRONTEND) --no-audit --no-fund
