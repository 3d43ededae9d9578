package main

import (
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// TestPolicyPackProject checks the file `pulumi preview --policy-pack policy` reads first.
func TestPolicyPackProject(t *testing.T) {
	proj, err := workspace.LoadPolicyPack("PulumiPolicy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if proj.Runtime.Name() != "go" || proj.Version != rules.PackVersion.String() || proj.Description == nil {
		t.Errorf("PulumiPolicy.yaml: runtime %q, version %q; want runtime go, version %s and a description",
			proj.Runtime.Name(), proj.Version, rules.PackVersion)
	}
}
