// Package repocheck tests the repository as a whole: every relative link in
// its Markdown resolves inside it and nothing in it points outside it, and
// .ci/deps, which `make test` and `make dev` run first, installs what a
// fresh machine lacks or says in one line how to.
package repocheck
