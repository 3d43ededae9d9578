package components

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
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
		Routes: []ApiRoute{{
			Name: "records", Upstream: pulumi.String("https://records.example.gov"), Groups: []string{"staff"},
			Timeout: 15 * time.Second, MaxBodyBytes: 2048,
		}},
		ReservedConcurrency: 50,
		SampleTodo:          &SampleTodoArgs{Code: code, ReservedConcurrency: 10},
	}
}

func edgeUnderMocks(t *testing.T, args *EdgeTopologyArgs) *offline.Mocks {
	t.Helper()
	m := offline.ForRegion(args.Account.Region)
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

func edgeList(props resource.PropertyMap, path string) []resource.PropertyMap {
	v, ok := offline.Get(props, path)
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
		if offline.GetString(fn.Inputs, "environment.variables.AWS_USE_FIPS_ENDPOINT") != "true" {
			t.Errorf("%s does not use FIPS endpoints", fn.Name)
		}
	}
}

func TestEdgeTopologyWithoutDomain(t *testing.T) {
	acct := testAccount(PartitionCommercial, "us-east-1")
	args := edgeArgs(t, acct)
	args.Domain, args.CertificateArn, args.HostedZoneId, args.SampleTodo, args.Routes = "", "", "", nil, nil
	m := edgeUnderMocks(t, args)
	dist := only(t, m, "aws:cloudfront/distribution:Distribution")
	if !offline.GetBool(dist.Inputs, "viewerCertificate.cloudfrontDefaultCertificate") {
		t.Error("without a domain the distribution keeps CloudFront's certificate")
	}
	if _, ok := offline.Get(dist.Inputs, "aliases[0]"); ok {
		t.Error("no alias without a domain")
	}
	if n := len(m.ByType("aws:route53/record:Record")); n != 0 {
		t.Errorf("%d DNS records without a hosted zone", n)
	}
	client := only(t, m, "aws:cognito/userPoolClient:UserPoolClient")
	want := "https://" + offline.GetString(dist.Outputs, "domainName") + "/auth/callback"
	if got := offline.GetString(client.Inputs, "callbackUrls[0]"); got != want {
		t.Errorf("callback %q, want %q", got, want)
	}
	bff := only(t, m, "aws:lambda/function:Function")
	if got := offline.GetString(bff.Inputs, "environment.variables.GATEHOUSE_ROUTES"); got != "[]" {
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
			a.Routes = []ApiRoute{{Name: "todos", Upstream: pulumi.String("https://x")}, {Name: "Bad Name"}}
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
			m := offline.ForRegion("us-east-1")
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
