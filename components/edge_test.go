package components

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mocks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	edgeDataKey     = "arn:aws:kms:us-east-1:123456789012:key/data"
	edgeLogsKey     = "arn:aws:kms:us-east-1:123456789012:key/logs"
	edgeSessionsKey = "arn:aws:kms:us-east-1:123456789012:key/sessions"
	edgeWebAcl      = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/acl/abc"
	edgeTableArn    = "arn:aws:dynamodb:us-east-1:123456789012:table/sessions"
)

// edgeArgs are complete arguments, with a domain, a route and the sample
// ToDo API, for tweaking per test. The Lambda code is a placeholder file:
// mocks never read archives.
func edgeArgs(t *testing.T, acct *Account) *EdgeTopologyArgs {
	t.Helper()
	dir := t.TempDir()
	zip := filepath.Join(dir, "bootstrap.zip")
	if err := os.WriteFile(zip, []byte("zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, []byte("<!doctype html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	code := LambdaCode{Path: zip, SourceCodeHash: "aGFzaA=="}
	return &EdgeTopologyArgs{
		Account:          acct,
		DataKeyArn:       pulumi.String(edgeDataKey),
		LogsKeyArn:       pulumi.String(edgeLogsKey),
		SessionsKeyArn:   pulumi.String(edgeSessionsKey),
		WebAclArn:        pulumi.String(edgeWebAcl),
		SessionTableName: pulumi.String("sessions"),
		SessionTableArn:  pulumi.String(edgeTableArn),
		Identity: &IdentityArgs{
			Account: acct, DomainPrefix: "gh-test", KmsKeyArn: pulumi.String(edgeDataKey), ApiScopes: []string{"records.read"},
		},
		BffCode: code,
		SiteAssets: []SiteAsset{
			{Key: "index.html", Path: index, ContentType: "text/html; charset=utf-8", CacheControl: "no-cache", SHA256: "aa"},
			{Key: "assets/app-Bx1y2z3w.js", Path: index, ContentType: "text/javascript; charset=utf-8", CacheControl: "public, max-age=31536000, immutable", SHA256: "bb"},
		},
		Domain:         "app.example.gov",
		CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/cert",
		HostedZoneId:   "Z123",
		Routes: []EdgeRoute{{
			Name: "records", Upstream: pulumi.String("https://records.example.gov"), Groups: []string{"staff"},
			Timeout: 15 * time.Second, MaxBodyBytes: 2048,
		}},
		SampleTodo: &SampleTodoArgs{Code: code},
	}
}

func edgeUnderMocks(t *testing.T, args *EdgeTopologyArgs) *mocks.Mocks {
	t.Helper()
	m := mocks.ForRegion(args.Account.Region)
	err := runProgram(t, m, func(ctx *pulumi.Context) error {
		useast1, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		args.UsEast1 = useast1
		_, err = NewEdgeTopology(ctx, "edge", args)
		return err
	})
	if err != nil {
		t.Fatalf("edge topology under mocks: %v", err)
	}
	return m
}

func edgeOnly(t *testing.T, m *mocks.Mocks, token string) mocks.Resource {
	t.Helper()
	rs := m.ByType(token)
	if len(rs) != 1 {
		t.Fatalf("want one %s, got %d", token, len(rs))
	}
	return rs[0]
}

func edgeNamed(t *testing.T, m *mocks.Mocks, token, name string) mocks.Resource {
	t.Helper()
	for _, r := range m.ByType(token) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", token, name)
	return mocks.Resource{}
}

func edgeList(props resource.PropertyMap, path string) []resource.PropertyMap {
	v, ok := mocks.Get(props, path)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []resource.PropertyMap
	for _, e := range v.ArrayValue() {
		for e.IsSecret() || e.IsOutput() {
			if e.IsSecret() {
				e = e.SecretValue().Element
			} else {
				e = e.OutputValue().Element
			}
		}
		if e.IsObject() {
			out = append(out, e.ObjectValue())
		}
	}
	return out
}

type edgePolicy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Resource  any
		Principal any
	}
}

