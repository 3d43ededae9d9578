package evidence

import (
	"fmt"
	"io"
	"strings"
)

func mdCell(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }

// RenderBoundaryMarkdown writes boundary.md: how boundary.json is derived, from the same
// derivations that derive it, and what it holds for this stack.
func RenderBoundaryMarkdown(w io.Writer, b *Boundary) error {
	var s strings.Builder
	names := map[string]string{}
	for _, r := range b.Resources {
		names[r.URN] = r.Service + " " + r.Name
	}
	for _, e := range b.Externals {
		names[e.ID] = e.Name
	}
	count := map[string]int{}
	for _, c := range b.Connections {
		count[c.Derivation]++
	}
	fmt.Fprintf(&s, "# Assessment boundary of stack `%s`\n\n", b.Stack)
	fmt.Fprintf(&s, "Partition %s, region %s, compliance %s, security category %s: %d information resources, "+
		"%d ends outside the stack, %d permitted connections.\n\n", b.Partition, b.Region, b.Compliance, b.SecurityCategory,
		len(b.Resources), len(b.Externals), len(b.Connections))
	s.WriteString(`This file explains how ` + "`boundary.json`" + ` beside it is derived. Both are written by the offline review
(` + "`go run ./cmd/review --stack " + b.Stack + " --evidence <dir>`" + `), which runs the Gatehouse program for the stack
under Pulumi mocks and reads what it would deploy; the code that derives them is ` + "`policy/evidence`" + ` in the
Gatehouse repository. They answer FedRAMP's Minimum Assessment Scope: the information resources of the
offering (MAS-CSO-IIR) and the permitted connections between them and to the outside (MAS-CSO-FLO), as
machine-readable output, this explanation, and the code. ` + "`boundary.schema.json`" + ` is the JSON Schema the
document is validated against before it is written.

## Information resources

Every resource the program registers is listed, except the Gatehouse components, which only group
resources: each resource names its component (` + "`component`, `componentUrn`" + `). URNs are the ones the Pulumi
engine gives the stack's resources, as ` + "`pulumi stack export`" + ` shows them. The region is the one of the
provider the resource is created through. ` + "`data`" + ` is what the resource stores, by its type and its place
in the stack (the session table, a log bucket, the trust store's bucket), and what it carries on its
connections. ` + "`encryptionAtRest`" + ` names the KMS key or scheme of what it stores, read from its encryption
settings.

## Permitted connections

A connection is listed only where the resources' configuration permits it: listeners, security groups,
origins, integrations and Lambda permissions, VPC endpoints, IAM grants, and the endpoints the code is
configured to call. Nothing is drawn by hand: a connection the configuration does not permit does not
appear, and one that appears names the properties it was derived from (` + "`derivedFrom`" + `). Each derivation:

`)
	for _, d := range b.Derivations {
		fmt.Fprintf(&s, "- **%s** (`%s`, %d in this stack). %s\n", d.Title, d.ID, count[d.ID], d.Explanation)
	}
	s.WriteString(`
Each connection has its ends (a resource's URN or an external's id), the protocol and port, the TLS the
receiving end enforces (null in the clear), how the opening end is authenticated, how the data is
encrypted, its direction (inbound from outside the stack, internal, outbound), the data it carries and
the network path where it matters.

## What it does not show

- AWS services acting on a resource's behalf inside AWS, such as DynamoDB using its KMS key
  (` + "`kms:ViaService`" + ` grants), CloudWatch Logs encrypting with the logs key, or ECR layers served from
  AWS's own S3 buckets.
- The deployment itself: the Pulumi engine's and CI's calls to AWS APIs, and the state backend.
- The rest of the AWS account and organisation (CloudTrail, other VPCs, IAM users), and what happens
  inside the upstream APIs and the identity provider.
- DNS resolution, and connections a resource could only make after a change to this configuration.

## Connections of this stack

| From | To | Protocol, port | TLS | Authentication | Direction |
| --- | --- | --- | --- | --- | --- |
`)
	for _, c := range b.Connections {
		tls := "none"
		if c.TLS != nil {
			tls = c.TLS.MinimumVersion + "+, " + c.TLS.Policy
			if c.TLS.FIPS {
				tls += ", FIPS"
			}
		}
		fmt.Fprintf(&s, "| %s | %s | %s %d | %s | %s | %s |\n", mdCell(names[c.From]), mdCell(names[c.To]), mdCell(c.Protocol), c.Port,
			mdCell(tls), mdCell(c.Authentication), c.Direction)
	}
	_, err := io.WriteString(w, s.String())
	return err
}
