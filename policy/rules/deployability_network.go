package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Account-scoping condition keys: an endpoint statement carrying one of them cannot match a request
// signed by an AWS-owned account for an AWS-owned bucket.
var accountScopingKeys = []string{"aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:ResourceAccount", "aws:ResourceOrgID", "s3:ResourceAccount"}

// checkLayerBucketAccess: ECR answers an image pull with presigned URLs to prod-<region>-starport-
// layer-bucket, signed by an AWS account; an S3 gateway endpoint whose policy admits only this
// account's principals turns every Fargate image pull into a 403.
func checkLayerBucketAccess(st *Stack) []Finding {
	if len(st.OfType(typeTaskDefinition)) == 0 {
		return nil
	}
	var out []Finding
	for _, ep := range st.OfType(typeVpcEndpoint) {
		service := str(prop(ep, "serviceName"))
		region, ok := gatewayS3Region(service, str(prop(ep, "vpcEndpointType")))
		if !ok {
			continue
		}
		v := prop(ep, "policy")
		doc, known := jsonDoc(v)
		if !known || unknown(v) || doc == nil {
			continue // no policy: full access
		}
		layers := fmt.Sprintf("arn:%s:s3:::prod-%s-starport-layer-bucket/*", st.Settings.Partition, region)
		if !allowsLayerBucket(statements(doc), layers) {
			out = append(out, Finding{URN: ep.URN, Message: fmt.Sprintf(
				"the policy of %s lets no AWS-owned principal read %s, where ECR keeps image layers: add an Allow of s3:GetObject on it for \"*\" (%s)",
				service, layers, ecrLayerBucketDoc)})
		}
	}
	return out
}

// gatewayS3Region reads the region of an S3 gateway endpoint's service name, com.amazonaws.<region>.s3.
func gatewayS3Region(service, endpointType string) (string, bool) {
	rest, ok := strings.CutPrefix(service, "com.amazonaws.")
	if !ok || !strings.HasSuffix(rest, ".s3") || (endpointType != "" && !strings.EqualFold(endpointType, "Gateway")) {
		return "", false
	}
	return strings.TrimSuffix(rest, ".s3"), true
}

// allowsLayerBucket is true when an unconditioned Allow covers s3:GetObject on the layer objects and no
// Deny takes it back.
func allowsLayerBucket(sts []statement, layers string) bool {
	allowed := false
	for _, s := range sts {
		covers := slices.ContainsFunc(s.actions(), func(a string) bool { return actionCovers(a, "s3:GetObject") }) &&
			slices.ContainsFunc(s.resources(), func(r string) bool { return arnCovers(r, layers) })
		switch {
		case s.deny() && covers:
			return false
		case s.allow() && covers && s.wildcardPrincipal() && !scopedToAccounts(s):
			allowed = true
		}
	}
	return allowed
}

func scopedToAccounts(s statement) bool {
	for _, op := range []string{"StringEquals", "StringLike", "ForAnyValue:StringEquals", "ForAnyValue:StringLike", "ArnLike", "ArnEquals"} {
		for _, k := range accountScopingKeys {
			if len(s.condition(op, k)) > 0 {
				return true
			}
		}
	}
	return false
}

func actionCovers(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

func arnCovers(pattern, arn string) bool { return wildcardMatch(pattern, arn) }

// wildcardMatch matches IAM's * (any run) and ? (any one character).
func wildcardMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcardMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcardMatch(pattern[1:], s[1:])
	}
	return s != "" && pattern[0] == s[0] && wildcardMatch(pattern[1:], s[1:])
}

// bffRoute is one route of the BFF's GATEHOUSE_ROUTES.
type bffRoute struct {
	Name         string `json:"name"`
	MaxBodyBytes *int64 `json:"maxBodyBytes"`
}

// bffDefaultMaxBodyBytes is the BFF's body limit of a route that sets none.
const bffDefaultMaxBodyBytes = 1 << 20

// coreRuleSetBodyLimit is what the Core Rule Set's SizeRestrictions_BODY blocks above.
const coreRuleSetBodyLimit = 8 << 10

