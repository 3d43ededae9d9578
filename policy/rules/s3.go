package rules

import "github.com/pulumi/pulumi/sdk/v3/go/property"

// Resource types of S3 buckets and their settings resources.
const (
	typeBucket           = "aws:s3/bucket:Bucket"
	typeBucketV2         = "aws:s3/bucketV2:BucketV2"
	typeBucketSSE        = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeBucketPAB        = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeBucketPolicy     = "aws:s3/bucketPolicy:BucketPolicy"
	typeBucketVersioning = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	typeBucketLogging    = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeBucketOwnership  = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
)

// LogBucketTagKey and LogBucketTagValue mark a bucket that receives ALB, CloudFront or S3 access
// logs. Those services can write only to SSE-S3 buckets, so such a bucket is held to SSE-S3 instead
// of SSE-KMS.
const (
	LogBucketTagKey   = "gatehouse:purpose"
	LogBucketTagValue = "access-logs"
)

func buckets(st *Stack) []Resource { return st.OfType(typeBucketV2, typeBucket) }

// isLogBucket is true for a bucket tagged as an access-log bucket or named as the log
// destination of a load balancer, a distribution or another bucket.
func isLogBucket(st *Stack, b Resource) bool {
	if tag(b, LogBucketTagKey) == LogBucketTagValue {
		return true
	}
	return len(st.Referring(b, "accessLogs", typesLoadBalancer...)) > 0 ||
		len(st.Referring(b, "loggingConfig", typeDistribution)) > 0 ||
		len(st.Referring(b, "targetBucket", typeBucketLogging)) > 0
}

// cloudFrontLogBucket is true for a bucket that receives CloudFront standard logs, which need ACLs.
func cloudFrontLogBucket(st *Stack, b Resource) bool {
	return len(st.Referring(b, "loggingConfig", typeDistribution)) > 0
}

// bucketSettings returns the settings resources of type typ attached to bucket b.
func bucketSettings(st *Stack, b Resource, typ string) []Resource {
	return st.Referring(b, "bucket", typ)
}

// encryptionDefaults returns every "apply server-side encryption by default" block that applies to b,
// from SSE configuration resources or from the bucket's inline configuration.
func encryptionDefaults(st *Stack, b Resource) []property.Value {
	var out []property.Value
	for _, sse := range bucketSettings(st, b, typeBucketSSE) {
		for _, rule := range items(prop(sse, "rules")) {
			out = append(out, items(get(rule, "applyServerSideEncryptionByDefault"))...)
		}
	}
	for _, cfg := range items(prop(b, "serverSideEncryptionConfigurations")) {
		for _, rule := range items(get(cfg, "rules")) {
			out = append(out, items(get(rule, "applyServerSideEncryptionByDefaults"))...)
		}
	}
	for _, rule := range items(prop(b, "serverSideEncryptionConfiguration", "rule")) {
		out = append(out, items(get(rule, "applyServerSideEncryptionByDefault"))...)
	}
	return out
}

// eachBucket runs check on every bucket and turns its message into a finding.
func eachBucket(st *Stack, check func(b Resource) string) []Finding {
	var out []Finding
	for _, b := range buckets(st) {
		if msg := check(b); msg != "" {
			out = append(out, Finding{URN: b.URN, Message: msg})
		}
	}
	return out
}

// IsLogBucket reports whether bucket b receives access logs in the stack made of resources.
func IsLogBucket(resources []Resource, b Resource) bool {
	return isLogBucket(NewStack(resources, Settings{}), b)
}
