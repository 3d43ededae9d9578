// Package exitcode is the one table of exit codes shared by the Gatehouse commands that CI runs
// (cmd/review and cmd/deploy), so a pipeline reads the same number the same way from both.
package exitcode

import (
	"fmt"
	"strings"
)

// The exit codes.
const (
	// OK: the command did what was asked; a review found no mandatory violation.
	OK = 0
	// Failed: the command could not do its work (a stack file that does not load, a program or
	// engine error, a failed deployment, evidence that could not be written).
	Failed = 1
	// Usage: the command line is wrong; nothing was run.
	Usage = 2
	// Policy: a mandatory policy rule failed (in an offline review, or in the preview before up,
	// which then deploys nothing).
	Policy = 3
)

// Code is one row of the table.
type Code struct {
	Code    int
	Name    string
	Meaning string
}

// Table lists every code with its meaning, for help texts and documentation.
var Table = []Code{
	{OK, "success", "the command did what was asked; a review found no mandatory violation"},
	{Failed, "failure", "the command could not do its work: a stack file that does not load, a program or engine error, a failed deployment, evidence that could not be written"},
	{Usage, "invalid arguments", "the command line is wrong; nothing was run"},
	{Policy, "mandatory policy violation", "a mandatory rule failed, in the offline review or in the preview that `up` runs first (and then nothing is deployed)"},
}

// Markdown renders the table as README.md shows it.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Exit code | Meaning |\n| --- | --- |\n")
	for _, c := range Table {
		fmt.Fprintf(&b, "| %d | %s: %s |\n", c.Code, c.Name, c.Meaning)
	}
	return b.String()
}

// Help renders the table for a command's usage text.
func Help() string {
	var b strings.Builder
	b.WriteString("Exit codes:\n")
	for _, c := range Table {
		fmt.Fprintf(&b, "  %d  %s\n", c.Code, c.Name)
	}
	return b.String()
}
