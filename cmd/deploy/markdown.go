package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// opOrder is the column order of the changes table: the operations a reviewer looks for first.
var opOrder = []string{"create", "update", "replace", "create-replacement", "delete-replaced", "delete", "import", "refresh"}

var resultBadge = map[Result]string{
	ResultSucceeded:       "✅",
	ResultFailed:          "❌",
	ResultPolicyViolation: "⛔",
}

var resultWords = map[Result]string{
	ResultSucceeded:       "succeeded",
	ResultFailed:          "failed",
	ResultPolicyViolation: "blocked by a mandatory policy violation",
}

var operationNoun = map[Command]string{CmdPreview: "preview", CmdUp: "update", CmdDestroy: "destroy", CmdRefresh: "refresh"}

// WriteMarkdown renders the summary for a pull-request comment. The first line is an HTML comment
// that CI uses to find and update its earlier comment for the same stack and operation.
func (s *Summary) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- gatehouse-deploy stack=%s operation=%s -->\n", s.Stack, s.Operation)
	fmt.Fprintf(&b, "### %s `%s` of stack `%s` %s\n\n", resultBadge[s.Result], s.Operation, s.Stack, resultWords[s.Result])
	if s.PR > 0 {
		fmt.Fprintf(&b, "Review stack for pull request #%d, with the configuration of `%s`.\n\n", s.PR, s.BaseStack)
	}
	if s.Permalink != "" {
		fmt.Fprintf(&b, "[View this %s in the Pulumi console](%s)\n\n", operationNoun[s.Operation], s.Permalink)
	}
	s.writeChanges(&b)
	s.writePolicy(&b)
	s.writeOutputs(&b)
	s.writeErrors(&b)
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("deploy: write Markdown summary: %w", err)
	}
	return nil
}

func (s *Summary) writeChanges(b *strings.Builder) {
	if s.Operation == CmdOutputs {
		return
	}
	if len(s.Changes) == 0 {
		b.WriteString("**Changes:** none reported.\n\n")
		return
	}
	var parts []string
	for _, op := range orderedOps(s.Changes) {
		label := op
		if op == "same" {
			label = "unchanged"
		}
		parts = append(parts, fmt.Sprintf("%d %s", s.Changes[op], label))
	}
	fmt.Fprintf(b, "**Changes:** %s.\n\n", strings.Join(parts, ", "))
	if len(s.ChangesByType) == 0 {
		return
	}
	seen := map[string]int{}
	for _, ops := range s.ChangesByType {
		for op, n := range ops {
			seen[op] += n
		}
	}
	cols := orderedOps(seen)
	b.WriteString("| Resource type | " + strings.Join(cols, " | ") + " |\n")
	b.WriteString("| --- |" + strings.Repeat(" ---: |", len(cols)) + "\n")
	for _, typ := range sortedKeys(s.ChangesByType) {
		cells := make([]string, len(cols))
		for i, op := range cols {
			if n := s.ChangesByType[typ][op]; n > 0 {
				cells[i] = fmt.Sprint(n)
			}
		}
		fmt.Fprintf(b, "| `%s` | %s |\n", cell(typ), strings.Join(cells, " | "))
	}
	b.WriteString("\n")
}

func (s *Summary) writePolicy(b *strings.Builder) {
	p := s.Policy
	if s.Operation != CmdPreview && s.Operation != CmdUp {
		return
	}
	if p.Skipped {
		b.WriteString("#### Policy\n\n**The policy pack was skipped for this run (`--skip-policy`).**\n\n")
		return
	}
	fmt.Fprintf(b, "#### Policy: %d mandatory, %d advisory\n\n", p.Mandatory, p.Advisory)
	if len(p.Packs) > 0 {
		var packs []string
		for _, name := range sortedKeys(p.Packs) {
			packs = append(packs, fmt.Sprintf("`%s` %s", cell(name), cell(p.Packs[name])))
		}
		fmt.Fprintf(b, "Policy packs: %s.\n\n", strings.Join(packs, ", "))
	}
	if len(p.Violations) == 0 {
		b.WriteString("No violations.\n\n")
		return
	}
	b.WriteString("| Level | Policy | Resource | Message |\n| --- | --- | --- | --- |\n")
	for _, v := range p.Violations {
		fmt.Fprintf(b, "| %s | `%s` | %s | %s |\n", cell(v.EnforcementLevel), cell(v.Policy), resourceCell(v.URN), cell(v.Message))
	}
	b.WriteString("\n")
}

func (s *Summary) writeOutputs(b *strings.Builder) {
	if len(s.Outputs) == 0 {
		return
	}
	b.WriteString("#### Outputs\n\n| Output | Value |\n| --- | --- |\n")
	for _, name := range sortedKeys(s.Outputs) {
		fmt.Fprintf(b, "| `%s` | %s |\n", cell(name), valueCell(s.Outputs[name]))
	}
	b.WriteString("\n")
}

func (s *Summary) writeErrors(b *strings.Builder) {
	if len(s.Errors) == 0 {
		return
	}
	b.WriteString("#### Errors\n\n~~~text\n")
	for _, e := range s.Errors {
		b.WriteString(strings.ReplaceAll(e, "~~~", "～～～") + "\n")
	}
	b.WriteString("~~~\n\n")
}

// resourceCell shows a URN as `name` (type); the full URN is too long for a comment table.
func resourceCell(urn string) string {
	if urn == "" {
		return "(stack)"
	}
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return "`" + cell(urn) + "`"
	}
	types := strings.Split(parts[2], "$")
	return fmt.Sprintf("`%s` (`%s`)", cell(parts[len(parts)-1]), cell(types[len(types)-1]))
}

func valueCell(v any) string {
	if s, ok := v.(string); ok {
		if s == secretMask {
			return "_secret_"
		}
		return "`" + cell(s) + "`"
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return cell(fmt.Sprint(v))
	}
	return "`" + cell(string(raw)) + "`"
}

// cell keeps a value inside one Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\r\n", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "`", "'")
}

func orderedOps(counts map[string]int) []string {
	var ops []string
	known := map[string]bool{}
	for _, op := range opOrder {
		known[op] = true
		if counts[op] > 0 {
			ops = append(ops, op)
		}
	}
	var rest []string
	for op, n := range counts {
		if !known[op] && n > 0 {
			rest = append(rest, op)
		}
	}
	sort.Strings(rest)
	return append(ops, rest...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
