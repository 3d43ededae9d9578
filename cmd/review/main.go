// Command review runs the Gatehouse program for one stack under Pulumi mocks, without AWS, and
// applies the FedRAMP policy pack to every resource it registers. It prints the inventory by
// component, a Mermaid diagram of the topology and the policy results with their NIST 800-53
// controls, and exits 1 when a mandatory rule fails.
//
//	go run ./cmd/review --stack govcloud --format markdown
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/review"
)

// Exit codes: a failed review is distinct from a review that could not run.
const (
	exitViolations = 1
	exitError      = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("review", flag.ContinueOnError)
	flags.SetOutput(stderr)
	stack := flags.String("stack", "", "stack to review: reads Pulumi.<stack>.yaml from the project root (required)")
	format := flags.String("format", review.FormatText, "report format: text, markdown or json")
	root := flags.String("root", "", "project root holding Pulumi.yaml (default: found from the working directory upwards)")
	if err := flags.Parse(args); err != nil {
		return exitError
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "review: --stack is required, e.g. --stack govcloud")
		return exitError
	}
	if *root == "" {
		found, err := offline.ProjectRoot()
		if err != nil {
			fmt.Fprintln(stderr, "review:", err)
			return exitError
		}
		*root = found
	}
	report, err := review.Run(context.Background(), *root, *stack)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	if err := review.Render(stdout, report, *format); err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	if !report.Passed() {
		fmt.Fprintf(stderr, "review: stack %s has %d mandatory policy violations\n", *stack, report.Mandatory)
		return exitViolations
	}
	return 0
}
