package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gatehouse/gatehouse/policy/review"
)

// runReview is the offline policy review (the same as cmd/review): the program for the stack's
// Pulumi.<stack>.yaml under mocks, then every rule of the policy pack, with no backend and no cloud
// credentials. Its report is printed as is, so CI can post the Markdown unchanged.
func runReview(ctx context.Context, opts *Options, stdout, stderr io.Writer) int {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "deploy: --dir %s: %v\n", opts.Dir, err)
		return exitUsage
	}
	stack := shortStackName(opts.Stack)
	report, err := review.Run(ctx, dir, stack)
	if err != nil {
		fmt.Fprintf(stderr, "deploy: review of %s: %v\n", stack, err)
		return exitFailed
	}
	if err := review.Render(stdout, report, opts.ReviewFormat); err != nil {
		fmt.Fprintf(stderr, "deploy: review of %s: %v\n", stack, err)
		return exitFailed
	}
	if !report.Passed() {
		fmt.Fprintf(stderr, "deploy: review of %s: %d mandatory policy violations\n", stack, report.Mandatory)
		return exitPolicy
	}
	return exitOK
}
