package components

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SiteAsset is one file of the built SPA and how it is served.
type SiteAsset struct {
	// Key is the object key, slash-separated, without a leading slash. Required.
	Key string
	// Path is the file on disk. Required.
	Path string
	// ContentType and CacheControl are stored as object metadata and served
	// as response headers. Required.
	ContentType, CacheControl string
	// SHA256 is the hex digest of the contents; a change uploads the file again. Required.
	SHA256 string
}

// SiteBucketArgs configures the private bucket that holds the SPA.
type SiteBucketArgs struct {
	// Account names the bucket uniquely in S3's global namespace. Required.
	Account *Account
	// KmsKeyArn is the CMK for SSE-KMS (the data key; its policy must let
	// CloudFront decrypt, see KeysArgs.AllowCloudFrontDecrypt). Required.
	KmsKeyArn pulumi.StringInput
	// AccessLogBucket is the name of the bucket that receives S3 server
	// access logs (an SSE-S3 bucket: server access logging cannot write to
	// SSE-KMS). Required (AU-2).
	AccessLogBucket pulumi.StringInput
	// AccessLogPrefix is the key prefix of the access logs. Defaults to "s3/<name>/".
	AccessLogPrefix string
	// ReaderDistributionArn is the one CloudFront distribution allowed to read
	// objects, through origin access control. Defaults to none: only the
	// TLS-only statement is in the policy and nothing can read the bucket.
	ReaderDistributionArn pulumi.StringInput
	// Assets are the files to upload. Defaults to none.
	Assets []SiteAsset
	// NoncurrentVersionDays is how long replaced versions are kept, so a bad
	// deploy can be rolled back object by object. Defaults to 90.
	NoncurrentVersionDays int
	// ForceDestroy lets destroy delete the bucket while it holds objects.
	// Defaults to false.
	ForceDestroy bool
}

// SiteBucket is a private, versioned, SSE-KMS bucket with public access
// blocked, ACLs disabled, a TLS-only policy and server access logging, plus
// the SPA's files uploaded with their Content-Type and Cache-Control.
type SiteBucket struct {
	pulumi.ResourceState

	Bucket                        *s3.BucketV2
	Policy                        *s3.BucketPolicy
	Name, Arn, RegionalDomainName pulumi.StringOutput
}

func (a *SiteBucketArgs) withDefaults(name string) SiteBucketArgs {
	out := *a
	if out.AccessLogPrefix == "" {
		out.AccessLogPrefix = "s3/" + name + "/"
	}
	if out.NoncurrentVersionDays == 0 {
		out.NoncurrentVersionDays = 90
	}
	return out
}

func (a *SiteBucketArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount): bucket names are unique across every AWS account"))
	}
	if a.KmsKeyArn == nil {
		errs = append(errs, errors.New("KmsKeyArn is required: the SPA is stored with SSE-KMS under the data CMK"))
	}
	if a.AccessLogBucket == nil {
		errs = append(errs, errors.New("AccessLogBucket is required: every read of the bucket is logged"))
	}
	if a.NoncurrentVersionDays < 1 {
		errs = append(errs, fmt.Errorf("NoncurrentVersionDays is %d; use 1 or more", a.NoncurrentVersionDays))
	}
	seen := map[string]bool{}
	for _, asset := range a.Assets {
		switch {
		case asset.Key == "" || strings.HasPrefix(asset.Key, "/") || path.Clean(asset.Key) != asset.Key:
			errs = append(errs, fmt.Errorf("asset key %q must be a clean relative path", asset.Key))
		case seen[asset.Key]:
			errs = append(errs, fmt.Errorf("asset key %q appears twice", asset.Key))
		}
		seen[asset.Key] = true
		if asset.Path == "" || asset.ContentType == "" || asset.CacheControl == "" || asset.SHA256 == "" {
			errs = append(errs, fmt.Errorf("asset %q needs Path, ContentType, CacheControl and SHA256", asset.Key))
		}
	}
	return joinErrors("site bucket", errs)
}

