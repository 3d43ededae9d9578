package review

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats the report renders to.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// Render writes the report in a format.
func Render(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatText, "":
		return renderText(w, r)
	case FormatMarkdown, "md":
		return renderMarkdown(w, r)
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return fmt.Errorf("review: unknown format %q: use text, markdown or json", format)
}

func verdict(r *Report) string {
	if r.Passed() {
		return "PASS"
	}
	return "FAIL"
}

func summary(r *Report) string {
	return fmt.Sprintf("%d mandatory and %d advisory violations; %d rules passed, %d failed, %d not applicable",
		r.Mandatory, r.Advisory, r.Count("pass"), r.Count("fail"), r.Count("not-applicable"))
}

func renderText(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Gatehouse policy review of stack %s (%s, %s, compliance %s)\n", r.Stack, r.Partition, r.Region, r.Compliance)
	fmt.Fprintf(&b, "Result: %s: %s\n\n", verdict(r), summary(r))
	fmt.Fprintf(&b, "Inventory (%d resources)\n", len(r.Resources))
	var tree func(n *Node, depth int)
	tree = func(n *Node, depth int) {
		fmt.Fprintf(&b, "%s%s %s\n", strings.Repeat("  ", depth+1), n.Type, n.Name)
		for _, c := range n.Children {
			tree(c, depth+1)
		}
	}
	for _, n := range r.Inventory {
		tree(n, 0)
	}
	b.WriteString("\nTopology (Mermaid)\n")
	for _, line := range strings.Split(strings.TrimRight(r.Diagram, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("\nPolicy results\n")
	for _, res := range r.Results {
		status := map[string]string{"pass": "PASS", "fail": "FAIL", "not-applicable": "N/A "}[res.Status]
		fmt.Fprintf(&b, "  %s %-9s %s (%s)\n", status, res.Enforcement, res.Rule, strings.Join(res.Controls, ", "))
		for _, v := range res.Violations {
			fmt.Fprintf(&b, "         %s %s: %s\n", v.Type, v.Name, v.Message)
		}
	}
	if r.KSI != nil {
		renderKSIText(&b, r.KSI)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

func renderMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	mark := "✅"
	if !r.Passed() {
		mark = "❌"
	}
	fmt.Fprintf(&b, "## Gatehouse policy review: `%s`\n\n", r.Stack)
	fmt.Fprintf(&b, "%s **%s**: %s.\n\n", mark, verdict(r), summary(r))
	b.WriteString("| Partition | Region | Compliance | Resources |\n| --- | --- | --- | --- |\n")
	fmt.Fprintf(&b, "| %s | %s | %s | %d |\n\n", r.Partition, r.Region, r.Compliance, len(r.Resources))

	b.WriteString("### Violations\n\n")
	if r.Count("fail") == 0 {
		b.WriteString("None.\n\n")
	} else {
		b.WriteString("| Enforcement | Rule | NIST 800-53 rev5 | Resource | How to fix |\n| --- | --- | --- | --- | --- |\n")
		for _, res := range r.Results {
			for _, v := range res.Violations {
				resource := "the stack"
				if v.Name != "" {
					resource = fmt.Sprintf("`%s` %s", v.Type, v.Name)
				}
				fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", res.Enforcement, res.Rule, strings.Join(res.Controls, ", "), cell(resource), cell(v.Message))
			}
		}
		b.WriteString("\n")
	}

	if r.KSI != nil {
		renderKSIMarkdown(&b, r.KSI)
	}

	b.WriteString("### Topology\n\n```mermaid\n" + r.Diagram + "```\n\n")

	fmt.Fprintf(&b, "### Inventory\n\n<details><summary>%d resources in %d top-level groups</summary>\n\n", len(r.Resources), len(r.Inventory))
	var tree func(n *Node, depth int)
	tree = func(n *Node, depth int) {
		fmt.Fprintf(&b, "%s- `%s` %s\n", strings.Repeat("  ", depth), n.Type, n.Name)
		for _, c := range n.Children {
			tree(c, depth+1)
		}
	}
	for _, n := range r.Inventory {
		tree(n, 0)
	}
	b.WriteString("\n</details>\n\n")

	fmt.Fprintf(&b, "### Rules\n\n<details><summary>%d rules</summary>\n\n", len(r.Results))
	b.WriteString("| Status | Rule | Enforcement | Requirement |\n| --- | --- | --- | --- |\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", res.Status, res.Rule, res.Enforcement, cell(res.Description))
	}
	b.WriteString("\n</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
