package components

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func TestEdgeTopologyCloudFront(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))
	dist := only(t, m, "aws:cloudfront/distribution:Distribution")

	if _, ok := offline.Get(dist.Inputs, "customErrorResponses[0]"); ok {
		t.Error("custom error responses would turn API 403/404 JSON into index.html")
	}
	fallback := only(t, m, "aws:cloudfront/function:Function")
	if got := offline.GetString(dist.Inputs, "defaultCacheBehavior.functionAssociations[0].functionArn"); got != offline.GetString(fallback.Outputs, "arn") {
		t.Errorf("default behaviour function %q, want the SPA fallback", got)
	}
	if offline.GetString(dist.Inputs, "defaultCacheBehavior.viewerProtocolPolicy") != "redirect-to-https" {
		t.Error("the default behaviour must redirect HTTP to HTTPS")
	}
	headers := only(t, m, "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
	behaviours := edgeList(dist.Inputs, "orderedCacheBehaviors")
	if len(behaviours) != 2 {
		t.Fatalf("want the /api/* and /auth/* behaviours, got %d", len(behaviours))
	}
	for _, b := range behaviours {
		if _, ok := offline.Get(b, "functionAssociations[0]"); ok {
			t.Errorf("%s must not run the SPA fallback", offline.GetString(b, "pathPattern"))
		}
		if offline.GetString(b, "responseHeadersPolicyId") != headers.ID || offline.GetString(b, "viewerProtocolPolicy") != "https-only" {
			t.Errorf("%s: headers policy %q, viewer protocol %q", offline.GetString(b, "pathPattern"), offline.GetString(b, "responseHeadersPolicyId"), offline.GetString(b, "viewerProtocolPolicy"))
		}
	}
	if offline.GetString(dist.Inputs, "defaultCacheBehavior.responseHeadersPolicyId") != headers.ID {
		t.Error("the SPA behaviour lacks the security headers")
	}

	security := func(path string) resource.PropertyValue {
		v, _ := offline.Get(headers.Inputs, "securityHeadersConfig."+path)
		return v
	}
	wantCSP := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https://gh-test.auth.us-east-1.amazoncognito.com"
	checks := []struct {
		name string
		ok   bool
	}{
		{"HSTS two years", security("strictTransportSecurity.accessControlMaxAgeSec").IsNumber() && security("strictTransportSecurity.accessControlMaxAgeSec").NumberValue() == 63072000},
		{"HSTS preload and subdomains", offline.GetBool(headers.Inputs, "securityHeadersConfig.strictTransportSecurity.preload") && offline.GetBool(headers.Inputs, "securityHeadersConfig.strictTransportSecurity.includeSubdomains")},
		{"CSP", offline.GetString(headers.Inputs, "securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy") == wantCSP},
		{"nosniff", offline.GetBool(headers.Inputs, "securityHeadersConfig.contentTypeOptions.override")},
		{"frame DENY", offline.GetString(headers.Inputs, "securityHeadersConfig.frameOptions.frameOption") == "DENY"},
		{"referrer", offline.GetString(headers.Inputs, "securityHeadersConfig.referrerPolicy.referrerPolicy") == "strict-origin-when-cross-origin"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("response headers: %s missing or wrong: %v", c.name, headers.Inputs["securityHeadersConfig"])
		}
	}

	var api resource.PropertyMap
	for _, o := range edgeList(dist.Inputs, "origins") {
		if offline.GetString(o, "originId") == "api" {
			api = o
		}
	}
	version := named(t, m, "aws:secretsmanager/secretVersion:SecretVersion", "edge-origin-verify")
	if offline.GetString(api, "customHeaders[0].name") != OriginVerifyHeader ||
		offline.GetString(api, "customHeaders[0].value") != offline.GetString(version.Outputs, "secretString") ||
		offline.GetString(api, "customHeaders[0].value") == "" {
		t.Errorf("API origin must send %s with the secret's value: %v", OriginVerifyHeader, api["customHeaders"])
	}
	if offline.GetString(api, "customOriginConfig.originProtocolPolicy") != "https-only" || offline.GetString(api, "customOriginConfig.originSslProtocols[0]") != "TLSv1.2" {
		t.Errorf("API origin must be reached over TLS 1.2: %v", api["customOriginConfig"])
	}
	secret := named(t, m, "aws:secretsmanager/secret:Secret", "edge-origin-verify")
	if offline.GetString(secret.Inputs, "kmsKeyId") != edgeDataKey {
		t.Error("origin-verify secret must use the data CMK")
	}

	logs := named(t, m, "aws:s3/bucketV2:BucketV2", "edge-logs")
	if got := offline.GetString(dist.Inputs, "loggingConfig.bucket"); got != offline.GetString(logs.Outputs, "bucketDomainName") || got == "" {
		t.Errorf("CloudFront logs go to %q, want the log bucket", got)
	}
	if offline.GetBool(dist.Inputs, "loggingConfig.includeCookies") {
		t.Error("CloudFront logs must not include cookies (session ids)")
	}
	for _, rt := range []string{"A", "AAAA"} {
		r := named(t, m, "aws:route53/record:Record", "edge-dns-"+strings.ToLower(rt))
		if offline.GetString(r.Inputs, "aliases[0].name") != offline.GetString(dist.Outputs, "domainName") || offline.GetString(r.Inputs, "name") != "app.example.gov" {
			t.Errorf("%s record: %v", rt, r.Inputs)
		}
	}
	for _, token := range []string{"aws:cloudfront/distribution:Distribution", "aws:cloudfront/function:Function", "aws:cloudfront/originAccessControl:OriginAccessControl", "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"} {
		if r := only(t, m, token); !strings.Contains(r.Provider, "us-east-1") {
			t.Errorf("%s must be managed through the us-east-1 provider, got %q", token, r.Provider)
		}
	}
}

