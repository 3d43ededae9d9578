// Command policy is the Gatehouse FedRAMP policy pack, run by the Pulumi engine as an analyzer:
// `pulumi preview --policy-pack policy`.
package main

import (
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func main() {
	if err := policyx.Main(newPack); err != nil {
		fmt.Fprintln(os.Stderr, "policy:", err)
		os.Exit(1)
	}
}

// newPack builds the pack for the stack being previewed: enforcement levels follow the stack's
// compliance level and partition, read from its configuration.
func newPack(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	config := map[string]string{}
	for _, key := range rules.StackConfigKeys(ctx.Project()) {
		if v, ok := ctx.GetConfig(key); ok {
			config[key] = v
		}
	}
	return rules.NewPack(rules.StackSettings(config)).PolicyPack()
}
