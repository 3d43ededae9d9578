// Package names holds what AWS accepts as the name of each resource type
// Gatehouse creates, and derives physical names that fit: the stack's own
// name where it fits, otherwise shortened with a short stable hash. The
// components name their resources with it, the mocks refuse what AWS would,
// and the policy pack's deployability rules judge names against the same
// table, so the three cannot disagree. It depends on nothing but the standard
// library, so the policy pack stays small.
package names

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Rule is what AWS accepts as one resource type's name.
type Rule struct {
	// Type is the Pulumi type token, e.g. "aws:lb/loadBalancer:LoadBalancer".
	Type string
	// Property is the input property holding the name ("name", "bucket", "family", "domain").
	Property string
	// Min and Max bound the length, Prefix included.
	Min, Max int
	// Prefix is a fixed start AWS requires, e.g. "alias/" for KMS aliases.
	Prefix string
	// Allowed lists the characters of a valid name after Prefix, as a regexp class body.
	Allowed string
	// Avoid lists characters AWS accepts but derived names leave out (dots
	// in bucket names break virtual-hosted-style HTTPS).
	Avoid string
	// Lower says the name must be lowercase.
	Lower bool
	// AlnumEdges says the name must begin and end with a letter or digit.
	AlnumEdges bool
	// ReservedPrefixes and ReservedSuffixes may not begin or end the name;
	// ReservedWords may not appear in it.
	ReservedPrefixes, ReservedSuffixes, ReservedWords []string
	// Global says the namespace spans every AWS account (S3 buckets, Cognito
	// domain prefixes): derived names always carry a hash of the account.
	Global bool
	// Doc is the AWS documentation the rule encodes.
	Doc string

	allowed *regexp.Regexp
}

// HashLength is the length of the hash a shortened name ends with.
const HashLength = 8

const (
	alnumHyphen      = `a-zA-Z0-9-`
	lowerAlnumHyphen = `a-z0-9-`
	wordHyphen       = `a-zA-Z0-9_-`
	iamChars         = `a-zA-Z0-9_+=,.@-`
	cognitoNameChars = `a-zA-Z0-9_+=,.@ -`
	logGroupChars    = `a-zA-Z0-9._/#-`
	kmsAliasChars    = `a-zA-Z0-9/_-`
)

var elbv2 = func(typ, doc string) Rule {
	return Rule{Type: typ, Property: "name", Min: 1, Max: 32, Allowed: alnumHyphen, AlnumEdges: true,
		ReservedPrefixes: []string{"internal-"}, Doc: doc}
}

