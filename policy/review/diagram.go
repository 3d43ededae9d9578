package review

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// tier is a box in the topology diagram: its label and its rank from the browser inwards.
type tier struct {
	label string
	rank  int
}

// tiers are the resource types drawn in the diagram; everything else only connects them.
var tiers = map[string]tier{
	"aws:route53/record:Record":                {"Route 53", 1},
	"aws:cloudfront/distribution:Distribution": {"CloudFront", 2},
	"aws:wafv2/webAcl:WebAcl":                  {"WAF", 2},
	"aws:lb/loadBalancer:LoadBalancer":         {"ALB", 3},
	"aws:s3/bucketV2:BucketV2":                 {"S3", 3},
	"aws:apigatewayv2/api:Api":                 {"API Gateway", 3},
	"aws:lambda/function:Function":             {"Lambda", 4},
	"aws:ecs/service:Service":                  {"ECS Fargate", 4},
	"aws:cognito/userPool:UserPool":            {"Cognito", 5},
	"aws:dynamodb/table:Table":                 {"DynamoDB", 5},
	"aws:secretsmanager/secret:Secret":         {"Secrets Manager", 5},
	"aws:ecr/repository:Repository":            {"ECR", 5},
	"awsx:ec2:Vpc":                             {"VPC", 5},
	"aws:ec2/vpc:Vpc":                          {"VPC", 5},
}

// opaque resources are shared by many others (keys, logs, providers); a path through them says
// nothing about the topology.
var opaque = []string{"aws:kms/", "aws:cloudwatch/", "aws:iam/", "pulumi:providers:"}

func isOpaque(t string) bool {
	return slices.ContainsFunc(opaque, func(p string) bool { return strings.HasPrefix(t, p) })
}

// Diagram draws the topology as a Mermaid flowchart: the browser, then every drawn resource,
// joined where one refers to another directly or through connecting resources (listeners,
// integrations, associations, policies).
func Diagram(resources []rules.Resource) string {
	var drawn []rules.Resource
	for _, r := range resources {
		if _, ok := tiers[r.Type]; ok && !rules.IsLogBucket(resources, r) {
			drawn = append(drawn, r)
		}
	}
	adjacent := links(resources)
	id := func(r rules.Resource) string {
		return fmt.Sprintf("n%d", slices.IndexFunc(drawn, func(d rules.Resource) bool { return d.URN == r.URN }))
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n    browser([Browser])\n")
	for _, r := range drawn {
		fmt.Fprintf(&b, "    %s[\"%s<br/>%s\"]\n", id(r), tiers[r.Type].label, r.Name)
	}
	var edges []string
	for _, a := range drawn {
		for _, z := range reachable(a.URN, adjacent, resources) {
			i := slices.IndexFunc(drawn, func(d rules.Resource) bool { return d.URN == z })
			if i < 0 || z == a.URN {
				continue
			}
			from, to := a, drawn[i]
			waf := from.Type == "aws:wafv2/webAcl:WebAcl" || to.Type == "aws:wafv2/webAcl:WebAcl"
			if tiers[from.Type].rank > tiers[to.Type].rank || (tiers[from.Type].rank == tiers[to.Type].rank && (!waf || to.Type == "aws:wafv2/webAcl:WebAcl")) {
				continue
			}
			arrow := "-->"
			if waf {
				arrow = "-.->"
			}
			edges = append(edges, fmt.Sprintf("    %s %s %s\n", id(from), arrow, id(to)))
		}
	}
	entry := 4 // the browser reaches at most the load balancers, buckets and APIs
	for _, r := range drawn {
		if t := tiers[r.Type]; t.label != "WAF" && t.rank < entry {
			entry = t.rank
		}
	}
	for _, r := range drawn {
		if t := tiers[r.Type]; t.rank == entry && t.label != "WAF" {
			edges = append(edges, fmt.Sprintf("    browser --> %s\n", id(r)))
		}
	}
	slices.Sort(edges)
	for _, e := range slices.Compact(edges) {
		b.WriteString(e)
	}
	return b.String()
}

// links maps each resource to the resources it refers to or that refer to it, by value.
func links(resources []rules.Resource) map[string][]string {
	ids := map[string][]string{}
	for _, r := range resources {
		keys := []string{"arn", "id", "invokeArn", "apiEndpoint", "bucketRegionalDomainName", "dnsName", "domainName", "vpcId"}
		if r.Type == "aws:dynamodb/table:Table" {
			keys = append(keys, "name") // services find their table by name
		}
		for _, key := range keys {
			if v := r.Properties.Get(key); v.IsString() && len(v.AsString()) > 6 {
				ids[r.URN] = append(ids[r.URN], strings.TrimPrefix(v.AsString(), "https://"))
			}
		}
	}
	adjacent := map[string][]string{}
	for _, from := range resources {
		var texts []string
		for key, v := range from.Properties.All {
			if key != "arn" && key != "id" && key != "name" {
				collect(v, &texts)
			}
		}
		for _, to := range resources {
			if to.URN == from.URN {
				continue
			}
			if slices.ContainsFunc(ids[to.URN], func(id string) bool {
				return slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, id) })
			}) {
				adjacent[from.URN] = append(adjacent[from.URN], to.URN)
				adjacent[to.URN] = append(adjacent[to.URN], from.URN)
			}
		}
	}
	return adjacent
}

func collect(v property.Value, out *[]string) {
	switch {
	case v.IsString():
		*out = append(*out, v.AsString())
	case v.IsArray():
		for _, e := range v.AsArray().AsSlice() {
			collect(e, out)
		}
	case v.IsMap():
		for _, e := range v.AsMap().AsMap() {
			collect(e, out)
		}
	}
}

// reachable lists the drawn resources reachable from start through at most two connecting,
// non-opaque resources.
func reachable(start string, adjacent map[string][]string, resources []rules.Resource) []string {
	typeOf := map[string]string{}
	for _, r := range resources {
		typeOf[r.URN] = r.Type
	}
	var out []string
	seen := map[string]bool{start: true}
	frontier := []string{start}
	for depth := 0; depth < 3 && len(frontier) > 0; depth++ {
		var next []string
		for _, u := range frontier {
			for _, v := range adjacent[u] {
				if seen[v] {
					continue
				}
				seen[v] = true
				if _, drawn := tiers[typeOf[v]]; drawn {
					out = append(out, v)
				} else if !isOpaque(typeOf[v]) {
					next = append(next, v)
				}
			}
		}
		frontier = next
	}
	slices.Sort(out)
	return out
}
