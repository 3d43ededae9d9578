package evidence_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy/evidence"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// end names a connection's end by its resource type (or external id) and the end of its name.
func end(b *evidence.Boundary, id string) string {
	for _, r := range b.Resources {
		if r.URN == id {
			return r.Type
		}
	}
	return id
}

func find(b *evidence.Boundary, from, to string, port int) *evidence.Connection {
	for i, c := range b.Connections {
		if end(b, c.From) == from && end(b, c.To) == to && c.Port == port {
			return &b.Connections[i]
		}
	}
	return nil
}

const (
	browser = "external:browser"
	alb     = "aws:lb/loadBalancer:LoadBalancer"
	fargate = "aws:ecs/service:Service"
	pool    = "aws:cognito/userPool:UserPool"
)

// TestGovCloudBoundary: from the mock run of Pulumi.govcloud.yaml, the boundary lists the
// browser → ALB → Fargate path, Fargate's connections to DynamoDB, Secrets Manager, KMS and
// Cognito, and the identity provider's, each with its TLS and authentication, and no connection
// the resources do not permit.
func TestGovCloudBoundary(t *testing.T) {
	b := evidence.DeriveBoundary(load(t, "govcloud"))
	want := []struct {
		from, to string
		port     int
		check    func(c *evidence.Connection) bool
		what     string
	}{
		{browser, alb, 443, func(c *evidence.Connection) bool {
			return c.TLS != nil && c.TLS.FIPS && c.TLS.MinimumVersion == "TLSv1.2" && strings.HasPrefix(c.TLS.ClientCertificate, "required, verified") &&
				strings.Contains(c.Authentication, "client certificate") && c.Direction == evidence.Inbound
		}, "FIPS TLS 1.2+ with a verified client certificate"},
		{browser, alb, 80, func(c *evidence.Connection) bool { return c.TLS == nil && strings.Contains(c.Summary, "redirect") }, "redirect only"},
		{alb, fargate, 8080, func(c *evidence.Connection) bool {
			return c.Protocol == "HTTP" && c.TLS == nil && strings.Contains(c.Encryption, "plain HTTP inside the VPC")
		}, "plain HTTP inside the VPC, said so"},
		{fargate, "aws:dynamodb/table:Table", 443, func(c *evidence.Connection) bool {
			return c.TLS.FIPS && strings.Contains(c.Authentication, "SigV4 with the task role") && strings.Contains(c.Path, "gateway endpoint")
		}, "SigV4 task role over the DynamoDB gateway endpoint, FIPS"},
		{fargate, "aws:secretsmanager/secret:Secret", 443, func(c *evidence.Connection) bool {
			return strings.Contains(c.Authentication, "execution role") && strings.Contains(c.Path, "PrivateLink")
		}, "the execution role over PrivateLink"},
		{fargate, "aws:kms/key:Key", 443, func(c *evidence.Connection) bool {
			return strings.Contains(c.Authentication, "kms:Decrypt") && strings.Contains(c.Path, "PrivateLink")
		}, "kms:Decrypt over PrivateLink"},
		{fargate, pool, 443, func(c *evidence.Connection) bool {
			return c.TLS.FIPS && strings.Contains(c.Authentication, "client's secret") && strings.Contains(c.Summary, "auth-fips")
		}, "the client secret to Cognito's FIPS endpoints"},
		{browser, pool, 443, func(c *evidence.Connection) bool {
			return c.TLS.FIPS && strings.Contains(c.Authentication, "federated identity provider AgencyICAM")
		}, "the hosted UI, federated"},
		{browser, "external:idp:AgencyICAM", 443, func(c *evidence.Connection) bool {
			return c.Direction == evidence.Outbound && c.TLS != nil && strings.Contains(c.Authentication, "assertion is signed")
		}, "the browser at the agency IdP"},
		{pool, "external:idp:AgencyICAM", 443, func(c *evidence.Connection) bool { return strings.Contains(c.Summary, "metadata") }, "Cognito reads the IdP metadata"},
	}
	for _, w := range want {
		c := find(b, w.from, w.to, w.port)
		if c == nil {
			t.Errorf("no connection %s → %s on %d", w.from, w.to, w.port)
			continue
		}
		if !w.check(c) {
			t.Errorf("%s → %s on %d is not %s: %+v (TLS %+v)", w.from, w.to, w.port, w.what, *c, c.TLS)
		}
		if len(c.DerivedFrom) == 0 || c.Authentication == "" || c.Encryption == "" {
			t.Errorf("%s → %s: incomplete: %+v", w.from, w.to, *c)
		}
	}
	// Nothing reaches the tasks but the load balancer, and the browser reaches only the load
	// balancer, Cognito's hosted UI and the identity provider. The tasks open connections on 443 only.
	for _, c := range b.Connections {
		from, to := end(b, c.From), end(b, c.To)
		if to == fargate && from != alb {
			t.Errorf("%s reaches the tasks: %s", from, c.Summary)
		}
		if from == browser && !slices.Contains([]string{alb, pool, "external:idp:AgencyICAM"}, to) {
			t.Errorf("the browser reaches %s: %s", to, c.Summary)
		}
		if from == fargate && c.Port != 443 {
			t.Errorf("the tasks connect on %d: %s", c.Port, c.Summary)
		}
		if from == fargate && to == "aws:kms/key:Key" && !strings.HasSuffix(c.To, "sessions") {
			t.Errorf("the task reaches a key it is granted only through DynamoDB or Secrets Manager: %s", c.Summary)
		}
		if strings.HasPrefix(to, "aws:ec2/") || strings.HasPrefix(to, "aws:iam/") {
			t.Errorf("a connection to configuration, not a service: %s", c.Summary)
		}
	}
	for _, r := range b.Resources {
		if strings.HasPrefix(r.Type, "gatehouse:") || r.Partition != "aws-us-gov" || r.Region != "us-gov-west-1" || !strings.HasPrefix(r.URN, "urn:pulumi:govcloud::gatehouse::") {
			t.Errorf("resource %s: %+v", r.Name, r)
		}
	}
}

