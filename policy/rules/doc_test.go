package rules_test

import (
	"flag"

	"fmt"
	"github.com/gatehouse/gatehouse/components/names"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

var update = flag.Bool("update", false, "rewrite policy/RULES.md from the catalog")

const rulesDoc = "../RULES.md"

// TestRulesDocument keeps policy/RULES.md, the list reviewers and assessors read, equal to the catalog.
func TestRulesDocument(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, `# Gatehouse FedRAMP policy pack

%d rules for the resources Gatehouse deploys, drawn from the AWS Config FedRAMP High conformance
packs and the cdk-nag NIST 800-53 rev5 pack, plus the services a partition or baseline lacks.
This file is generated from the catalog: `+"`go test ./policy/rules -update`"+`.

- **Enforcement.** Every rule is mandatory in a stack whose compliance is `+"`fedramp-high`"+`, and in
  `+"`aws-us-gov`"+`. Elsewhere the level is the one in the table; policy config can override any level.
- **Partition and compliance.** The policy config properties `+"`partition`"+` (aws, aws-us-gov) and
  `+"`compliance`"+` (none, fedramp-moderate, fedramp-high) win. Set on a resource rule, they apply to it
  and to every stack rule (the engine gives stack rules no config of their own), e.g.
  `+"`{\"kms-key-rotation\": {\"partition\": \"aws-us-gov\"}}`"+`. Otherwise the provider's region decides
  the partition (`+"`us-gov-*`"+` is aws-us-gov), and the stack's `+"`gatehouse:compliance`"+` the baseline.
- **Access-log buckets** are the buckets tagged `+"`%s=%s`"+`, or named as the log destination of
  a load balancer, a distribution or another bucket. They must use SSE-S3; every other bucket SSE-KMS.
- **Unknown values.** In a preview, a value another resource has yet to compute (an ARN, an ID, a
  task definition built from an image digest) is unknown; rules do not judge unknown values, and
  resources refer to each other through the engine's property dependencies. The offline review
  (`+"`make review STACK=<name>`"+`), where every value is known, judges them all.
- **Origin verify.** An HTTP API route without an authorizer passes only when CloudFront reaches the
  API with the secret `+"`%s`"+` header, which the BFF requires.
- **Deployability.** The `+"`deployability`"+` rules catch what AWS would refuse, or what would fail,
  at the first `+"`pulumi up`"+` although every value is well formed; each encodes the AWS
  documentation listed after the table, and each is mandatory in every stack.

| Rule | Family | NIST 800-53 rev5 | Outside FedRAMP High | Requirement |
| --- | --- | --- | --- | --- |
`, len(rules.Catalog()), rules.LogBucketTagKey, rules.LogBucketTagValue, rules.OriginVerifyHeader)
	none := rules.Settings{Partition: rules.PartitionCommercial, Compliance: rules.ComplianceNone}
	for _, r := range rules.Catalog() {
		level := "advisory"
		if r.Level(none) == policyx.EnforcementLevelMandatory {
			level = "mandatory"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.Name, r.Family, strings.Join(r.Controls, ", "), level,
			strings.ReplaceAll(r.Summary, "|", "\\|"))
	}
	b.WriteString("\n## Deployability rules and the AWS documentation they encode\n\n")
	for _, r := range rules.Catalog() {
		if r.Family != rules.FamilyDeployability {
			continue
		}
		fmt.Fprintf(&b, "- `%s`: %s\n", r.Name, r.Doc)
		if r.Name == "aws-name-limits" {
			for _, n := range names.Rules() {
				fmt.Fprintf(&b, "  - `%s` `%s`: %d to %d characters of [%s]%s, %s\n", n.Type, n.Property, n.Min, n.Max,
					strings.ReplaceAll(n.Allowed, "|", "\\|"), nameRuleNotes(n), n.Doc)
			}
		}
	}
	if *update {
		if err := os.WriteFile(rulesDoc, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(rulesDoc)
	if err != nil {
		t.Fatalf("%v (run go test ./policy/rules -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("%s is out of date with the catalog: run go test ./policy/rules -update and review the diff", rulesDoc)
	}
}

// nameRuleNotes says what a name rule requires beyond its length and alphabet.
func nameRuleNotes(n names.Rule) string {
	var notes []string
	if n.Prefix != "" {
		notes = append(notes, "after "+"`"+n.Prefix+"`")
	}
	if n.Lower {
		notes = append(notes, "lowercase")
	}
	if n.AlnumEdges {
		notes = append(notes, "a letter or digit at each end")
	}
	for _, p := range n.ReservedPrefixes {
		notes = append(notes, "not beginning "+"`"+p+"`")
	}
	for _, w := range n.ReservedWords {
		notes = append(notes, "without "+"`"+w+"`")
	}
	if n.Global {
		notes = append(notes, "unique across all AWS accounts (derived names carry an account hash)")
	}
	if len(notes) == 0 {
		return ""
	}
	return "; " + strings.Join(notes, ", ")
}
