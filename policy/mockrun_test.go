package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// registered is one resource as the mock monitor received it, with the dependency
// information the engine would pass on to an analyzer.
type registered struct {
	typ, name, urn, parent string
	inputs                 resource.PropertyMap
	dependencies           []string
	propertyDependencies   map[string][]string
}

// recorder is a mock resource monitor (no AWS here) that keeps every registration.
type recorder struct {
	partition, region string
	// preview answers like the engine in a preview of a new stack: no IDs and no computed
	// outputs yet, so references between resources are unknown values.
	preview   bool
	mu        sync.Mutex
	resources []registered
}

func (m *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "-id"
	outputs := args.Inputs.Copy()
	if m.preview {
		id = ""
	} else {
		outputs["arn"] = resource.NewStringProperty(fmt.Sprintf("arn:%s:mock:%s:123456789012:%s", m.partition, m.region, id))
	}
	r := registered{typ: args.TypeToken, name: args.Name, inputs: args.Inputs, propertyDependencies: map[string][]string{}}
	if rpc := args.RegisterRPC; rpc != nil {
		r.parent = rpc.GetParent()
		r.dependencies = rpc.GetDependencies()
		for key, deps := range rpc.GetPropertyDependencies() {
			r.propertyDependencies[key] = deps.GetUrns()
		}
	}
	r.urn = fmt.Sprintf("urn:pulumi:govcloud::gatehouse::%s::%s", args.TypeToken, args.Name)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, outputs, nil
}

func (m *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// mockRun runs program under mocks for a stack in region and returns what it registered.
func mockRun(t *testing.T, region string, program pulumi.RunFunc) []registered {
	t.Helper()
	return record(t, &recorder{partition: "aws-us-gov", region: region}, program)
}

// mockPreview runs program as a preview of a new stack would see it.
func mockPreview(t *testing.T, region string, program pulumi.RunFunc) []registered {
	t.Helper()
	return record(t, &recorder{partition: "aws-us-gov", region: region, preview: true}, program)
}

func record(t *testing.T, m *recorder, program pulumi.RunFunc) []registered {
	t.Helper()
	err := pulumi.RunErr(program, pulumi.WithMocks("gatehouse", "govcloud", m), func(info *pulumi.RunInfo) {
		info.Config = map[string]string{"aws:region": m.region}
		info.DryRun = m.preview
	})
	if err != nil {
		t.Fatalf("mock run: %v", err)
	}
	return m.resources
}

// logsProgram registers a CMK and a log group encrypted with it; unencrypted adds a log group
// without a key and with a short retention; edge adds a CloudFront distribution.
func logsProgram(unencrypted, edge bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		key, err := kms.NewKey(ctx, "logs", &kms.KeyArgs{EnableKeyRotation: pulumi.Bool(true), Description: pulumi.String("log key")})
		if err != nil {
			return err
		}
		if _, err := cloudwatch.NewLogGroup(ctx, "app", &cloudwatch.LogGroupArgs{KmsKeyId: key.Arn, RetentionInDays: pulumi.Int(365)}); err != nil {
			return err
		}
		if unencrypted {
			if _, err := cloudwatch.NewLogGroup(ctx, "plain", &cloudwatch.LogGroupArgs{RetentionInDays: pulumi.Int(7)}); err != nil {
				return err
			}
		}
		if edge {
			_, err := cloudfront.NewDistribution(ctx, "cdn", &cloudfront.DistributionArgs{
				Enabled: pulumi.Bool(true),
				Origins: cloudfront.DistributionOriginArray{cloudfront.DistributionOriginArgs{
					OriginId: pulumi.String("site"), DomainName: pulumi.String("site.s3.amazonaws.com"),
				}},
				DefaultCacheBehavior: cloudfront.DistributionDefaultCacheBehaviorArgs{
					TargetOriginId: pulumi.String("site"), ViewerProtocolPolicy: pulumi.String("redirect-to-https"),
					AllowedMethods: pulumi.ToStringArray([]string{"GET", "HEAD"}), CachedMethods: pulumi.ToStringArray([]string{"GET", "HEAD"}),
				},
				Restrictions: cloudfront.DistributionRestrictionsArgs{GeoRestriction: cloudfront.DistributionRestrictionsGeoRestrictionArgs{
					RestrictionType: pulumi.String("none"),
				}},
				ViewerCertificate: cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)},
			})
			return err
		}
		return nil
	}
}
