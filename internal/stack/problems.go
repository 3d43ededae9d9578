package stack

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a stack's configuration, with the key it
// concerns and what to change.
type Problem struct {
	Key     string
	Message string
}

// ConfigError lists every configuration problem found, so one run shows them all.
type ConfigError struct {
	Stack    string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gatehouse: stack %q has %d configuration problem(s):", e.Stack, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Key, p.Message)
	}
	return b.String()
}

type problems []Problem

func (ps *problems) add(key, format string, args ...any) {
	*ps = append(*ps, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}
