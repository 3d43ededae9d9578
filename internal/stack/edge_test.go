package stack

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	bffconfig "github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	edgeDistributionType = "aws:cloudfront/distribution:Distribution"
	edgeFunctionType     = "aws:lambda/function:Function"
)

// edgeStacks are the shipped stack files deployed with the edge topology.
// The SPA comes from a small fixture so the tests do not depend on the
// frontend's toolchain; the Lambda zips are built for real.
var edgeStacks = []struct {
	stack     string
	overrides map[string]string
	domain    string
}{
	{stack: "dev", overrides: map[string]string{}},
	{stack: "fedramp", overrides: map[string]string{"gatehouse:topology": "edge"}, domain: "app.fedramp.example.gov"},
}

func runEdgeStack(t *testing.T, stack string, overrides map[string]string) *offline.Mocks {
	t.Helper()
	all := map[string]string{key("spaDist"): "internal/artifacts/testdata/dist"}
	for k, v := range overrides {
		all[k] = v
	}
	return runStack(t, stack, all)
}

func TestEdgeTopologyStacks(t *testing.T) {
	for _, tt := range edgeStacks {
		t.Run(tt.stack, func(t *testing.T) {
			m := runEdgeStack(t, tt.stack, tt.overrides)
			dist := only(t, m, edgeDistributionType)
			distArn := offline.GetString(dist.Outputs, "arn")
			host := tt.domain
			if host == "" {
				host = offline.GetString(dist.Outputs, "domainName")
			}

			t.Run("OAC attached and bucket readable by this distribution only", func(t *testing.T) {
				oac := only(t, m, "aws:cloudfront/originAccessControl:OriginAccessControl")
				site := edgeOrigin(t, dist, "site")
				if got := offline.GetString(site, "originAccessControlId"); got == "" || got != oac.ID {
					t.Fatalf("site origin OAC = %q, want %q", got, oac.ID)
				}
				if offline.GetString(oac.Inputs, "signingBehavior") != "always" || offline.GetString(oac.Inputs, "signingProtocol") != "sigv4" {
					t.Fatalf("OAC must always sign with SigV4: %v", oac.Inputs)
				}
				bucket := edgeSiteBucket(t, m, offline.GetString(site, "domainName"))
				policy := edgeBucketPolicy(t, m, bucket.ID)
				var allows int
				for _, s := range policy.Statement {
					switch s.Effect {
					case "Allow":
						allows++
						principal, _ := json.Marshal(s.Principal)
						if string(principal) != `{"Service":"cloudfront.amazonaws.com"}` {
							t.Errorf("allow statement %q is for %s, want CloudFront only", s.Sid, principal)
						}
						if got := s.Condition["StringEquals"]["AWS:SourceArn"]; got != distArn {
							t.Errorf("allow statement %q is scoped to %v, want %s", s.Sid, got, distArn)
						}
					case "Deny":
						if s.Condition["Bool"]["aws:SecureTransport"] != "false" {
							t.Errorf("deny statement %q is not the TLS-only rule", s.Sid)
						}
					}
				}
				if allows != 1 {
					t.Fatalf("want exactly one allow statement, got %d: %+v", allows, policy)
				}
			})

			t.Run("api and auth go to the API origin uncached", func(t *testing.T) {
				cachingDisabled := edgeManagedPolicyID(t, m, "aws:cloudfront/getCachePolicy:getCachePolicy", "Managed-CachingDisabled")
				allViewer := edgeManagedPolicyID(t, m, "aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy", "Managed-AllViewerExceptHostHeader")
				api := edgeOrigin(t, dist, "api")
				if !strings.Contains(offline.GetString(api, "domainName"), ".execute-api.") {
					t.Fatalf("api origin is %q, want the HTTP API endpoint", offline.GetString(api, "domainName"))
				}
				for _, pattern := range []string{"/api/*", "/auth/*"} {
					b := edgeBehaviour(t, dist, pattern)
					if offline.GetString(b, "targetOriginId") != "api" {
						t.Errorf("%s goes to %q, want the api origin", pattern, offline.GetString(b, "targetOriginId"))
					}
					if offline.GetString(b, "cachePolicyId") != cachingDisabled {
						t.Errorf("%s cache policy %q, want CachingDisabled %q", pattern, offline.GetString(b, "cachePolicyId"), cachingDisabled)
					}
					if offline.GetString(b, "originRequestPolicyId") != allViewer {
						t.Errorf("%s origin request policy %q, want AllViewerExceptHostHeader %q", pattern, offline.GetString(b, "originRequestPolicyId"), allViewer)
					}
				}
			})

			t.Run("TLS", func(t *testing.T) {
				if tt.domain == "" {
					if !offline.GetBool(dist.Inputs, "viewerCertificate.cloudfrontDefaultCertificate") {
						t.Fatal("without a domain the distribution uses its default certificate")
					}
					return
				}
				if got := offline.GetString(dist.Inputs, "viewerCertificate.minimumProtocolVersion"); got != "TLSv1.2_2021" {
					t.Errorf("minimum protocol %q, want TLSv1.2_2021", got)
				}
				if offline.GetString(dist.Inputs, "viewerCertificate.acmCertificateArn") == "" || offline.GetString(dist.Inputs, "aliases[0]") != tt.domain {
					t.Errorf("domain %s needs its ACM certificate and alias: %v", tt.domain, dist.Inputs["viewerCertificate"])
				}
			})

			t.Run("WAF", func(t *testing.T) {
				acl := only(t, m, "aws:wafv2/webAcl:WebAcl")
				if got := offline.GetString(dist.Inputs, "webAclId"); got == "" || got != offline.GetString(acl.Outputs, "arn") {
					t.Fatalf("distribution web ACL %q, want %q", got, offline.GetString(acl.Outputs, "arn"))
				}
			})

			t.Run("Lambda BFF", func(t *testing.T) {
				bff := edgeBffFunction(t, m)
				if got := offline.GetString(bff.Inputs, "architectures[0]"); got != "arm64" {
					t.Errorf("architecture %q, want arm64", got)
				}
				table := edgeSessionTableName(t, m)
				client := only(t, m, "aws:cognito/userPoolClient:UserPoolClient")
				env := func(k string) string { return offline.GetString(bff.Inputs, "environment.variables."+k) }
				if env("GATEHOUSE_SESSION_TABLE") != table || table == "" {
					t.Errorf("GATEHOUSE_SESSION_TABLE = %q, want %q", env("GATEHOUSE_SESSION_TABLE"), table)
				}
				if env("GATEHOUSE_OIDC_CLIENT_ID") != client.ID {
					t.Errorf("GATEHOUSE_OIDC_CLIENT_ID = %q, want %q", env("GATEHOUSE_OIDC_CLIENT_ID"), client.ID)
				}
				if env("GATEHOUSE_PUBLIC_URL") != "https://"+host {
					t.Errorf("GATEHOUSE_PUBLIC_URL = %q, want https://%s", env("GATEHOUSE_PUBLIC_URL"), host)
				}
			})

			t.Run("SPA uploaded", func(t *testing.T) {
				cache := map[string]string{}
				for _, o := range m.ByType("aws:s3/bucketObjectv2:BucketObjectv2") {
					cache[offline.GetString(o.Inputs, "key")] = offline.GetString(o.Inputs, "cacheControl")
				}
				want := map[string]string{
					"index.html":                "no-cache",
					"favicon.svg":               "no-cache",
					"robots.txt":                "no-cache",
					"assets/index-BdQq_4o_.js":  "public, max-age=31536000, immutable",
					"assets/index-Ck3x9aZ1.css": "public, max-age=31536000, immutable",
				}
				if len(cache) != len(want) {
					t.Fatalf("uploaded %v, want %v", cache, want)
				}
				for k, v := range want {
					if cache[k] != v {
						t.Errorf("%s: Cache-Control %q, want %q", k, cache[k], v)
					}
				}
			})

			t.Run("Cognito callback", func(t *testing.T) {
				client := only(t, m, "aws:cognito/userPoolClient:UserPoolClient")
				want := "https://" + host + "/auth/callback"
				if got := offline.GetString(client.Inputs, "callbackUrls[0]"); got != want {
					t.Fatalf("callback URL %q, want %q", got, want)
				}
			})
		})
	}
}

