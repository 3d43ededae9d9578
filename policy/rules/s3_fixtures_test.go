package rules_test

import "github.com/gatehouse/gatehouse/policy/rules"

const (
	tBucket     = "aws:s3/bucketV2:BucketV2"
	tSSE        = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tPAB        = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tPolicy     = "aws:s3/bucketPolicy:BucketPolicy"
	tVersioning = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tLogging    = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	tOwnership  = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	keyARN      = "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/data"
)

// bucketParts are the resources of one bucket, by role, so that a fixture can swap one out.
type bucketParts map[string]rules.Resource

func (b bucketParts) list(skip ...string) []rules.Resource {
	var out []rules.Resource
	for _, role := range []string{"bucket", "sse", "pab", "policy", "versioning", "logging", "ownership"} {
		if r, ok := b[role]; ok && !contains(skip, role) {
			out = append(out, r)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func tlsOnlyPolicy(bucket string) string {
	return jsonText(obj{"Version": "2012-10-17", "Statement": list{obj{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  list{"arn:aws-us-gov:s3:::" + bucket, "arn:aws-us-gov:s3:::" + bucket + "/*"},
		"Condition": obj{"Bool": obj{"aws:SecureTransport": "false"}},
	}}})
}

func sse(name, bucket, algorithm, key string) rules.Resource {
	byDefault := obj{"sseAlgorithm": algorithm}
	if key != "" {
		byDefault["kmsMasterKeyId"] = key
	}
	return res(tSSE, name+"-sse", obj{"bucket": bucket, "rules": list{obj{"applyServerSideEncryptionByDefault": byDefault}}})
}

// compliantBucket is a private SSE-KMS bucket that logs to the "logs" bucket.
func compliantBucket(name string) bucketParts {
	return bucketParts{
		"bucket":     res(tBucket, name, obj{"bucket": name}),
		"sse":        sse(name, name, "aws:kms", keyARN),
		"pab":        res(tPAB, name+"-pab", obj{"bucket": name, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true}),
		"policy":     res(tPolicy, name+"-policy", obj{"bucket": name, "policy": tlsOnlyPolicy(name)}),
		"versioning": res(tVersioning, name+"-versioning", obj{"bucket": name, "versioningConfiguration": obj{"status": "Enabled"}}),
		"logging":    res(tLogging, name+"-logging", obj{"bucket": name, "targetBucket": "logs", "targetPrefix": name + "/"}),
		"ownership":  res(tOwnership, name+"-ownership", obj{"bucket": name, "rule": obj{"objectOwnership": "BucketOwnerEnforced"}}),
	}
}

// compliantLogBucket is the SSE-S3 access-log bucket, tagged as such.
func compliantLogBucket() bucketParts {
	b := compliantBucket("logs")
	b["bucket"] = res(tBucket, "logs", obj{"bucket": "logs", "tags": obj{rules.LogBucketTagKey: rules.LogBucketTagValue}})
	b["sse"] = sse("logs", "logs", "AES256", "")
	delete(b, "logging")
	return b
}

func s3Cases() []ruleCase {
	site, logs := compliantBucket("site"), compliantLogBucket()
	good := append(site.list(), logs.list()...)
	swap := func(b bucketParts, role string, r rules.Resource) []rules.Resource {
		c := bucketParts{}
		for k, v := range b {
			c[k] = v
		}
		c[role] = r
		return c.list()
	}
	untaggedLogs := compliantLogBucket()
	untaggedLogs["bucket"] = res(tBucket, "logs", obj{"bucket": "logs"})
	return []ruleCase{
		{rule: "s3-bucket-sse-kms", settings: fedramp,
			bad:  append(swap(site, "sse", sse("site", "site", "AES256", "")), logs.list()...),
			good: good},
		{rule: "s3-bucket-sse-kms", settings: fedramp,
			bad:  append(swap(site, "sse", sse("site", "site", "aws:kms", "")), logs.list()...),
			good: append(site.list(), untaggedLogs.list()...)},
		{rule: "s3-log-bucket-sse-s3", settings: fedramp,
			bad:  append(site.list(), swap(logs, "sse", sse("logs", "logs", "aws:kms", keyARN))...),
			good: good},
		{rule: "s3-bucket-public-access-block", settings: commercial,
			bad:  append(swap(site, "pab", res(tPAB, "site-pab", obj{"bucket": "site", "blockPublicAcls": true})), logs.list()...),
			good: good},
		{rule: "s3-bucket-public-access-block", settings: commercial, bad: append(site.list("pab"), logs.list()...), good: good},
		{rule: "s3-bucket-tls-only", settings: commercial,
			bad: append(swap(site, "policy", res(tPolicy, "site-policy", obj{"bucket": "site", "policy": jsonText(obj{"Statement": list{
				obj{"Effect": "Allow", "Principal": obj{"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "*"}}})})), logs.list()...),
			good: good},
		{rule: "s3-bucket-versioning", settings: commercial,
			bad:  append(swap(site, "versioning", res(tVersioning, "site-versioning", obj{"bucket": "site", "versioningConfiguration": obj{"status": "Suspended"}})), logs.list()...),
			good: good},
		{rule: "s3-bucket-logging", settings: commercial, bad: append(site.list("logging"), logs.list()...), good: good},
		{rule: "s3-bucket-ownership-enforced", settings: commercial,
			bad:  append(swap(site, "ownership", res(tOwnership, "site-ownership", obj{"bucket": "site", "rule": obj{"objectOwnership": "ObjectWriter"}})), logs.list()...),
			good: good},
	}
}
