//go:build !unix

package pulumicli

import "context"

// lockFile is a no-op where flock does not exist; the build still installs the binary with an
// atomic rename, so a concurrent build wastes time but never leaves a broken binary.
func lockFile(context.Context, string) (func(), error) { return func() {}, nil }