func TestEdgeTopologyCloudFront(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))
	dist := edgeOnly(t, m, "aws:cloudfront/distribution:Distribution")

	if _, ok := mocks.Get(dist.Inputs, "customErrorResponses[0]"); ok {
		t.Error("custom error responses would turn API 403/404 JSON into index.html")
	}
	fallback := edgeOnly(t, m, "aws:cloudfront/function:Function")
	if got := mocks.GetString(dist.Inputs, "defaultCacheBehavior.functionAssociations[0].functionArn"); got != mocks.GetString(fallback.Outputs, "arn") {
		t.Errorf("default behaviour function %q, want the SPA fallback", got)
	}
	if mocks.GetString(dist.Inputs, "defaultCacheBehavior.viewerProtocolPolicy") != "redirect-to-https" {
		t.Error("the default behaviour must redirect HTTP to HTTPS")
	}
	headers := edgeOnly(t, m, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
	behaviours := edgeList(dist.Inputs, "orderedCacheBehaviors")
	if len(behaviours) != 2 {
		t.Fatalf("want the /api/* and /auth/* behaviours, got %d", len(behaviours))
	}
	for _, b := range behaviours {
		if _, ok := mocks.Get(b, "functionAssociations[0]"); ok {
			t.Errorf("%s must not run the SPA fallback", mocks.GetString(b, "pathPattern"))
		}
		if mocks.GetString(b, "responseHeadersPolicyId") != headers.ID || mocks.GetString(b, "viewerProtocolPolicy") != "https-only" {
			t.Errorf("%s: headers policy %q, viewer protocol %q", mocks.GetString(b, "pathPattern"), mocks.GetString(b, "responseHeadersPolicyId"), mocks.GetString(b, "viewerProtocolPolicy"))
		}
	}
	if mocks.GetString(dist.Inputs, "defaultCacheBehavior.responseHeadersPolicyId") != headers.ID {
		t.Error("the SPA behaviour lacks the security headers")
	}

	security := func(path string) resource.PropertyValue {
		v, _ := mocks.Get(headers.Inputs, "securityHeadersConfig."+path)
		return v
	}
	wantCSP := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https://gh-test.auth.us-east-1.amazoncognito.com"
	checks := []struct {
		name string
		ok   bool
	}{
		{"HSTS two years", security("strictTransportSecurity.accessControlMaxAgeSec").IsNumber() && security("strictTransportSecurity.accessControlMaxAgeSec").NumberValue() == 63072000},
		{"HSTS preload and subdomains", mocks.GetBool(headers.Inputs, "securityHeadersConfig.strictTransportSecurity.preload") && mocks.GetBool(headers.Inputs, "securityHeadersConfig.strictTransportSecurity.includeSubdomains")},
		{"CSP", mocks.GetString(headers.Inputs, "securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy") == wantCSP},
		{"nosniff", mocks.GetBool(headers.Inputs, "securityHeadersConfig.contentTypeOptions.override")},
		{"frame DENY", mocks.GetString(headers.Inputs, "securityHeadersConfig.frameOptions.frameOption") == "DENY"},
		{"referrer", mocks.GetString(headers.Inputs, "securityHeadersConfig.referrerPolicy.referrerPolicy") == "strict-origin-when-cross-origin"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("response headers: %s missing or wrong: %v", c.name, headers.Inputs["securityHeadersConfig"])
		}
	}

	var api resource.PropertyMap
	for _, o := range edgeList(dist.Inputs, "origins") {
		if mocks.GetString(o, "originId") == "api" {
			api = o
		}
	}
	version := edgeNamed(t, m, "aws:secretsmanager/secretVersion:SecretVersion", "edge-origin-verify")
	if mocks.GetString(api, "customHeaders[0].name") != OriginVerifyHeader ||
		mocks.GetString(api, "customHeaders[0].value") != mocks.GetString(version.Outputs, "secretString") ||
		mocks.GetString(api, "customHeaders[0].value") == "" {
		t.Errorf("API origin must send %s with the secret's value: %v", OriginVerifyHeader, api["customHeaders"])
	}
	if mocks.GetString(api, "customOriginConfig.originProtocolPolicy") != "https-only" || mocks.GetString(api, "customOriginConfig.originSslProtocols[0]") != "TLSv1.2" {
		t.Errorf("API origin must be reached over TLS 1.2: %v", api["customOriginConfig"])
	}
	secret := edgeNamed(t, m, "aws:secretsmanager/secret:Secret", "edge-origin-verify")
	if mocks.GetString(secret.Inputs, "kmsKeyId") != edgeDataKey {
		t.Error("origin-verify secret must use the data CMK")
	}

	logs := edgeNamed(t, m, "aws:s3/bucketV2:BucketV2", "edge-logs")
	if got := mocks.GetString(dist.Inputs, "loggingConfig.bucket"); got != mocks.GetString(logs.Outputs, "bucketDomainName") || got == "" {
		t.Errorf("CloudFront logs go to %q, want the log bucket", got)
	}
	if mocks.GetBool(dist.Inputs, "loggingConfig.includeCookies") {
		t.Error("CloudFront logs must not include cookies (session ids)")
	}
	for _, rt := range []string{"A", "AAAA"} {
		r := edgeNamed(t, m, "aws:route53/record:Record", "edge-dns-"+strings.ToLower(rt))
		if mocks.GetString(r.Inputs, "aliases[0].name") != mocks.GetString(dist.Outputs, "domainName") || mocks.GetString(r.Inputs, "name") != "app.example.gov" {
			t.Errorf("%s record: %v", rt, r.Inputs)
		}
	}
	for _, token := range []string{"aws:cloudfront/distribution:Distribution", "aws:cloudfront/function:Function", "aws:cloudfront/originAccessControl:OriginAccessControl", "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"} {
		if r := edgeOnly(t, m, token); !strings.Contains(r.Provider, "us-east-1") {
			t.Errorf("%s must be managed through the us-east-1 provider, got %q", token, r.Provider)
		}
	}
}