// checkWafBodyLimits compares every web ACL's body-size blocks with the body limits of the routes
// the BFF serves (GATEHOUSE_ROUTES of its Lambda function or container).
func checkWafBodyLimits(st *Stack) []Finding {
	routes := bffRoutes(st)
	if len(routes) == 0 {
		return nil
	}
	var out []Finding
	for _, acl := range st.OfType(typeWebACL) {
		for _, rule := range items(prop(acl, "rules")) {
			name := str(get(rule, "name"))
			if group := get(rule, "statement", "managedRuleGroupStatement"); str(get(group, "name")) == "AWSManagedRulesCommonRuleSet" &&
				get(rule, "overrideAction", "count").IsNull() && !bodySizeRuleCounted(group) {
				if r, limit, ok := largest(routes, nil); ok && limit > coreRuleSetBodyLimit {
					out = append(out, Finding{URN: acl.URN, Message: fmt.Sprintf(
						"rule %q blocks bodies over 8 KB (SizeRestrictions_BODY) but route %q accepts %d bytes: override SizeRestrictions_BODY to count and "+
							"block by its label outside /api/* (%s)", name, r, limit, wafBodySizeDoc)})
				}
			}
			if get(rule, "action", "block").IsNull() {
				continue
			}
			size, scoped := bodySizeBlock(get(rule, "statement"))
			if size < 0 {
				continue
			}
			if r, limit, ok := largest(routes, scoped); ok && limit > size {
				out = append(out, Finding{URN: acl.URN, Message: fmt.Sprintf(
					"rule %q blocks bodies over %d bytes on route %q, which accepts %d: raise the rule's size to the route's limit (%s)",
					name, size, r, limit, wafBodySizeDoc)})
			}
		}
	}
	return out
}

func bodySizeRuleCounted(group property.Value) bool {
	for _, o := range items(get(group, "ruleActionOverrides")) {
		if str(get(o, "name")) == "SizeRestrictions_BODY" && !get(o, "actionToUse", "count").IsNull() {
			return true
		}
	}
	return false
}

// bodySizeBlock finds a size constraint on the body (greater than size) in a rule's statement and
// the URI path matches that scope it; size is -1 when there is none.
func bodySizeBlock(st property.Value) (size int64, paths []property.Value) {
	size = -1
	var walk func(v property.Value, negated bool)
	walk = func(v property.Value, negated bool) {
		if c := get(v, "sizeConstraintStatement"); c.IsMap() && get(c, "fieldToMatch", "body").IsMap() && !negated {
			if n, ok := num(get(c, "size")); ok && (str(get(c, "comparisonOperator")) == "GT" || str(get(c, "comparisonOperator")) == "GE") {
				size = int64(n)
			}
		}
		if b := get(v, "byteMatchStatement"); b.IsMap() && get(b, "fieldToMatch", "uriPath").IsMap() && !negated {
			paths = append(paths, b)
		}
		for _, k := range []string{"andStatement", "orStatement"} {
			for _, s := range items(get(v, k, "statements")) {
				walk(s, negated)
			}
		}
		for _, s := range items(get(v, "notStatement", "statements")) {
			walk(s, !negated)
		}
	}
	walk(st, false)
	return size, paths
}

// largest is the route with the largest body limit among those the path matches select (all
// routes when there are none).
func largest(routes map[string]int64, paths []property.Value) (string, int64, bool) {
	best, bestLimit, found := "", int64(0), false
	for name, limit := range routes {
		if len(paths) > 0 && !slices.ContainsFunc(paths, func(m property.Value) bool { return pathMatches(m, "/api/"+name+"/") }) {
			continue
		}
		if !found || limit > bestLimit || (limit == bestLimit && name < best) {
			best, bestLimit, found = name, limit, true
		}
	}
	return best, bestLimit, found
}

func pathMatches(match property.Value, path string) bool {
	s := str(get(match, "searchString"))
	switch str(get(match, "positionalConstraint")) {
	case "EXACTLY":
		return strings.TrimSuffix(path, "/") == s || path == s
	case "STARTS_WITH":
		return strings.HasPrefix(path, s)
	case "CONTAINS":
		return strings.Contains(path, s)
	}
	return false
}

// bffRoutes reads the routes and body limits from every BFF in the stack.
func bffRoutes(st *Stack) map[string]int64 {
	out := map[string]int64{}
	add := func(raw string) {
		var routes []bffRoute
		if json.Unmarshal([]byte(raw), &routes) != nil {
			return
		}
		for _, r := range routes {
			limit := int64(bffDefaultMaxBodyBytes)
			if r.MaxBodyBytes != nil {
				limit = *r.MaxBodyBytes
			}
			out[r.Name] = max(out[r.Name], limit)
		}
	}
	for _, fn := range st.OfType(typeFunction) {
		if v := prop(fn, "environment", "variables", "GATEHOUSE_ROUTES"); v.IsString() {
			add(v.AsString())
		}
	}
	for _, td := range st.OfType(typeTaskDefinition) {
		v := prop(td, "containerDefinitions")
		if !v.IsString() {
			continue
		}
		var defs []container
		if json.Unmarshal([]byte(v.AsString()), &defs) != nil {
			continue
		}
		for _, c := range defs {
			for _, e := range c.Environment {
				if e.Name == "GATEHOUSE_ROUTES" {
					add(e.Value)
				}
			}
		}
	}
	return out
}
