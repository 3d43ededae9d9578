package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bucketProgram registers a bucket and the settings resources that make it compliant, each
// referring to the bucket by its ID; withoutPAB leaves out the public access block.
func bucketProgram(withoutPAB bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		logs, err := s3.NewBucketV2(ctx, "logs", &s3.BucketV2Args{Tags: pulumi.StringMap{"gatehouse:purpose": pulumi.String("access-logs")}})
		if err != nil {
			return err
		}
		site, err := s3.NewBucketV2(ctx, "site", &s3.BucketV2Args{})
		if err != nil {
			return err
		}
		for _, b := range []struct {
			name      string
			bucket    *s3.BucketV2
			algorithm string
		}{{"logs", logs, "AES256"}, {"site", site, "aws:kms"}} {
			byDefault := s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String(b.algorithm)}
			if b.algorithm == "aws:kms" {
				byDefault.KmsMasterKeyId = pulumi.String("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/data")
			}
			if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, b.name, &s3.BucketServerSideEncryptionConfigurationV2Args{
				Bucket: b.bucket.ID(),
				Rules:  s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{ApplyServerSideEncryptionByDefault: byDefault}},
			}); err != nil {
				return err
			}
			if !withoutPAB {
				if _, err := s3.NewBucketPublicAccessBlock(ctx, b.name, &s3.BucketPublicAccessBlockArgs{Bucket: b.bucket.ID(),
					BlockPublicAcls: pulumi.Bool(true), BlockPublicPolicy: pulumi.Bool(true), IgnorePublicAcls: pulumi.Bool(true), RestrictPublicBuckets: pulumi.Bool(true),
				}); err != nil {
					return err
				}
			}
		}
		_, err = s3.NewBucketLoggingV2(ctx, "site", &s3.BucketLoggingV2Args{Bucket: site.ID(), TargetBucket: logs.ID(), TargetPrefix: pulumi.String("site/")})
		return err
	}
}

// TestAnalyzerProtocolPreview sends a preview's view of new resources (IDs unknown, references known
// only through property dependencies) and expects the stack rules to link each bucket to its settings.
func TestAnalyzerProtocolPreview(t *testing.T) {
	const region = "us-gov-west-1"
	client := startAnalyzer(t, buildPack(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	configure(t, ctx, client, map[string]string{"aws:region": region})
	for _, c := range []struct {
		name       string
		withoutPAB bool
		want       []string
	}{
		{"settings found through property dependencies", false, nil},
		{"missing public access block", true, []string{"s3-bucket-public-access-block"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var req pulumirpc.AnalyzeStackRequest
			seen := mockPreview(t, region, bucketProgram(c.withoutPAB))
			i := slices.IndexFunc(seen, func(r registered) bool { return r.typ == "aws:s3/bucketLoggingV2:BucketLoggingV2" })
			if i < 0 {
				t.Fatal("the program registered no bucket logging")
			}
			if bucket, known := seen[i].inputs["bucket"]; (known && !bucket.IsComputed()) || len(seen[i].propertyDependencies["bucket"]) != 1 {
				t.Fatalf("the preview should leave the bucket reference unknown, with its dependency: %+v", seen[i])
			}
			for _, r := range seen {
				deps := map[string]*pulumirpc.AnalyzerPropertyDependencies{}
				for k, urns := range r.propertyDependencies {
					deps[k] = &pulumirpc.AnalyzerPropertyDependencies{Urns: urns}
				}
				req.Resources = append(req.Resources, &pulumirpc.AnalyzerResource{Type: r.typ, Urn: r.urn, Name: r.name,
					Properties: marshal(t, r.inputs), Dependencies: r.dependencies, PropertyDependencies: deps, Provider: provider(t, region)})
			}
			resp, err := client.AnalyzeStack(ctx, &req)
			if err != nil {
				t.Fatal(err)
			}
			// Versioning and the TLS-only policy are left out of this program on purpose.
			got := slices.DeleteFunc(policyNames(resp.GetDiagnostics()), func(n string) bool {
				return n == "s3-bucket-versioning" || n == "s3-bucket-tls-only" || n == "s3-bucket-ownership-enforced"
			})
			if !slices.Equal(got, c.want) {
				t.Errorf("AnalyzeStack = %v, want %v", got, c.want)
				for _, d := range resp.GetDiagnostics() {
					t.Log(d.GetPolicyName(), d.GetUrn(), d.GetMessage())
				}
			}
		})
	}
}
