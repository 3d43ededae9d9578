package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/bff/gcpolicy"
)

// withGCPolicy returns env plus the BFF's garbage-collector setting for
// memoryMiB of memory (see package gcpolicy), unless env already sets GOGC or
// GOMEMLIMIT: then the caller's setting stands as given. env is not changed.
func withGCPolicy(env map[string]pulumi.StringInput, memoryMiB int) map[string]pulumi.StringInput {
	out := make(map[string]pulumi.StringInput, len(env)+2)
	for k, v := range env {
		out[k] = v
	}
	if _, ok := env["GOGC"]; ok {
		return out
	}
	if _, ok := env["GOMEMLIMIT"]; ok {
		return out
	}
	for k, v := range gcpolicy.Env(memoryMiB) {
		out[k] = pulumi.String(v)
	}
	return out
}
