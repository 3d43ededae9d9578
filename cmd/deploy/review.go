package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gatehouse/gatehouse/policy/evidence"
)

// runReview is the offline policy review (the same as cmd/review): the program for the stack's
// Pulumi.<stack>.yaml under mocks, then every rule of the policy pack, with no backend and no cloud
// credentials. Its report is printed as is, so CI can post the Markdown unchanged; --evidence
// writes the authorization evidence beside it.
func runReview(ctx context.Context, opts *Options, stdout, stderr io.Writer) int {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "deploy: --dir %s: %v\n", opts.Dir, err)
		return exitUsage
	}
	return evidence.Review(ctx, dir, shortStackName(opts.Stack), opts.ReviewFormat, opts.EvidenceDir, stdout, stderr, "deploy")
}
