package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// runReview runs the offline policy review (cmd/review) for the stack: the program under mocks
// and the same rules as the policy pack, with no backend and no cloud credentials. Its report
// and exit code pass through unchanged, so CI can post the Markdown as is.
func runReview(ctx context.Context, opts *Options, stdout, stderr io.Writer) int {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "deploy: --dir %s: %v\n", opts.Dir, err)
		return exitUsage
	}
	if _, err := os.Stat(filepath.Join(dir, "cmd", "review")); err != nil {
		fmt.Fprintf(stderr, "deploy: review needs the Gatehouse source tree: %s has no cmd/review\n", dir)
		return exitFailed
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/review",
		"--stack", shortStackName(opts.Stack), "--format", opts.ReviewFormat)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		fmt.Fprintf(stderr, "deploy: run the offline review: %v\n", err)
		return exitFailed
	}
}