func TestEdgeTopologyBuckets(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))
	site := edgeNamed(t, m, "aws:s3/bucketV2:BucketV2", "edge-site")
	logs := edgeNamed(t, m, "aws:s3/bucketV2:BucketV2", "edge-logs")

	tests := []struct {
		name, bucket, ownership, sse, kmsKey string
	}{
		{"edge-site", site.ID, "BucketOwnerEnforced", "aws:kms", edgeDataKey},
		{"edge-logs", logs.ID, "BucketOwnerPreferred", "AES256", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pab := edgeNamed(t, m, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", tt.name)
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if !mocks.GetBool(pab.Inputs, k) {
					t.Errorf("public access block %s is off", k)
				}
			}
			own := edgeNamed(t, m, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", tt.name)
			if got := mocks.GetString(own.Inputs, "rule.objectOwnership"); got != tt.ownership {
				t.Errorf("ownership %q, want %q", got, tt.ownership)
			}
			sse := edgeNamed(t, m, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", tt.name)
			if got := mocks.GetString(sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"); got != tt.sse {
				t.Errorf("SSE %q, want %q", got, tt.sse)
			}
			if got := mocks.GetString(sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"); got != tt.kmsKey {
				t.Errorf("SSE key %q, want %q", got, tt.kmsKey)
			}
			ver := edgeNamed(t, m, "aws:s3/bucketVersioningV2:BucketVersioningV2", tt.name)
			if mocks.GetString(ver.Inputs, "versioningConfiguration.status") != "Enabled" {
				t.Error("versioning is off")
			}
			policy := edgeNamed(t, m, "aws:s3/bucketPolicy:BucketPolicy", tt.name)
			if mocks.GetString(policy.Inputs, "bucket") != tt.bucket || !strings.Contains(mocks.GetString(policy.Inputs, "policy"), `"aws:SecureTransport":"false"`) {
				t.Errorf("policy is not TLS-only: %s", mocks.GetString(policy.Inputs, "policy"))
			}
		})
	}
	logging := edgeNamed(t, m, "aws:s3/bucketLoggingV2:BucketLoggingV2", "edge-site")
	if mocks.GetString(logging.Inputs, "targetBucket") != mocks.GetString(logs.Outputs, "bucket") {
		t.Errorf("site bucket access logs go to %q", mocks.GetString(logging.Inputs, "targetBucket"))
	}

	objects := map[string]mocks.Resource{}
	for _, o := range m.ByType("aws:s3/bucketObjectv2:BucketObjectv2") {
		objects[mocks.GetString(o.Inputs, "key")] = o
	}
	want := map[string][2]string{
		"index.html":             {"text/html; charset=utf-8", "no-cache"},
		"assets/app-Bx1y2z3w.js": {"text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
	}
	for key, w := range want {
		o, ok := objects[key]
		if !ok {
			t.Errorf("asset %s not uploaded", key)
			continue
		}
		if mocks.GetString(o.Inputs, "contentType") != w[0] || mocks.GetString(o.Inputs, "cacheControl") != w[1] {
			t.Errorf("asset %s: %q / %q, want %q / %q", key, mocks.GetString(o.Inputs, "contentType"), mocks.GetString(o.Inputs, "cacheControl"), w[0], w[1])
		}
		if mocks.GetString(o.Inputs, "serverSideEncryption") != "aws:kms" || mocks.GetString(o.Inputs, "kmsKeyId") != edgeDataKey || mocks.GetString(o.Inputs, "sourceHash") == "" {
			t.Errorf("asset %s must be SSE-KMS with a source hash: %v", key, o.Inputs)
		}
		if mocks.GetString(o.Inputs, "bucket") != site.ID {
			t.Errorf("asset %s is not in the site bucket", key)
		}
	}
}

func TestEdgeTopologyApiAndLambda(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))

	for _, name := range []string{"edge-api", "edge-todo-api"} {
		stage := edgeNamed(t, m, "aws:apigatewayv2/stage:Stage", name)
		logGroup := edgeNamed(t, m, "aws:cloudwatch/logGroup:LogGroup", name+"-access")
		if mocks.GetString(stage.Inputs, "accessLogSettings.destinationArn") != mocks.GetString(logGroup.Outputs, "arn") {
			t.Errorf("%s: access logs not written to its log group", name)
		}
		if mocks.GetString(logGroup.Inputs, "kmsKeyId") != edgeLogsKey {
			t.Errorf("%s: access log group not under the log CMK", name)
		}
		if burst, _ := mocks.Get(stage.Inputs, "defaultRouteSettings.throttlingBurstLimit"); !burst.IsNumber() || burst.NumberValue() != 200 {
			t.Errorf("%s: default route burst limit %v, want 200", name, burst)
		}
		if rate, _ := mocks.Get(stage.Inputs, "defaultRouteSettings.throttlingRateLimit"); !rate.IsNumber() || rate.NumberValue() != 100 {
			t.Errorf("%s: default route rate limit %v, want 100", name, rate)
		}
	}

	routes := map[string]mocks.Resource{}
	for _, r := range m.ByType("aws:apigatewayv2/route:Route") {
		routes[mocks.GetString(r.Inputs, "routeKey")] = r
	}
	for _, key := range []string{"ANY /api/{proxy+}", "ANY /auth/{proxy+}"} {
		if _, ok := routes[key]; !ok {
			t.Errorf("BFF API lacks route %s", key)
		}
	}
	todoRoute, ok := routes["$default"]
	if !ok || mocks.GetString(todoRoute.Inputs, "authorizationType") != "JWT" {
		t.Errorf("the ToDo API's routes must need a JWT: %v", todoRoute.Inputs)
	}
	client := edgeOnly(t, m, "aws:cognito/userPoolClient:UserPoolClient")
	authorizer := edgeOnly(t, m, "aws:apigatewayv2/authorizer:Authorizer")
	if mocks.GetString(authorizer.Inputs, "jwtConfiguration.audiences[0]") != client.ID || !strings.HasPrefix(mocks.GetString(authorizer.Inputs, "jwtConfiguration.issuer"), "https://cognito-idp.us-east-1.amazonaws.com/") {
		t.Errorf("ToDo authorizer must accept the BFF client's Cognito tokens only: %v", authorizer.Inputs)
	}
	for _, p := range m.ByType("aws:lambda/permission:Permission") {
		if !strings.HasSuffix(mocks.GetString(p.Inputs, "sourceArn"), "/$default/*") {
			t.Errorf("permission %s: source %q is not one API stage", p.Name, mocks.GetString(p.Inputs, "sourceArn"))
		}
	}

	bff := edgeNamed(t, m, "aws:lambda/function:Function", "edge-bff")
	todo := edgeNamed(t, m, "aws:lambda/function:Function", "edge-todo")
	for _, fn := range []mocks.Resource{bff, todo} {
		v, _ := mocks.Get(fn.Inputs, "reservedConcurrentExecutions")
		if mocks.GetString(fn.Inputs, "runtime") != "provided.al2023" || mocks.GetString(fn.Inputs, "architectures[0]") != "arm64" ||
			mocks.GetString(fn.Inputs, "tracingConfig.mode") != "Active" || mocks.GetString(fn.Inputs, "kmsKeyArn") != edgeDataKey ||
			!v.IsNumber() || v.NumberValue() < 1 {
			t.Errorf("%s is not hardened: %v", fn.Name, fn.Inputs)
		}
		logGroup := edgeNamed(t, m, "aws:cloudwatch/logGroup:LogGroup", fn.Name)
		if mocks.GetString(fn.Inputs, "loggingConfig.logGroup") != mocks.GetString(logGroup.Outputs, "name") || mocks.GetString(logGroup.Inputs, "kmsKeyId") != edgeLogsKey {
			t.Errorf("%s must log to its own log group under the log CMK", fn.Name)
		}
		policy := edgeNamed(t, m, "aws:iam/rolePolicy:RolePolicy", fn.Name)
		var doc edgePolicy
		if err := json.Unmarshal([]byte(mocks.GetString(policy.Inputs, "policy")), &doc); err != nil {
			t.Fatal(err)
		}
		sids := map[string]bool{}
		for _, s := range doc.Statement {
			sids[s.Sid] = true
			if s.Resource == "*" && s.Sid != "WriteTraces" {
				t.Errorf("%s: statement %s grants %v on every resource", fn.Name, s.Sid, s.Action)
			}
			for _, a := range s.Action {
				if strings.HasSuffix(a, "*") {
					t.Errorf("%s: statement %s uses wildcard action %s", fn.Name, s.Sid, a)
				}
			}
		}
		for _, sid := range []string{"WriteOwnLogs", "WriteTraces", "UseTableKeyThroughDynamoDB"} {
			if !sids[sid] {
				t.Errorf("%s: role policy lacks %s", fn.Name, sid)
			}
		}
	}

	env := func(k string) string { return mocks.GetString(bff.Inputs, "environment.variables."+k) }
	ciphertext := edgeOnly(t, m, "aws:kms/ciphertext:Ciphertext")
	if mocks.GetString(ciphertext.Inputs, "keyId") != edgeSessionsKey || env("GATEHOUSE_DATA_KEY_CIPHERTEXT") != mocks.GetString(ciphertext.Outputs, "ciphertextBlob") {
		t.Error("the session data key must be a ciphertext under the sessions CMK")
	}
	secret := edgeNamed(t, m, "aws:secretsmanager/secret:Secret", "edge-origin-verify")
	wantEnv := map[string]string{
		"GATEHOUSE_MODE":                     "edge",
		"GATEHOUSE_PUBLIC_URL":               "https://app.example.gov",
		"GATEHOUSE_SESSION_STORE":            "dynamodb",
		"GATEHOUSE_SESSION_TABLE":            "sessions",
		"GATEHOUSE_OIDC_CLIENT_ID":           client.ID,
		"GATEHOUSE_ORIGIN_VERIFY_HEADER":     OriginVerifyHeader,
		"GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN": mocks.GetString(secret.Outputs, "arn"),
		"GATEHOUSE_COGNITO_DOMAIN":           "https://gh-test.auth.us-east-1.amazoncognito.com",
		"GATEHOUSE_SESSION_IDLE_TIMEOUT":     "15m0s",
		"GATEHOUSE_OIDC_SCOPES":              "openid email profile gatehouse-api/records.read",
	}
	for k, want := range wantEnv {
		if got := env(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var routeList []map[string]any
	if err := json.Unmarshal([]byte(env("GATEHOUSE_ROUTES")), &routeList); err != nil {
		t.Fatalf("GATEHOUSE_ROUTES: %v", err)
	}
	todoApi := edgeNamed(t, m, "aws:apigatewayv2/api:Api", "edge-todo-api")
	wantRoutes := []map[string]any{
		{"name": "records", "upstream": "https://records.example.gov", "groups": []any{"staff"}, "timeout": "15s", "maxBodyBytes": float64(2048)},
		{"name": "todos", "upstream": mocks.GetString(todoApi.Outputs, "apiEndpoint") + "/todos"},
		{"name": "greeting", "upstream": mocks.GetString(todoApi.Outputs, "apiEndpoint") + "/greeting"},
	}
	got, _ := json.Marshal(routeList)
	want, _ := json.Marshal(wantRoutes)
	if string(got) != string(want) {
		t.Errorf("GATEHOUSE_ROUTES = %s, want %s", got, want)
	}

	table := edgeNamed(t, m, "aws:dynamodb/table:Table", "edge-todo")
	if mocks.GetString(table.Inputs, "hashKey") != "sub" || mocks.GetString(table.Inputs, "rangeKey") != "id" ||
		!mocks.GetBool(table.Inputs, "pointInTimeRecovery.enabled") || mocks.GetString(table.Inputs, "serverSideEncryption.kmsKeyArn") != edgeDataKey {
		t.Errorf("ToDo table does not follow the contract: %v", table.Inputs)
	}
	if mocks.GetString(todo.Inputs, "environment.variables.TODO_TABLE") != mocks.GetString(table.Outputs, "name") ||
		mocks.GetString(todo.Inputs, "environment.variables.TODO_AUDIENCE") != client.ID {
		t.Errorf("ToDo environment: %v", todo.Inputs["environment"])
	}
}

func TestEdgeTopologyChildrenAndFIPS(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	args := edgeArgs(t, acct)
	args.FIPS = true
	m := edgeUnderMocks(t, args)
	for _, r := range m.Resources() {
		if r.Type == "pulumi:providers:aws" || r.Type == "pulumi:pulumi:Stack" || r.Type == "gatehouse:edge:EdgeTopology" {
			continue
		}
		if r.Parent == "" || strings.HasSuffix(r.Parent, "pulumi:pulumi:Stack::gatehouse-test") {
			t.Errorf("%s %s is not parented to the topology", r.Type, r.Name)
		}
	}
	for _, fn := range m.ByType("aws:lambda/function:Function") {
		if mocks.GetString(fn.Inputs, "environment.variables.AWS_USE_FIPS_ENDPOINT") != "true" {
			t.Errorf("%s does not use FIPS endpoints", fn.Name)
		}
	}
}

func TestEdgeTopologyWithoutDomain(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	args := edgeArgs(t, acct)
	args.Domain, args.CertificateArn, args.HostedZoneId, args.SampleTodo, args.Routes = "", "", "", nil, nil
	m := edgeUnderMocks(t, args)
	dist := edgeOnly(t, m, "aws:cloudfront/distribution:Distribution")
	if !mocks.GetBool(dist.Inputs, "viewerCertificate.cloudfrontDefaultCertificate") {
		t.Error("without a domain the distribution keeps CloudFront's certificate")
	}
	if _, ok := mocks.Get(dist.Inputs, "aliases[0]"); ok {
		t.Error("no alias without a domain")
	}
	if n := len(m.ByType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d DNS records without a hosted zone", n)
	}
	client := edgeOnly(t, m, "aws:cognito/userPoolClient:UserPoolClient")
	want := "https://" + mocks.GetString(dist.Outputs, "domainName") + "/auth/callback"
	if got := mocks.GetString(client.Inputs, "callbackUrls[0]"); got != want {
		t.Errorf("callback %q, want %q", got, want)
	}
	bff := edgeOnly(t, m, "aws:lambda/function:Function")
	if got := mocks.GetString(bff.Inputs, "environment.variables.GATEHOUSE_ROUTES"); got != "[]" {
		t.Errorf("GATEHOUSE_ROUTES = %q, want []", got)
	}
}

func TestEdgeTopologyValidation(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	tests := []struct {
		name  string
		tweak func(a *EdgeTopologyArgs)
		want  []string
	}{
		{"nothing given", func(a *EdgeTopologyArgs) { *a = EdgeTopologyArgs{} }, []string{
			"Account is required", "UsEast1 is required", "DataKeyArn, LogsKeyArn and SessionsKeyArn are required",
			"WebAclArn is required", "SessionTableName and SessionTableArn are required", "Identity is required", "BffCode is required",
		}},
		{"GovCloud", func(a *EdgeTopologyArgs) { a.Account = testAccount(PartitionGovCloud, "us-gov-west-1") }, []string{
			"the edge topology needs CloudFront, which aws-us-gov does not have",
		}},
		{"domain, routes and limits", func(a *EdgeTopologyArgs) {
			a.CertificateArn = ""
			a.Routes = []EdgeRoute{{Name: "todos", Upstream: pulumi.String("https://x")}, {Name: "Bad Name"}}
			a.LogRetentionDays = 42
			a.ReservedConcurrency = -1
			a.SessionIdleTimeout = 24 * time.Hour
			a.SampleTodo = &SampleTodoArgs{}
		}, []string{
			`Domain "app.example.gov" needs CertificateArn`,
			`route "todos" is listed twice`,
			`route 1 name "Bad Name"`,
			`route "Bad Name" needs an upstream URL`,
			"LogRetentionDays 42 is not a CloudWatch Logs retention",
			"ReservedConcurrency is -1",
			"SessionIdleTimeout 24h0m0s exceeds SessionAbsoluteTimeout 12h0m0s",
			"SampleTodo.Code is required",
		}},
		{"certificate without domain", func(a *EdgeTopologyArgs) { a.Domain = "" }, []string{
			"CertificateArn and HostedZoneId need Domain",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := edgeArgs(t, acct)
			tt.tweak(args)
			m := mocks.ForRegion("us-east-1")
			err := runProgram(t, m, func(ctx *pulumi.Context) error {
				if args.Account != nil && tt.name != "nothing given" {
					p, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
					if err != nil {
						return err
					}
					args.UsEast1 = p
				}
				_, err := NewEdgeTopology(ctx, "edge", args)
				return err
			})
			if err == nil {
				t.Fatal("invalid arguments accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			for _, r := range m.Resources() {
				if strings.HasPrefix(r.Type, "aws:") {
					t.Fatalf("created %s before validating", r.Type)
				}
			}
		})
	}
}
