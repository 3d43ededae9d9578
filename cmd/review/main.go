// Command review runs the Gatehouse program for one stack under Pulumi mocks, without AWS, and
// applies the FedRAMP policy pack to every resource it registers. It prints the inventory by
// component, a Mermaid diagram of the topology, the policy results with their NIST 800-53
// controls and every FedRAMP KSI's status; with --evidence it also writes the authorization
// evidence (boundary, KSIs, OSCAL). Its exit codes are the table shared with cmd/deploy
// (internal/exitcode): 3 when a mandatory rule fails.
//
//	go run ./cmd/review --stack govcloud --format markdown --evidence evidence/govcloud
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse/internal/exitcode"
	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/evidence"
	"github.com/gatehouse/gatehouse/policy/review"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("review", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "Usage: review --stack <name> [--format text|markdown|json] [--evidence DIR] [--root DIR]")
		flags.PrintDefaults()
		fmt.Fprint(stderr, exitcode.Help())
	}
	stack := flags.String("stack", "", "stack to review: reads Pulumi.<stack>.yaml from the project root (required)")
	format := flags.String("format", review.FormatText, "report format: text, markdown or json")
	dir := flags.String("evidence", "", "write the authorization evidence (boundary, KSIs, OSCAL) to this directory")
	root := flags.String("root", "", "project root holding Pulumi.yaml (default: found from the working directory upwards)")
	if err := flags.Parse(args); err != nil {
		return exitcode.Usage
	}
	if *stack == "" {
		fmt.Fprintln(stderr, "review: --stack is required, e.g. --stack govcloud")
		return exitcode.Usage
	}
	switch *format {
	case review.FormatText, review.FormatMarkdown, "md", review.FormatJSON:
	default:
		fmt.Fprintf(stderr, "review: unknown format %q: use text, markdown or json\n", *format)
		return exitcode.Usage
	}
	if *root == "" {
		found, err := offline.ProjectRoot()
		if err != nil {
			fmt.Fprintln(stderr, "review:", err)
			return exitcode.Failed
		}
		*root = found
	}
	return evidence.Review(context.Background(), *root, *stack, *format, *dir, stdout, stderr, "review")
}
