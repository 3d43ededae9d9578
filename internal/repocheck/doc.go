// Package repocheck tests the repository as a whole: .ci/deps, which
// `make test` and `make dev` run first, installs what a fresh machine lacks
// or says in one line how to.
package repocheck
