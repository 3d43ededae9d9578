// Command pulumipath prints the path of the pinned Pulumi CLI, building it first if this machine
// has not yet: CI runs `--pulumi "$(go run ./internal/pulumicli/cmd/pulumipath)"`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/gatehouse/gatehouse/internal/pulumicli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	path, err := pulumicli.Path(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(path)
}
