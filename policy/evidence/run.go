package evidence

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/exitcode"
	"github.com/gatehouse/gatehouse/policy/review"
)

// Now is the time evidence is stamped with: SOURCE_DATE_EPOCH (seconds since 1970, the
// reproducible-builds convention) when it is set, so a pipeline can make the OSCAL documents
// byte for byte reproducible, else the current time.
func Now() (time.Time, error) {
	if v, ok := os.LookupEnv("SOURCE_DATE_EPOCH"); ok {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970: %w", v, err)
		}
		return time.Unix(secs, 0).UTC(), nil
	}
	return time.Now().UTC(), nil
}

// Review is the offline review as both commands run it: review the stack, print the report in
// format, write the evidence to dir when dir is set, and answer with the shared exit code.
// Messages go to stderr prefixed with the command's name.
func Review(ctx context.Context, root, stack, format, dir string, stdout, stderr io.Writer, name string) int {
	report, err := review.Run(ctx, root, stack)
	if err != nil {
		fmt.Fprintf(stderr, "%s: review of %s: %v\n", name, stack, err)
		return exitcode.Failed
	}
	return Report(report, format, dir, stdout, stderr, name)
}

// Report prints a review's report, writes its evidence when dir is set, and answers with the
// shared exit code: Policy when a mandatory rule failed, even if the evidence was written.
func Report(report *review.Report, format, dir string, stdout, stderr io.Writer, name string) int {
	stack := report.Stack
	if err := review.Render(stdout, report, format); err != nil {
		fmt.Fprintf(stderr, "%s: review of %s: %v\n", name, stack, err)
		return exitcode.Usage
	}
	if dir != "" {
		now, err := Now()
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return exitcode.Failed
		}
		files, err := Write(dir, report, now)
		if err != nil {
			fmt.Fprintf(stderr, "%s: evidence of %s: %v\n", name, stack, err)
			return exitcode.Failed
		}
		fmt.Fprintf(stderr, "%s: wrote %d evidence files of stack %s to %s\n", name, len(files), stack, dir)
	}
	if !report.Passed() {
		fmt.Fprintf(stderr, "%s: review of %s: %d mandatory policy violations\n", name, stack, report.Mandatory)
		return exitcode.Policy
	}
	return exitcode.OK
}
