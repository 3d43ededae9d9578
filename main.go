// Gatehouse deploys a single-page app and its backend-for-frontend on AWS.
// The program lives in internal/stack; this file only hands it to Pulumi.
package main

import (
	"github.com/gatehouse/gatehouse/internal/stack"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(stack.Deploy)
}
