// Package reliability runs the real BFF binary against real peers
// (redis-server, oidc-provider) and a controllable upstream, to measure and
// prove what users depend on under load, faults and hostile input: no
// session is lost, no error is the BFF's own, a refresh happens once per
// expiry, and malformed or abusive requests are refused cleanly.
//
// The tests of this package are the short versions that run in every
// `go test ./...`; cmd/load drives the long load run with the same code.
package reliability
