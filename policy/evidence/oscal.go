package evidence

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/policy/ksi"
	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
)

// OSCALVersion is the OSCAL version of the documents, validated with go-oscal's copy of NIST's
// schema for it.
const OSCALVersion = oscal.Version

// ns is the namespace of the properties OSCAL does not define.
const ns = "urn:gatehouse:oscal"

// catalogSource is the canonical location of the catalog the control ids belong to.
const catalogSource = "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json"

// namespace makes every UUID a version 5 UUID of a stable name, so the same review at the same
// time writes the same documents.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:gatehouse:evidence"))

func uuidOf(parts ...string) string {
	return uuid.NewSHA1(namespace, []byte(strings.Join(parts, "\x00"))).String()
}

func prop(name, value string) oscal.Property {
	return oscal.Property{Name: name, Value: value, Ns: ns}
}

// componentDescriptions say what each Gatehouse component is.
var componentDescriptions = map[string]string{
	"gatehouse:security:Keys":             "One customer-managed KMS key per purpose (data, logs, sessions), with rotation and key policies naming only the services that use each key.",
	"gatehouse:security:WebAcl":           "AWS WAF web ACL with AWS managed rule groups and a per-IP rate rule, logging to an encrypted log group with credentials redacted.",
	"gatehouse:data:SessionTable":         "The BFF's DynamoDB session table: on demand, TTL, point-in-time recovery, the data key, deletion protection.",
	"gatehouse:identity:Identity":         "Cognito user pool, the BFF's confidential client (code flow only), hosted-UI domain, groups, resource server and optional SAML/OIDC federation.",
	"gatehouse:storage:SiteBucket":        "The private SPA bucket: public access blocked, versioning, SSE-KMS, TLS-only policy, access logs.",
	"gatehouse:edge:EdgeTopology":         "CloudFront with WAF in front of the SPA bucket and of an API Gateway HTTP API invoking the Lambda BFF.",
	"gatehouse:network:Network":           "A VPC with private subnets in several zones, PrivateLink and gateway endpoints, flow logs and a closed default security group.",
	"gatehouse:registry:Registry":         "ECR repository with a KMS key, immutable tags, scan on push and a lifecycle policy.",
	"gatehouse:alb:LoadBalancer":          "The Application Load Balancer: HTTPS with a FIPS TLS policy, HTTP redirect, invalid headers dropped, strictest desync mitigation, access logs, optional mTLS, Regional WAF.",
	"gatehouse:service:Service":           "ECS cluster and Fargate service in private subnets running the BFF and the SPA from one image, with its roles, log group and scaling.",
	"gatehouse:regional:RegionalTopology": "Network, registry, load balancer and service tied together, with the Route 53 alias.",
}

// ValidateOSCAL checks an OSCAL document with go-oscal's validator against NIST's schema for
// OSCALVersion, which the library carries.
func ValidateOSCAL(doc []byte) error {
	v, err := validation.NewValidatorDesiredVersion(doc, OSCALVersion)
	if err != nil {
		return fmt.Errorf("evidence: OSCAL validator: %w", err)
	}
	if err := v.Validate(); err != nil {
		res, _ := v.GetValidationResult()
		var problems []string
		for _, e := range res.Errors {
			problems = append(problems, e.InstanceLocation+": "+e.Error)
		}
		return fmt.Errorf("evidence: %s does not validate against OSCAL %s: %w\n%s", v.GetModelType(), OSCALVersion, err, strings.Join(problems, "\n"))
	}
	return nil
}

func metadata(title, remarks string, now time.Time) oscal.Metadata {
	party := uuidOf("party", "gatehouse")
	return oscal.Metadata{
		Title:              title,
		LastModified:       now,
		Version:            rules.PackName + " " + rules.PackVersion.String(),
		OscalVersion:       OSCALVersion,
		Remarks:            remarks,
		Roles:              &[]oscal.Role{{ID: "provider", Title: "Provider of the components"}},
		Parties:            &[]oscal.Party{{UUID: party, Type: "organization", Name: "Gatehouse"}},
		ResponsibleParties: &[]oscal.ResponsibleParty{{RoleId: "provider", PartyUuids: []string{party}}},
	}
}