func edgeOrigin(t *testing.T, dist offline.Resource, id string) resource.PropertyMap {
	t.Helper()
	v, _ := offline.Get(dist.Inputs, "origins")
	for _, o := range v.ArrayValue() {
		o = edgeUnwrap(o)
		if o.IsObject() && offline.GetString(o.ObjectValue(), "originId") == id {
			return o.ObjectValue()
		}
	}
	t.Fatalf("no origin %q", id)
	return nil
}

func edgeBehaviour(t *testing.T, dist offline.Resource, pattern string) resource.PropertyMap {
	t.Helper()
	v, _ := offline.Get(dist.Inputs, "orderedCacheBehaviors")
	for _, b := range v.ArrayValue() {
		b = edgeUnwrap(b)
		if b.IsObject() && offline.GetString(b.ObjectValue(), "pathPattern") == pattern {
			return b.ObjectValue()
		}
	}
	t.Fatalf("no cache behaviour for %s", pattern)
	return nil
}

func edgeUnwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() || v.IsOutput() {
		if v.IsSecret() {
			v = v.SecretValue().Element
		} else {
			v = v.OutputValue().Element
		}
	}
	return v
}

func edgeSiteBucket(t *testing.T, m *offline.Mocks, regionalDomain string) offline.Resource {
	t.Helper()
	for _, b := range m.ByType("aws:s3/bucketV2:BucketV2") {
		if offline.GetString(b.Outputs, "bucketRegionalDomainName") == regionalDomain {
			return b
		}
	}
	t.Fatalf("no bucket behind origin %s", regionalDomain)
	return offline.Resource{}
}

type edgePolicyDoc struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal any
		Condition map[string]map[string]any
	}
}

