// Package integration holds the BFF's end-to-end tests: the real binary's
// handler against oidc-provider, each session store, and a test upstream.
package integration
