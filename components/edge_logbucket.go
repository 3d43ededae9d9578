package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newEdgeLogBucket creates the bucket that receives CloudFront standard logs
// and the site bucket's S3 server access logs. Both deliveries can write only
// SSE-S3 objects, and CloudFront's needs ACLs (BucketOwnerPreferred: the
// awslogsdelivery account is granted FULL_CONTROL on the bucket ACL at
// distribution creation). Public access stays blocked and plain HTTP refused;
// objects expire after the log retention.
func newEdgeLogBucket(ctx *pulumi.Context, name string, a EdgeTopologyArgs, opts ...pulumi.ResourceOption) (*hardenedBucket, error) {
	h, err := newHardenedBucket(ctx, name, hardenedBucketArgs{
		Account:               a.Account,
		ObjectOwnership:       "BucketOwnerPreferred",
		ForceDestroy:          a.ForceDestroy,
		NoncurrentVersionDays: 30,
		ExpireDays:            a.LogRetentionDays,
	}, opts...)
	if err != nil {
		return nil, err
	}
	acct := a.Account
	policy := h.Bucket.Arn.ApplyT(func(bucketArn string) string {
		return NewPolicy(
			DenyInsecureTransport(bucketArn),
			Statement{
				Sid:       "AllowS3ServerAccessLogs",
				Effect:    "Allow",
				Principal: map[string]any{"Service": acct.ServicePrincipal("logging.s3")},
				Action:    []string{"s3:PutObject"},
				Resource:  []string{bucketArn + "/s3/*"},
				Condition: map[string]map[string]any{
					"StringEquals": {"aws:SourceAccount": acct.AccountID},
					"ArnLike":      {"aws:SourceArn": fmt.Sprintf("arn:%s:s3:::*", acct.Partition)},
				},
			},
		).JSON()
	}).(pulumi.StringOutput)
	p, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{Bucket: h.Bucket.ID(), Policy: policy},
		append(opts, pulumi.DependsOn(h.Controls))...)
	if err != nil {
		return nil, fmt.Errorf("components: log bucket policy: %w", err)
	}
	h.Controls = append(h.Controls, p)
	return h, nil
}