// NewSiteBucket creates the bucket, its hardening, its policy and the uploads.
func NewSiteBucket(ctx *pulumi.Context, name string, args *SiteBucketArgs, opts ...pulumi.ResourceOption) (*SiteBucket, error) {
	if args == nil {
		args = &SiteBucketArgs{}
	}
	a := args.withDefaults(name)
	if err := a.validate(); err != nil {
		return nil, err
	}
	sb := &SiteBucket{}
	if err := ctx.RegisterComponentResource("gatehouse:storage:SiteBucket", name, sb, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(sb)

	hardened, err := newHardenedBucket(ctx, name, hardenedBucketArgs{
		Account:               a.Account,
		KmsKeyArn:             a.KmsKeyArn,
		ObjectOwnership:       "BucketOwnerEnforced",
		ForceDestroy:          a.ForceDestroy,
		NoncurrentVersionDays: a.NoncurrentVersionDays,
		LogBucket:             a.AccessLogBucket,
		LogPrefix:             a.AccessLogPrefix,
	}, child)
	if err != nil {
		return nil, err
	}
	sb.Bucket = hardened.Bucket

	var reader pulumi.StringInput = pulumi.String("")
	if a.ReaderDistributionArn != nil {
		reader = a.ReaderDistributionArn
	}
	policy := pulumi.All(sb.Bucket.Arn, reader).ApplyT(func(v []any) string {
		return siteBucketPolicy(v[0].(string), v[1].(string)).JSON()
	}).(pulumi.StringOutput)
	sb.Policy, err = s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: sb.Bucket.ID(),
		Policy: policy,
	}, child, pulumi.DependsOn(hardened.Controls))
	if err != nil {
		return nil, fmt.Errorf("components: site bucket policy: %w", err)
	}

	for _, asset := range a.Assets {
		if _, err := s3.NewBucketObjectv2(ctx, name+"/"+asset.Key, &s3.BucketObjectv2Args{
			Bucket:               sb.Bucket.ID(),
			Key:                  pulumi.String(asset.Key),
			Source:               pulumi.NewFileAsset(asset.Path),
			ContentType:          pulumi.String(asset.ContentType),
			CacheControl:         pulumi.String(asset.CacheControl),
			ServerSideEncryption: pulumi.String("aws:kms"),
			KmsKeyId:             a.KmsKeyArn,
			BucketKeyEnabled:     pulumi.Bool(true),
			SourceHash:           pulumi.String(asset.SHA256),
		}, child, pulumi.DependsOn(hardened.Controls)); err != nil {
			return nil, fmt.Errorf("components: site asset %s: %w", asset.Key, err)
		}
	}

	sb.Name = sb.Bucket.Bucket
	sb.Arn = sb.Bucket.Arn
	sb.RegionalDomainName = sb.Bucket.BucketRegionalDomainName
	if err := ctx.RegisterResourceOutputs(sb, pulumi.Map{
		"bucketName":         sb.Name,
		"bucketArn":          sb.Arn,
		"regionalDomainName": sb.RegionalDomainName,
	}); err != nil {
		return nil, err
	}
	return sb, nil
}

// siteBucketPolicy allows exactly one distribution to read objects (the
// AWS:SourceArn condition stops any other distribution, even in this account,
// from using CloudFront as a confused deputy) and refuses plain HTTP.
// s3:ListBucket is not granted: a missing key answers 403, never a listing.
func siteBucketPolicy(bucketArn, distributionArn string) PolicyDocument {
	statements := []Statement{DenyInsecureTransport(bucketArn)}
	if distributionArn != "" {
		statements = append(statements, Statement{
			Sid:       "AllowCloudFrontOriginAccessControlRead",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "cloudfront.amazonaws.com"},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{bucketArn + "/*"},
			Condition: map[string]map[string]any{"StringEquals": {"AWS:SourceArn": distributionArn}},
		})
	}
	return NewPolicy(statements...)
}