func TestEdgeTopologyBuckets(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	m := edgeUnderMocks(t, edgeArgs(t, acct))
	site := named(t, m, "aws:s3/bucketV2:BucketV2", "edge-site")
	logs := named(t, m, "aws:s3/bucketV2:BucketV2", "edge-logs")

	tests := []struct {
		name, bucket, ownership, sse, kmsKey string
	}{
		{"edge-site", site.ID, "BucketOwnerEnforced", "aws:kms", edgeDataKey},
		{"edge-logs", logs.ID, "BucketOwnerPreferred", "AES256", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pab := named(t, m, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", tt.name)
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if !offline.GetBool(pab.Inputs, k) {
					t.Errorf("public access block %s is off", k)
				}
			}
			own := named(t, m, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", tt.name)
			if got := offline.GetString(own.Inputs, "rule.objectOwnership"); got != tt.ownership {
				t.Errorf("ownership %q, want %q", got, tt.ownership)
			}
			sse := named(t, m, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", tt.name)
			if got := offline.GetString(sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"); got != tt.sse {
				t.Errorf("SSE %q, want %q", got, tt.sse)
			}
			if got := offline.GetString(sse.Inputs, "rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"); got != tt.kmsKey {
				t.Errorf("SSE key %q, want %q", got, tt.kmsKey)
			}
			ver := named(t, m, "aws:s3/bucketVersioningV2:BucketVersioningV2", tt.name)
			if offline.GetString(ver.Inputs, "versioningConfiguration.status") != "Enabled" {
				t.Error("versioning is off")
			}
			policy := named(t, m, "aws:s3/bucketPolicy:BucketPolicy", tt.name)
			if offline.GetString(policy.Inputs, "bucket") != tt.bucket || !strings.Contains(offline.GetString(policy.Inputs, "policy"), `"aws:SecureTransport":"false"`) {
				t.Errorf("policy is not TLS-only: %s", offline.GetString(policy.Inputs, "policy"))
			}
		})
	}
	logging := named(t, m, "aws:s3/bucketLoggingV2:BucketLoggingV2", "edge-site")
	if offline.GetString(logging.Inputs, "targetBucket") != offline.GetString(logs.Outputs, "bucket") {
		t.Errorf("site bucket access logs go to %q", offline.GetString(logging.Inputs, "targetBucket"))
	}

	objects := map[string]offline.Resource{}
	for _, o := range m.ByType("aws:s3/bucketObjectv2:BucketObjectv2") {
		objects[offline.GetString(o.Inputs, "key")] = o
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
		if offline.GetString(o.Inputs, "contentType") != w[0] || offline.GetString(o.Inputs, "cacheControl") != w[1] {
			t.Errorf("asset %s: %q / %q, want %q / %q", key, offline.GetString(o.Inputs, "contentType"), offline.GetString(o.Inputs, "cacheControl"), w[0], w[1])
		}
		if offline.GetString(o.Inputs, "serverSideEncryption") != "aws:kms" || offline.GetString(o.Inputs, "kmsKeyId") != edgeDataKey || offline.GetString(o.Inputs, "sourceHash") == "" {
			t.Errorf("asset %s must be SSE-KMS with a source hash: %v", key, o.Inputs)
		}
		if offline.GetString(o.Inputs, "bucket") != site.ID {
			t.Errorf("asset %s is not in the site bucket", key)
		}
	}
}
