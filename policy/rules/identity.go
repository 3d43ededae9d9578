package rules

import (
	"fmt"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"slices"
	"strings"
)

// Resource types judged by the identity and access rules.
const (
	typeUserPool    = "aws:cognito/userPool:UserPool"
	typeFunctionURL = "aws:lambda/functionUrl:FunctionUrl"
	typeHTTPAPI     = "aws:apigatewayv2/api:Api"
	typeRoute       = "aws:apigatewayv2/route:Route"
	typeStage       = "aws:apigatewayv2/stage:Stage"
)

// Resource types that carry IAM policy documents, and the properties that hold them.
var iamPolicyProperties = map[string][]string{
	"aws:iam/policy:Policy":           {"policy"},
	"aws:iam/rolePolicy:RolePolicy":   {"policy"},
	"aws:iam/userPolicy:UserPolicy":   {"policy"},
	"aws:iam/groupPolicy:GroupPolicy": {"policy"},
	"aws:iam/role:Role":               {"inlinePolicies"},
}

func identityRules() []Rule {
	f := FamilyIdentity
	iamTypes := make([]string, 0, len(iamPolicyProperties))
	for t := range iamPolicyProperties {
		iamTypes = append(iamTypes, t)
	}
	slices.Sort(iamTypes)
	return []Rule{
		resourceRule(f, "cognito-mfa", controls("IA-2(1)", "IA-2(2)", "IA-2(8)"),
			"Cognito user pools require MFA under FedRAMP and never turn it off.",
			types(typeUserPool), func(r Resource, s Settings) []string {
				v := prop(r, "mfaConfiguration")
				mode := str(v)
				if unknown(v) {
					return nil
				}
				if mode == "" {
					mode = "OFF"
				}
				if s.FedRAMP() {
					return msgs(when(mode != "ON", "mfaConfiguration is %q: set \"ON\" (FedRAMP requires MFA for every user)", mode))
				}
				return msgs(when(mode == "OFF", "mfaConfiguration is \"OFF\": set \"ON\" or \"OPTIONAL\""))
			}),
		resourceRule(f, "cognito-password-policy", controls("IA-5(1)"),
			"Cognito password policies need 12+ characters under FedRAMP (8+ otherwise), all character classes, and temporary passwords valid 7 days or less.",
			types(typeUserPool), func(r Resource, s Settings) []string {
				p := prop(r, "passwordPolicy")
				if unknown(p) {
					return nil
				}
				minimum := 8.0
				if s.FedRAMP() {
					minimum = 12
				}
				length, ok := num(get(p, "minimumLength"))
				if !ok {
					length = 8
				}
				var missing []string
				for _, key := range []string{"requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols"} {
					if !isTrue(get(p, key)) {
						missing = append(missing, key)
					}
				}
				days, ok := num(get(p, "temporaryPasswordValidityDays"))
				return msgs(
					when(length < minimum, "passwordPolicy.minimumLength is %v: set at least %v", length, minimum),
					when(len(missing) > 0, "set %s to true in passwordPolicy", strings.Join(missing, ", ")),
					when(ok && days > 7, "passwordPolicy.temporaryPasswordValidityDays is %v: set 7 or less", days))
			}),
		resourceRule(f, "cognito-advanced-security", controls("SI-4", "AC-7", "IA-5"),
			"Cognito threat protection (advanced security) is ENFORCED where the partition offers it (not in GovCloud).",
			types(typeUserPool), func(r Resource, s Settings) []string {
				if s.GovCloud() {
					return nil
				}
				v := prop(r, "userPoolAddOns", "advancedSecurityMode")
				return msgs(when(!unknown(v) && str(v) != "ENFORCED",
					"set userPoolAddOns.advancedSecurityMode \"ENFORCED\" (with userPoolTier \"PLUS\")"))
			}),
		resourceRule(f, "cognito-deletion-protection", controls("CP-9", "CM-3", "AC-2"),
			"Cognito user pools have deletion protection on, so a mistaken destroy cannot drop every account.",
			types(typeUserPool), func(r Resource, _ Settings) []string {
				v := prop(r, "deletionProtection")
				return msgs(when(!unknown(v) && str(v) != "ACTIVE", "set deletionProtection \"ACTIVE\""))
			}),
		mandatory(resourceRule(f, "iam-no-admin-wildcard", controls("AC-6", "AC-6(10)", "AC-3"),
			"IAM policies never allow every action (\"*\" or \"*:*\") on every resource.",
			iamTypes, func(r Resource, _ Settings) []string {
				return iamFindings(r, func(s statement) bool {
					return slices.ContainsFunc(s.actions(), func(a string) bool { return a == "*" || a == "*:*" }) &&
						slices.Contains(s.resources(), "*")
				}, "allows every action on every resource: name the actions and resources the role needs")
			})),
		resourceRule(f, "iam-no-kms-decrypt-wildcard", controls("AC-6", "SC-12"),
			"IAM policies never allow kms:Decrypt on every key; they name the keys.",
			iamTypes, func(r Resource, _ Settings) []string {
				return iamFindings(r, func(s statement) bool {
					return slices.ContainsFunc(s.actions(), func(a string) bool {
						a = strings.ToLower(a)
						return a == "kms:decrypt" || a == "kms:*" || a == "kms:decrypt*"
					}) && slices.Contains(s.resources(), "*")
				}, "allows kms:Decrypt on \"*\": list the key ARNs in Resource")
			}),
		mandatory(resourceRule(f, "lambda-function-url-auth", controls("AC-3", "IA-2", "SC-7"),
			"Lambda function URLs require AWS_IAM authorization, never NONE.",
			types(typeFunctionURL), func(r Resource, _ Settings) []string {
				v := prop(r, "authorizationType")
				return msgs(when(!unknown(v) && str(v) != "AWS_IAM",
					"authorizationType is %q: set \"AWS_IAM\" and sign requests from CloudFront with an origin access control", str(v)))
			})),
		concerning(stackRule(f, "apigatewayv2-route-authorization", controls("AC-3", "IA-2", "SC-7"),
			"HTTP API routes have an authorizer, or the API is reachable only through CloudFront with the "+OriginVerifyHeader+" header the BFF checks.",
			checkRouteAuthorization), typeRoute),
		concerning(stackRule(f, "s3-bucket-ownership-enforced", controls("AC-3", "AC-6"),
			"S3 buckets disable ACLs (BucketOwnerEnforced); only CloudFront standard-log buckets may keep BucketOwnerPreferred.",
			func(st *Stack) []Finding {
				return eachBucket(st, func(b Resource) string {
					for _, c := range bucketSettings(st, b, typeBucketOwnership) {
						for _, rule := range items(prop(c, "rule")) {
							v := get(rule, "objectOwnership")
							if unknown(v) || str(v) == "BucketOwnerEnforced" ||
								(str(v) == "BucketOwnerPreferred" && cloudFrontLogBucket(st, b)) {
								return ""
							}
							return fmt.Sprintf("objectOwnership is %q: set \"BucketOwnerEnforced\"", str(v))
						}
					}
					return "add an aws.s3.BucketOwnershipControls for this bucket with objectOwnership \"BucketOwnerEnforced\""
				})
			}), typeBucketV2, typeBucket),
	}
}