// hardenedBucketArgs are the settings every Gatehouse bucket shares.
type hardenedBucketArgs struct {
	// Account names the bucket (bucketName).
	Account *Account
	// KmsKeyArn selects SSE-KMS with a bucket key; nil selects SSE-S3, for
	// log buckets that AWS log delivery can only write with SSE-S3.
	KmsKeyArn pulumi.StringInput
	// ObjectOwnership is BucketOwnerEnforced (ACLs off) unless a log
	// delivery needs ACLs (CloudFront standard logs: BucketOwnerPreferred).
	ObjectOwnership       string
	ForceDestroy          bool
	NoncurrentVersionDays int
	// ExpireDays deletes current objects after this many days (log retention); 0 keeps them.
	ExpireDays int
	// LogBucket and LogPrefix turn on server access logging; a nil LogBucket
	// is for the log bucket itself.
	LogBucket pulumi.StringInput
	LogPrefix string
}

type hardenedBucket struct {
	Bucket *s3.BucketV2
	// Controls are the resources that must exist before the bucket is used
	// (public access block, ownership, encryption); policies and uploads wait on them.
	Controls []pulumi.Resource
}

func newHardenedBucket(ctx *pulumi.Context, name string, a hardenedBucketArgs, opts ...pulumi.ResourceOption) (*hardenedBucket, error) {
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{Bucket: bucketName(a.Account, name), ForceDestroy: pulumi.Bool(a.ForceDestroy)}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: bucket %s: %w", name, err)
	}
	h := &hardenedBucket{Bucket: bucket}
	add := func(r pulumi.Resource, err error) error {
		if err != nil {
			return fmt.Errorf("components: bucket %s: %w", name, err)
		}
		h.Controls = append(h.Controls, r)
		return nil
	}

	if err := add(s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, opts...)); err != nil {
		return nil, err
	}
	if err := add(s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String(a.ObjectOwnership)},
	}, opts...)); err != nil {
		return nil, err
	}
	sse := s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{SseAlgorithm: pulumi.String("AES256")}
	if a.KmsKeyArn != nil {
		sse = s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
			SseAlgorithm:   pulumi.String("aws:kms"),
			KmsMasterKeyId: a.KmsKeyArn,
		}
	}
	if err := add(s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: sse,
			BucketKeyEnabled:                   pulumi.Bool(a.KmsKeyArn != nil),
		}},
	}, opts...)); err != nil {
		return nil, err
	}
	if err := add(s3.NewBucketVersioningV2(ctx, name, &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}, opts...)); err != nil {
		return nil, err
	}

	rule := s3.BucketLifecycleConfigurationV2RuleArgs{
		Id:                             pulumi.String("retention"),
		Status:                         pulumi.String("Enabled"),
		Filter:                         s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
		AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{DaysAfterInitiation: pulumi.Int(7)},
		NoncurrentVersionExpiration:    s3.BucketLifecycleConfigurationV2RuleNoncurrentVersionExpirationArgs{NoncurrentDays: pulumi.Int(a.NoncurrentVersionDays)},
	}
	if a.ExpireDays > 0 {
		rule.Expiration = s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.ExpireDays)}
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  s3.BucketLifecycleConfigurationV2RuleArray{rule},
	}, append(opts, pulumi.DependsOn(h.Controls))...); err != nil {
		return nil, fmt.Errorf("components: bucket %s lifecycle: %w", name, err)
	}

	if a.LogBucket != nil {
		if _, err := s3.NewBucketLoggingV2(ctx, name, &s3.BucketLoggingV2Args{
			Bucket:       bucket.ID(),
			TargetBucket: a.LogBucket,
			TargetPrefix: pulumi.String(a.LogPrefix),
		}, opts...); err != nil {
			return nil, fmt.Errorf("components: bucket %s logging: %w", name, err)
		}
	}
	return h, nil
}
