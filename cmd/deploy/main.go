// Command deploy drives the Gatehouse stacks from CI with the Pulumi Automation API: offline
// review, preview and up with the policy pack enforced, destroy, refresh and outputs, for a base
// stack or for a pull request's review stack, with JSON and Markdown summaries.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, gatehouseProgram)
	stop()
	os.Exit(code)
}