// ComponentDefinition is one OSCAL component per Gatehouse component of the stack, with the
// controls its resources implement: those of every rule that inspected them and passed on them.
func ComponentDefinition(r *review.Report, now time.Time) (*oscal.OscalModels, error) {
	g := newGraph(r.Resources, r.Region)
	failed := map[string]bool{} // rule + URN
	for _, res := range r.Results {
		for _, v := range res.Violations {
			failed[res.Rule+"\x00"+v.Resource] = true
		}
	}
	var components []oscal.DefinedComponent
	for _, c := range g.nodes {
		if !strings.HasPrefix(c.Type, "gatehouse:") {
			continue
		}
		dc := oscal.DefinedComponent{
			UUID:             uuidOf("component", r.Stack, c.URN),
			Type:             "software",
			Title:            c.Type + " " + c.Name,
			Description:      cmpOr(componentDescriptions[c.Type], "Gatehouse component "+c.Type+"."),
			Purpose:          "Part of the Gatehouse stack " + r.Stack + " (" + r.Partition + ", " + r.Compliance + ").",
			Props:            &[]oscal.Property{prop("pulumi-urn", c.URN), prop("pulumi-type", c.Type)},
			ResponsibleRoles: &[]oscal.ResponsibleRole{{RoleId: "provider", PartyUuids: &[]string{uuidOf("party", "gatehouse")}}},
		}
		byControl := map[string][]string{}
		for _, res := range r.Results {
			var inspected []string
			for _, urn := range res.Subjects {
				if n := g.byURN[urn]; n != nil && n.component == c && !failed[res.Rule+"\x00"+urn] {
					inspected = append(inspected, n.Type+" "+n.Name)
				}
			}
			if len(inspected) == 0 {
				continue
			}
			rule, _ := rules.Lookup(res.Rule)
			for _, control := range res.Controls {
				id, err := ksi.ID(control)
				if err != nil {
					return nil, err
				}
				byControl[id] = append(byControl[id], fmt.Sprintf("rule %s: %s (on %s)", res.Rule, strings.TrimSuffix(rule.Summary, "."), strings.Join(inspected, ", ")))
			}
		}
		if len(byControl) > 0 {
			var reqs []oscal.ImplementedRequirementControlImplementation
			for _, id := range sortedControls(byControl) {
				reqs = append(reqs, oscal.ImplementedRequirementControlImplementation{
					UUID:        uuidOf("requirement", r.Stack, c.URN, id),
					ControlId:   id,
					Description: "Implemented by the component's resources as the policy rules check them: " + strings.Join(byControl[id], "; ") + ".",
				})
			}
			dc.ControlImplementations = &[]oscal.ControlImplementationSet{{
				UUID:                    uuidOf("control-implementation", r.Stack, c.URN),
				Source:                  catalogSource,
				Description:             "NIST SP 800-53 Rev. 5 controls this component implements, each evidenced by rules of the " + rules.PackName + " policy pack that inspected its resources and passed in the offline review of stack " + r.Stack + ".",
				ImplementedRequirements: reqs,
			}}
		}
		components = append(components, dc)
	}
	return &oscal.OscalModels{ComponentDefinition: &oscal.ComponentDefinition{
		UUID: uuidOf("component-definition", r.Stack, now.Format(time.RFC3339)),
		Metadata: metadata("Gatehouse components of stack "+r.Stack,
			"Generated by the Gatehouse offline review from the program under Pulumi mocks; every control is evidenced by a policy rule result.", now),
		Components: &components,
	}}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sortedControls orders control ids by family, then number.
func sortedControls(m map[string][]string) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareControls)
	return ids
}

func compareControls(a, b string) int {
	key := func(id string) string {
		family, rest, _ := strings.Cut(id, "-")
		num, enh, _ := strings.Cut(rest, ".")
		return fmt.Sprintf("%s-%04s.%04s", family, num, enh)
	}
	return strings.Compare(key(a), key(b))
}
