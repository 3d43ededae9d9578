package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Pulumi accepts stack names of letters, digits, '-', '_' and '.', optionally qualified as
// org/stack or org/project/stack.
var stackSegment = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)

var reviewSuffix = regexp.MustCompile(`-pr-[0-9]+$`)

func validateStackName(name string) error {
	parts := strings.Split(name, "/")
	if len(parts) > 3 {
		return fmt.Errorf("--stack %q: want NAME, ORG/NAME or ORG/PROJECT/NAME", name)
	}
	for _, p := range parts {
		if !stackSegment.MatchString(p) {
			return fmt.Errorf("--stack %q: each part must be 1-100 letters, digits, '-', '_' or '.'", name)
		}
	}
	return nil
}

// ReviewStackName is the per-pull-request stack for a base stack: dev → dev-pr-42, and
// org/dev → org/dev-pr-42, so the review stack lives next to its base in the same org and project.
func ReviewStackName(base string, pr int) string {
	return base + "-pr-" + strconv.Itoa(pr)
}

// shortStackName is the last part of a possibly qualified name, which is what names the
// Pulumi.<stack>.yaml file.
func shortStackName(name string) string {
	return name[strings.LastIndex(name, "/")+1:]
}

// isReviewStack reports whether a name already carries a review-stack suffix, so a review stack is
// never used as the base of another one (dev-pr-1-pr-2).
func isReviewStack(name string) bool {
	return reviewSuffix.MatchString(shortStackName(name))
}