// edit changes the properties of the first resource of typ whose name ends with suffix.
func edit(typ, suffix string, change func(p resource.PropertyMap)) func([]rules.Resource) []rules.Resource {
	return func(rs []rules.Resource) []rules.Resource {
		out := slices.Clone(rs)
		for i, r := range out {
			if r.Type == typ && strings.HasSuffix(r.Name, suffix) {
				p := resource.ToResourcePropertyMap(r.Properties)
				change(p)
				out[i].Properties = resource.FromResourcePropertyMap(p)
				break
			}
		}
		return out
	}
}

// TestBoundaryFollowsTheResources: take away what permits a connection and it is gone.
func TestBoundaryFollowsTheResources(t *testing.T) {
	for _, c := range []struct {
		name     string
		edit     func([]rules.Resource) []rules.Resource
		from, to string
		port     int
	}{
		{"the tasks admit nothing", edit("aws:ec2/securityGroup:SecurityGroup", "bff-task", func(p resource.PropertyMap) {
			p["ingress"] = resource.NewArrayProperty(nil)
		}), alb, fargate, 8080},
		{"an internal load balancer", edit(alb, "alb", func(p resource.PropertyMap) { p["internal"] = resource.NewBoolProperty(true) }), browser, alb, 443},
		{"no egress from the tasks", edit("aws:ec2/securityGroup:SecurityGroup", "bff-task", func(p resource.PropertyMap) {
			p["egress"] = resource.NewArrayProperty(nil)
		}), fargate, "aws:dynamodb/table:Table", 443},
		{"no grant on the table", without("aws:iam/rolePolicy:RolePolicy", "bff-task"), fargate, "aws:dynamodb/table:Table", 443},
		{"no federation", without("aws:cognito/identityProvider:IdentityProvider", "idp"), browser, "external:idp:AgencyICAM", 443},
	} {
		t.Run(c.name, func(t *testing.T) {
			if find(evidence.DeriveBoundary(load(t, "govcloud")), c.from, c.to, c.port) == nil {
				t.Fatalf("the shipped stack has no %s → %s", c.from, c.to)
			}
			if got := find(evidence.DeriveBoundary(load(t, "govcloud", c.edit)), c.from, c.to, c.port); got != nil {
				t.Errorf("%s → %s on %d still listed: %s", c.from, c.to, c.port, got.Summary)
			}
		})
	}
}

// TestEdgeBoundary: the edge topology's CloudFront paths, with the origin-verify header named and
// never its value, and the API's public default endpoint listed.
func TestEdgeBoundary(t *testing.T) {
	b := evidence.DeriveBoundary(load(t, "fedramp"))
	viewer := find(b, browser, "aws:cloudfront/distribution:Distribution", 443)
	if viewer == nil || viewer.TLS.MinimumVersion != "TLSv1.2" {
		t.Errorf("viewer connection %+v: want TLSv1.2_2021 with the custom certificate", viewer)
	}
	origin := find(b, "aws:cloudfront/distribution:Distribution", "aws:apigatewayv2/api:Api", 443)
	if origin == nil || !strings.Contains(origin.Authentication, "X-Origin-Verify") {
		t.Fatalf("CloudFront → API: %+v", origin)
	}
	if find(b, "aws:cloudfront/distribution:Distribution", "aws:s3/bucketV2:BucketV2", 443) == nil ||
		find(b, "aws:apigatewayv2/api:Api", "aws:lambda/function:Function", 443) == nil ||
		find(b, browser, "aws:apigatewayv2/api:Api", 443) == nil {
		t.Error("missing CloudFront → S3, API → Lambda or the API's public endpoint")
	}
	doc, err := evidence.Build(load(t, "dev"), clock)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range doc {
		if strings.Contains(string(body), "mock-random-") || strings.Contains(string(body), "mock-client-secret") {
			t.Errorf("%s carries a secret value", name)
		}
	}
}