// rules is every name rule, by Pulumi type token.
var rules = func() map[string]Rule {
	list := []Rule{
		elbv2("aws:lb/loadBalancer:LoadBalancer", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html"),
		elbv2("aws:alb/loadBalancer:LoadBalancer", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html"),
		elbv2("aws:lb/targetGroup:TargetGroup", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html"),
		elbv2("aws:alb/targetGroup:TargetGroup", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html"),
		elbv2("aws:lb/trustStore:TrustStore", "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTrustStore.html"),
		{Type: "aws:iam/role:Role", Property: "name", Min: 1, Max: 64, Allowed: iamChars,
			Doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"},
		{Type: "aws:iam/rolePolicy:RolePolicy", Property: "name", Min: 1, Max: 128, Allowed: iamChars,
			Doc: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html"},
		{Type: "aws:lambda/function:Function", Property: "name", Min: 1, Max: 64, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"},
		{Type: "aws:s3/bucketV2:BucketV2", Property: "bucket", Min: 3, Max: 63, Allowed: `a-z0-9.-`, Avoid: ".", Lower: true, AlnumEdges: true,
			ReservedPrefixes: []string{"xn--", "sthree-", "amzn-s3-demo-"},
			ReservedSuffixes: []string{"-s3alias", "--ol-s3", "--x-s3", "--table-s3"}, Global: true,
			Doc: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"},
		{Type: "aws:kms/alias:Alias", Property: "name", Min: 7, Max: 256, Prefix: "alias/", Allowed: kmsAliasChars,
			ReservedPrefixes: []string{"aws/"}, Doc: "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html"},
		{Type: "aws:cognito/userPoolDomain:UserPoolDomain", Property: "domain", Min: 1, Max: 63, Allowed: lowerAlnumHyphen, Lower: true,
			AlnumEdges: true, ReservedWords: []string{"aws", "amazon", "cognito"}, Global: true,
			Doc: "https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain-prefix.html"},
		{Type: "aws:cognito/userPool:UserPool", Property: "name", Min: 1, Max: 128, Allowed: cognitoNameChars,
			Doc: "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html"},
		{Type: "aws:cognito/userPoolClient:UserPoolClient", Property: "name", Min: 1, Max: 128, Allowed: cognitoNameChars,
			Doc: "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html"},
		{Type: "aws:ecr/repository:Repository", Property: "name", Min: 2, Max: 256, Allowed: `a-z0-9._/-`, Avoid: "._/", Lower: true, AlnumEdges: true,
			Doc: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html"},
		{Type: "aws:cloudwatch/logGroup:LogGroup", Property: "name", Min: 1, Max: 512, Allowed: logGroupChars,
			Doc: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"},
		{Type: "aws:wafv2/webAcl:WebAcl", Property: "name", Min: 1, Max: 128, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html"},
		{Type: "aws:ecs/cluster:Cluster", Property: "name", Min: 1, Max: 255, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html"},
		{Type: "aws:ecs/service:Service", Property: "name", Min: 1, Max: 255, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html"},
		{Type: "aws:ecs/taskDefinition:TaskDefinition", Property: "family", Min: 1, Max: 255, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html"},
		{Type: "aws:cloudfront/function:Function", Property: "name", Min: 1, Max: 64, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html"},
		{Type: "aws:cloudfront/originAccessControl:OriginAccessControl", Property: "name", Min: 1, Max: 64, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html"},
		{Type: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", Property: "name", Min: 1, Max: 128, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyConfig.html"},
		{Type: "aws:apigatewayv2/api:Api", Property: "name", Min: 1, Max: 128, Allowed: wordHyphen,
			Doc: "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis.html"},
	}
	m := make(map[string]Rule, len(list))
	for _, r := range list {
		r.allowed = regexp.MustCompile(`^[` + r.Allowed + `]*$`)
		m[r.Type] = r
	}
	return m
}()

// Lookup returns the rule of a resource type, if Gatehouse knows one.
func Lookup(typ string) (Rule, bool) {
	r, ok := rules[typ]
	return r, ok
}

// For returns the rule of a type the caller knows to be in the table; it
// panics otherwise, which is a programming error.
func For(typ string) Rule {
	r, ok := rules[typ]
	if !ok {
		panic("names: no rule for " + typ)
	}
	return r
}

// Rules lists every rule, sorted by type.
func Rules() []Rule {
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.Type, b.Type) })
	return out
}

// Check lists what AWS would refuse about name, one message per problem.
func (r Rule) Check(name string) []string {
	var out []string
	if n := len(name); n > r.Max || n < r.Min {
		out = append(out, fmt.Sprintf("is %d characters; AWS accepts %d to %d", n, r.Min, r.Max))
	}
	body, ok := strings.CutPrefix(name, r.Prefix)
	if !ok {
		out = append(out, fmt.Sprintf("must begin with %q", r.Prefix))
	}
	if !r.allowed.MatchString(body) {
		out = append(out, fmt.Sprintf("holds %q, outside the characters AWS accepts [%s]", strings.Join(outside(r, body), ""), r.Allowed))
	}
	if r.Lower && strings.ToLower(body) != body {
		out = append(out, "must be lowercase")
	}
	if r.AlnumEdges && body != "" && (!alnum(body[0]) || !alnum(body[len(body)-1])) {
		out = append(out, "must begin and end with a letter or digit")
	}
	for _, p := range r.ReservedPrefixes {
		if strings.HasPrefix(strings.ToLower(body), p) {
			out = append(out, fmt.Sprintf("begins with %q, which AWS reserves", p))
		}
	}
	for _, s := range r.ReservedSuffixes {
		if strings.HasSuffix(body, s) {
			out = append(out, fmt.Sprintf("ends with %q, which AWS reserves", s))
		}
	}
	for _, w := range r.ReservedWords {
		if strings.Contains(strings.ToLower(body), w) {
			out = append(out, fmt.Sprintf("contains %q, which AWS reserves", w))
		}
	}
	return out
}

// Fit derives a valid name from base (a resource's logical name, which
// starts with <project>-<stack>). A base that is valid as it stands is kept;
// otherwise the characters AWS refuses become hyphens, reserved words and
// prefixes are removed, and the name ends with a hash of base and salt so
// that names which sanitize alike ("a.b" and "a-b") stay distinct. Names too
// long keep their start and their last segment (the resource's role, such as
// "alb" or "execution"). Global namespaces always carry the hash; pass the
// account (and region) as salt.
func (r Rule) Fit(base string, salt ...string) string {
	clean := r.sanitize(base)
	if !r.Global && clean == base && len(r.Prefix)+len(clean) <= r.Max && len(r.Check(r.Prefix+clean)) == 0 {
		return r.Prefix + clean
	}
	return r.withHash(clean, Hash(append([]string{base}, salt...)...))
}

// FitUnique is Fit that always ends with the hash of base and salt, for
// resources whose name must change when a property that forces replacement
// changes (pass those properties as salt), so the replacement can be created
// before the old one is deleted.
func (r Rule) FitUnique(base string, salt ...string) string {
	return r.withHash(r.sanitize(base), Hash(append([]string{base}, salt...)...))
}

func (r Rule) withHash(clean, hash string) string {
	room := r.Max - len(r.Prefix) - len(hash) - 1
	return r.Prefix + shorten(clean, room) + "-" + hash
}

// Hash is the short stable hash names end with: the first HashLength hex
// digits of the SHA-256 of the parts.
func Hash(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])[:HashLength]
}

// sanitize maps base into the rule's alphabet: refused characters become
// hyphens, runs of hyphens collapse, reserved words and prefixes go, and the
// edges are trimmed when they must be letters or digits.
func (r Rule) sanitize(base string) string {
	s := base
	if r.Lower {
		s = strings.ToLower(s)
	}
	var b strings.Builder
	for _, c := range s {
		if c < 0x80 && r.allowed.MatchString(string(c)) && !strings.ContainsRune(r.Avoid, c) {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	s = b.String()
	for _, w := range r.ReservedWords {
		s = strings.ReplaceAll(s, w, "")
	}
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	s = strings.Trim(s, "-")
	for _, p := range r.ReservedPrefixes {
		s = strings.TrimPrefix(s, strings.TrimSuffix(p, "-"))
		s = strings.Trim(s, "-/")
	}
	if s == "" {
		s = "gh"
	}
	return s
}

// shorten keeps s within n characters: its start and, when it fits in a
// third of the room, its last hyphen-separated segment.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	tail := ""
	if i := strings.LastIndexByte(s, '-'); i > 0 && len(s)-i <= n/3 {
		tail = s[i:]
	}
	head := strings.TrimRight(s[:n-len(tail)], "-_./")
	return head + tail
}

func outside(r Rule, s string) []string {
	var out []string
	for _, c := range s {
		if !r.allowed.MatchString(string(c)) && !slices.Contains(out, string(c)) {
			out = append(out, string(c))
		}
	}
	return out
}

func alnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// CheckStack lists what is wrong with a project and stack name as the start
// of every physical name Gatehouse derives: what Fit would have to drop
// rather than carry. Each message says what to change.
func CheckStack(project, stack string) []string {
	var out []string
	for _, part := range []struct{ what, value string }{{"project", project}, {"stack", stack}} {
		if !strings.ContainsFunc(part.value, func(c rune) bool { return c < 0x80 && alnum(byte(c)) }) {
			out = append(out, fmt.Sprintf("%s name %q has no letter or digit: AWS names derived from it would carry nothing of it; rename the %s",
				part.what, part.value, part.what))
		}
	}
	lower := strings.ToLower(project)
	seen := map[string]bool{}
	for _, r := range Rules() {
		for _, p := range r.ReservedPrefixes {
			if r.Prefix == "" && strings.HasPrefix(lower, p) && !seen[p] {
				seen[p] = true
				out = append(out, fmt.Sprintf("project name %q begins with %q, which AWS reserves for %s names (%s); rename the project",
					project, p, r.Type, r.Doc))
			}
		}
	}
	return out
}
