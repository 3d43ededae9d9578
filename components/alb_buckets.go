package components

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type albBucket struct {
	Bucket, Arn pulumi.StringOutput
	Policy      *s3.BucketPolicy
	// Versioning must exist before an object whose version is referred to
	// is written: an object written earlier has no version ID.
	Versioning *s3.BucketVersioningV2
	// Encryption must exist before objects are written, or they are stored
	// under the default key.
	Encryption *s3.BucketServerSideEncryptionConfigurationV2
	resource   *s3.BucketV2
}

// albBucketSpec says how one of the ALB's buckets is encrypted, logged and shared.
type albBucketSpec struct {
	// kmsKeyArn encrypts with SSE-KMS; nil means SSE-S3, which ALB access and
	// connection log delivery requires.
	kmsKeyArn pulumi.StringInput
	// accessLogs receives the bucket's S3 server access logs; nil for the log
	// bucket itself.
	accessLogs *albBucket
	// grants are extra bucket-policy statements.
	grants func(bucketArn, elbPrincipal string) []Statement
	tags   map[string]string
}

// newAlbBucket is a private, versioned, TLS-only bucket with a retention.
func newAlbBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, spec albBucketSpec, child pulumi.ResourceOrInvokeOption) (*albBucket, error) {
	tags := pulumi.StringMap{}
	for k, v := range a.Tags {
		tags[k] = pulumi.String(v)
	}
	for k, v := range spec.tags {
		tags[k] = pulumi.String(v)
	}
	b, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{Bucket: bucketName(a.Account, name), ForceDestroy: pulumi.Bool(false), Tags: tags}, child)
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                b.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, child); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: b.ID(),
		Rule:   &s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, child); err != nil {
		return nil, err
	}
	sse := &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if spec.kmsKeyArn != nil {
		sse = &s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm:   pulumi.String("aws:kms"),
			KmsMasterKeyId: spec.kmsKeyArn,
		}
	}
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: b.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{&s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   pulumi.Bool(spec.kmsKeyArn != nil),
		}},
	}, child)
	if err != nil {
		return nil, err
	}
	versioning, err := s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  b.ID(),
		VersioningConfiguration: &s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, child)
	if err != nil {
		return nil, err
	}
	if spec.accessLogs != nil {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket:       b.ID(),
			TargetBucket: spec.accessLogs.Bucket,
			TargetPrefix: pulumi.Sprintf("s3/%s/", b.Bucket),
		}, child); err != nil {
			return nil, err
		}
	}
	if spec.kmsKeyArn == nil {
		// Log buckets expire what they hold; a trust store bundle must stay.
		if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
			Bucket: b.ID(),
			Rules: s3.BucketLifecycleConfigurationV2RuleArray{&s3.BucketLifecycleConfigurationV2RuleArgs{
				Id:     pulumi.String("retention"),
				Status: pulumi.String("Enabled"),
				// An explicit empty prefix: a filter with no field at all is refused
				// or warned about by some provider versions.
				Filter:                         &s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
				Expiration:                     &s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.AccessLogRetentionDays)},
				NoncurrentVersionExpiration:    &s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(30)},
				AbortIncompleteMultipartUpload: &s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
			}},
		}, child); err != nil {
			return nil, err
		}
	}

	// The ELB log-delivery account differs per region and partition; the
	// provider knows it (GovCloud us-gov-west-1 has its own).
	elbAccount := elb.GetServiceAccountOutput(ctx, elb.GetServiceAccountOutputArgs{}, child)
	policy := pulumi.All(b.Arn, elbAccount.Arn()).ApplyT(func(v []any) string {
		arn, principal := v[0].(string), v[1].(string)
		statements := []Statement{DenyInsecureTransport(arn)}
		if spec.grants != nil {
			statements = append(statements, spec.grants(arn, principal)...)
		}
		return NewPolicy(statements...).JSON()
	}).(pulumi.StringOutput)
	bp, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: b.ID(), Policy: policy}, child)
	if err != nil {
		return nil, err
	}
	return &albBucket{Bucket: b.Bucket, Arn: b.Arn, Policy: bp, Versioning: versioning, Encryption: encryption, resource: b}, nil
}

