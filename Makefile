# Gatehouse: the two commands a new machine needs are `make dev` and `make test`.
SHELL := /bin/bash
GO ?= go
NPM ?= npm
NODE_DEVSERVERS := internal/devservers/node

.PHONY: test test-go vet deps-node

## test: everything CI runs: vet, Go tests (with real redis-server, dynalite, oidc-provider).
test: vet deps-node test-go

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 ./...

deps-node: $(NODE_DEVSERVERS)/node_modules/.package-lock.json

$(NODE_DEVSERVERS)/node_modules/.package-lock.json: $(NODE_DEVSERVERS)/package-lock.json
	$(NPM) ci --prefix $(NODE_DEVSERVERS) --no-audit --no-fund
