package review

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/policy/ksi"
)

// ksiSummary is one line: how many KSIs have each status.
func ksiSummary(k *ksi.Report) string {
	var parts []string
	for _, s := range ksi.Statuses {
		parts = append(parts, fmt.Sprintf("%d %s", k.Counts[s], s))
	}
	return strings.Join(parts, ", ")
}

func ksiMark(status string) string {
	return map[string]string{
		ksi.StatusFailed: "❌", ksi.StatusNotAddressed: "➖", ksi.StatusPartial: "🟡", ksi.StatusSatisfied: "✅",
	}[status]
}

func labels(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = ksi.Label(id)
	}
	return strings.Join(out, ", ")
}

func ksiRules(a ksi.Assessment) string {
	var out []string
	for _, e := range a.Evidence {
		if e.Status == ksi.RuleNotApplicable {
			continue
		}
		mark := ""
		if e.Status == ksi.RuleFail {
			mark = " (failed)"
		}
		out = append(out, "`"+e.Rule+"`"+mark)
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// renderKSIMarkdown is the KSI section of the pull-request comment: the counts and every KSI
// that failed in sight, the full table folded.
func renderKSIMarkdown(b *strings.Builder, k *ksi.Report) {
	b.WriteString("### FedRAMP Key Security Indicators\n\n")
	fmt.Fprintf(b, "%s (FedRAMP Consolidated Rules %s; controls checked against %s).\n\n", ksiSummary(k), k.Dataset.Version, k.Catalog)
	failed := false
	for _, a := range k.Indicators {
		if a.Status != ksi.StatusFailed {
			continue
		}
		if !failed {
			b.WriteString("| Failed KSI | Failing controls | Rules |\n| --- | --- | --- |\n")
			failed = true
		}
		fmt.Fprintf(b, "| %s %s | %s | %s |\n", a.ID, cell(a.Name), labels(a.Failing), ksiRules(a))
	}
	if failed {
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "<details><summary>%d KSIs: status, evidence and what remains the operator's</summary>\n\n", len(k.Indicators))
	b.WriteString("| KSI | Status | Evidenced by | Controls not evidenced by this stack | Operator's responsibility |\n| --- | --- | --- | --- | --- |\n")
	for _, a := range k.Indicators {
		missing := labels(a.Unevidenced)
		if missing == "" {
			missing = "none"
		}
		duty := a.Responsibility
		if a.Reason != "" {
			duty = a.Reason + " " + duty
		}
		fmt.Fprintf(b, "| %s %s | %s %s | %s | %s | %s |\n", a.ID, cell(a.Name), ksiMark(a.Status), a.Status, ksiRules(a), missing, cell(duty))
	}
	b.WriteString("\n</details>\n\n")
}

// renderKSIText lists the KSI counts and the KSIs that failed.
func renderKSIText(b *strings.Builder, k *ksi.Report) {
	fmt.Fprintf(b, "\nFedRAMP Key Security Indicators (%s): %s\n", k.Dataset.Version, ksiSummary(k))
	for _, a := range k.Indicators {
		fmt.Fprintf(b, "  %-27s %s %s\n", a.Status, a.ID, a.Name)
	}
}