// newAlbLogBucket receives the ALB's access and connection logs and the
// trust store bucket's server access logs. It is SSE-S3 because ALB log
// delivery cannot write to SSE-KMS buckets.
func newAlbLogBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, child pulumi.ResourceOrInvokeOption) (*albBucket, error) {
	acct := a.Account
	return newAlbBucket(ctx, name, a, albBucketSpec{
		tags: map[string]string{"gatehouse:purpose": "access-logs"},
		grants: func(arn, elbPrincipal string) []Statement {
			return []Statement{{
				Sid:       "AllowElbLogDelivery",
				Effect:    "Allow",
				Principal: map[string]any{"AWS": elbPrincipal},
				Action:    []string{"s3:PutObject"},
				Resource: []string{
					arn + "/access/AWSLogs/" + acct.AccountID + "/*",
					arn + "/connection/AWSLogs/" + acct.AccountID + "/*",
				},
			}, {
				Sid:       "AllowS3ServerAccessLogs",
				Effect:    "Allow",
				Principal: map[string]any{"Service": acct.ServicePrincipal("logging.s3")},
				Action:    []string{"s3:PutObject"},
				Resource:  []string{arn + "/s3/*"},
				Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": acct.AccountID}},
			}}
		},
	}, child)
}

// newAlbTrustStore uploads the CA bundle and creates the trust store the
// HTTPS listener verifies client certificates against.
func newAlbTrustStore(ctx *pulumi.Context, name string, a LoadBalancerArgs, logs *albBucket, child pulumi.ResourceOrInvokeOption) (*lb.TrustStore, error) {
	bucket, err := newAlbBucket(ctx, name, a, albBucketSpec{kmsKeyArn: a.TrustStoreKmsKeyArn, accessLogs: logs}, child)
	if err != nil {
		return nil, err
	}
	obj, err := s3.NewBucketObjectv2(ctx, name, &s3.BucketObjectv2Args{
		Bucket:      bucket.Bucket,
		Key:         pulumi.String("ca-bundle.pem"),
		Content:     pulumi.String(a.MtlsCaBundlePEM),
		ContentType: pulumi.String("application/x-pem-file"),
	}, child, pulumi.DependsOn([]pulumi.Resource{bucket.Policy, bucket.Versioning, bucket.Encryption}))
	if err != nil {
		return nil, err
	}
	return lb.NewTrustStore(ctx, name, &lb.TrustStoreArgs{
		Name:                                physicalName(typeTrustStore, name),
		CaCertificatesBundleS3Bucket:        bucket.Bucket,
		CaCertificatesBundleS3Key:           obj.Key,
		CaCertificatesBundleS3ObjectVersion: obj.VersionId,
		Tags:                                pulumi.ToStringMap(a.Tags),
	}, child)
}

// checkCABundle refuses a bundle the trust store would reject or that would
// trust the wrong thing: it must hold only CA certificates.
func checkCABundle(bundle string) error {
	rest := []byte(bundle)
	count := 0
	var errs []error
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			errs = append(errs, fmt.Errorf("mTLS CA bundle holds a %q block; only CERTIFICATE blocks belong in it", block.Type))
			continue
		}
		count++
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			errs = append(errs, fmt.Errorf("mTLS CA bundle certificate %d does not parse: %v", count, err))
			continue
		}
		if !cert.IsCA {
			errs = append(errs, fmt.Errorf("mTLS CA bundle certificate %d (%s) is not a CA certificate", count, cert.Subject))
		}
	}
	if count == 0 {
		errs = append(errs, errors.New("mTLS CA bundle has no PEM certificates"))
	}
	return errors.Join(errs...)
}