// iamFindings reports each Allow statement of r's policy documents that matches bad.
func iamFindings(r Resource, bad func(statement) bool, fix string) []string {
	var out []string
	for _, key := range iamPolicyProperties[r.Type] {
		v := prop(r, key)
		docs := items(v)
		if v.IsString() {
			docs = []property.Value{v}
		}
		for _, d := range docs {
			if d.IsMap() {
				d = get(d, "policy")
			}
			doc, _ := jsonDoc(d)
			for _, s := range statements(doc) {
				if s.allow() && bad(s) {
					out = append(out, fmt.Sprintf("statement %q %s", s.sid(), fix))
				}
			}
		}
	}
	return out
}

// checkRouteAuthorization accepts a route with an authorizer, or an unauthenticated route of an API
// that a CloudFront origin reaches with the origin-verify header.
func checkRouteAuthorization(st *Stack) []Finding {
	var out []Finding
	for _, route := range st.OfType(typeRoute) {
		kind := prop(route, "authorizationType")
		if unknown(kind) || (str(kind) != "" && str(kind) != "NONE") {
			continue
		}
		if behindOriginVerify(st, route) {
			continue
		}
		out = append(out, Finding{URN: route.URN, Message: fmt.Sprintf(
			"route %q has no authorizer: set authorizationType (JWT or AWS_IAM), or front the API with CloudFront "+
				"and add the %s custom header to its origin", str(prop(route, "routeKey")), OriginVerifyHeader)})
	}
	return out
}

func behindOriginVerify(st *Stack, route Resource) bool {
	var apis []Resource
	for _, api := range st.OfType(typeHTTPAPI) {
		if refersTo(route, "apiId", api) {
			apis = append(apis, api)
		}
	}
	for _, d := range st.OfType(typeDistribution) {
		for _, o := range items(prop(d, "origins")) {
			if !hasOriginVerifyHeader(o) {
				continue
			}
			for _, api := range apis {
				if refersTo(d, "origins", api) || slices.Contains(d.Dependencies, api.URN) ||
					slices.ContainsFunc(st.Referring(api, "apiId", typeStage), func(stage Resource) bool {
						return refersTo(d, "origins", stage)
					}) {
					return true
				}
			}
		}
	}
	return false
}

func hasOriginVerifyHeader(origin property.Value) bool {
	for _, h := range items(get(origin, "customHeaders")) {
		if strings.EqualFold(str(get(h, "name")), OriginVerifyHeader) && set(get(h, "value")) {
			return true
		}
	}
	return false
}