func edgeBucketPolicy(t *testing.T, m *offline.Mocks, bucketID string) edgePolicyDoc {
	t.Helper()
	for _, p := range m.ByType("aws:s3/bucketPolicy:BucketPolicy") {
		if offline.GetString(p.Inputs, "bucket") != bucketID {
			continue
		}
		var doc edgePolicyDoc
		if err := json.Unmarshal([]byte(offline.GetString(p.Inputs, "policy")), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	t.Fatalf("no policy on bucket %s", bucketID)
	return edgePolicyDoc{}
}

// managedPolicyID asks the mocks what the lookup by name answers.
func edgeManagedPolicyID(t *testing.T, m *offline.Mocks, token, name string) string {
	t.Helper()
	out, err := m.Call(pulumi.MockCallArgs{Token: token, Args: resource.PropertyMap{"name": resource.NewStringProperty(name)}})
	if err != nil {
		t.Fatal(err)
	}
	return out["id"].StringValue()
}

func edgeBffFunction(t *testing.T, m *offline.Mocks) offline.Resource {
	t.Helper()
	for _, f := range m.ByType(edgeFunctionType) {
		if offline.GetString(f.Inputs, "environment.variables.GATEHOUSE_MODE") == "edge" {
			return f
		}
	}
	t.Fatal("no BFF function (GATEHOUSE_MODE=edge)")
	return offline.Resource{}
}

func edgeSessionTableName(t *testing.T, m *offline.Mocks) string {
	t.Helper()
	for _, tb := range m.ByType("aws:dynamodb/table:Table") {
		if offline.GetString(tb.Inputs, "hashKey") == "id" && offline.GetString(tb.Inputs, "rangeKey") == "" {
			return offline.GetString(tb.Outputs, "name")
		}
	}
	t.Fatal("no session table")
	return ""
}

// TestEdgeRebuildChangesNothing builds and runs the dev stack twice: the
// Lambda code hashes and the uploaded files' hashes must not move, so a
// preview of an unchanged checkout shows no diff.
func TestEdgeRebuildChangesNothing(t *testing.T) {
	fingerprint := func() map[string]string {
		m := runEdgeStack(t, "dev", nil)
		out := map[string]string{}
		for _, f := range m.ByType(edgeFunctionType) {
			out[f.Name] = offline.GetString(f.Inputs, "sourceCodeHash")
		}
		for _, o := range m.ByType("aws:s3/bucketObjectv2:BucketObjectv2") {
			out[o.Name] = offline.GetString(o.Inputs, "sourceHash")
		}
		return out
	}
	first, second := fingerprint(), fingerprint()
	if len(first) == 0 {
		t.Fatal("nothing to compare")
	}
	for name, hash := range first {
		if hash == "" || second[name] != hash {
			t.Errorf("%s: hash %q then %q", name, hash, second[name])
		}
	}
}

// TestEdgeBffAcceptsItsEnvironment hands the BFF's own configuration
// loader the environment the stack gives the Lambda, so the two sides of
// the contract cannot drift apart.
func TestEdgeBffAcceptsItsEnvironment(t *testing.T) {
	for _, tt := range edgeStacks {
		t.Run(tt.stack, func(t *testing.T) {
			m := runEdgeStack(t, tt.stack, tt.overrides)
			vars, _ := offline.Get(edgeBffFunction(t, m).Inputs, "environment.variables")
			env := map[string]string{}
			for k, v := range vars.ObjectValue() {
				env[string(k)] = edgeUnwrap(v).StringValue()
			}
			ciphertext := offline.GetString(only(t, m, "aws:kms/ciphertext:Ciphertext").Outputs, "ciphertextBlob")
			if env["GATEHOUSE_DATA_KEY_CIPHERTEXT"] != ciphertext {
				t.Fatalf("GATEHOUSE_DATA_KEY_CIPHERTEXT is not the KMS ciphertext")
			}
			// The mock's blob is not base64; KMS returns base64.
			env["GATEHOUSE_DATA_KEY_CIPHERTEXT"] = base64.StdEncoding.EncodeToString([]byte(ciphertext))

			cfg, err := bffconfig.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("the BFF refuses the stack's environment: %v", err)
			}
			if cfg.Mode != bffconfig.ModeEdge || cfg.OriginVerifySecretARN == "" || cfg.SessionTable == "" {
				t.Errorf("BFF config: mode %s, origin-verify secret %q, table %q", cfg.Mode, cfg.OriginVerifySecretARN, cfg.SessionTable)
			}
		})
	}
}

func TestEdgeCheckoutRoot(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, projectDir, want string }{
		{"the project directory", repo, repo},
		{"no project directory", "", repo},
		{"a directory that is not the checkout", t.TempDir(), repo},
	}
	for _, c := range cases {
		if got, err := checkoutRoot(c.projectDir); err != nil || got != c.want {
			t.Errorf("%s: checkoutRoot(%q) = %q, %v; want %q", c.name, c.projectDir, got, err, c.want)
		}
	}
}
