// Command pulumipath prints the path of the pinned Pulumi CLI, building it first if this machine
// has not yet (and saying so on stderr): `make deps` runs it so that no test pays for the build,
// and `--pulumi "$(go run ./internal/pulumicli/cmd/pulumipath)"` hands the CLI to a tool.
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
	path, err := pulumicli.Ensure(ctx, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(path)
}
