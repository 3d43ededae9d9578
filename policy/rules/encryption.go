package rules

import (
	"fmt"
	"slices"
)

// Resource types judged by the encryption and data-protection rules.
const (
	typeKMSKey       = "aws:kms/key:Key"
	typeKMSKeyPolicy = "aws:kms/keyPolicy:KeyPolicy"
	typeTable        = "aws:dynamodb/table:Table"
	typeLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	typeSecret       = "aws:secretsmanager/secret:Secret"
	typeRepository   = "aws:ecr/repository:Repository"
	typeFunction     = "aws:lambda/function:Function"
)

func encryptionRules() []Rule {
	f := FamilyEncryption
	return []Rule{
		concerning(stackRule(f, "s3-bucket-sse-kms", controls("SC-28", "SC-28(1)", "SC-12"),
			"S3 buckets encrypt at rest with SSE-KMS under a customer-managed key (access-log buckets excepted).",
			checkBucketSSEKMS), typeBucketV2, typeBucket),
		concerning(stackRule(f, "s3-log-bucket-sse-s3", controls("SC-28", "AU-9"),
			"Access-log buckets for ALB, CloudFront and S3 logs use SSE-S3 (AES256), the only encryption those services can write.",
			checkLogBucketSSES3), typeBucketV2, typeBucket),
		concerning(stackRule(f, "s3-bucket-versioning", controls("CP-9", "CP-10", "SI-12"),
			"S3 buckets have versioning enabled so that overwritten or deleted objects can be recovered.",
			func(st *Stack) []Finding {
				return eachBucket(st, func(b Resource) string {
					for _, v := range bucketSettings(st, b, typeBucketVersioning) {
						status := prop(v, "versioningConfiguration", "status")
						if unknown(status) || str(status) == "Enabled" {
							return ""
						}
					}
					for _, v := range items(prop(b, "versionings")) {
						if isTrue(get(v, "enabled")) {
							return ""
						}
					}
					if isTrue(prop(b, "versioning", "enabled")) {
						return ""
					}
					return "add an aws.s3.BucketVersioningV2 for this bucket with versioningConfiguration.status \"Enabled\""
				})
			}), typeBucketV2, typeBucket),
		resourceRule(f, "kms-key-rotation", controls("SC-12", "SC-12(1)"),
			"Customer-managed symmetric KMS keys rotate automatically.",
			types(typeKMSKey), func(r Resource, _ Settings) []string {
				spec := str(prop(r, "customerMasterKeySpec"))
				if spec != "" && spec != "SYMMETRIC_DEFAULT" {
					return nil
				}
				return msgs(when(!isTrue(prop(r, "enableKeyRotation")) && !unknown(prop(r, "enableKeyRotation")),
					"set enableKeyRotation: true on the key"))
			}),
		resourceRule(f, "kms-key-policy-no-wildcard-principal", controls("AC-3", "AC-6", "SC-12"),
			"KMS key policies never allow a \"*\" principal; they name the account root and the services that need the key.",
			types(typeKMSKey, typeKMSKeyPolicy), func(r Resource, _ Settings) []string {
				doc, ok := jsonDoc(prop(r, "policy"))
				if !ok {
					return nil
				}
				var out []string
				for _, stmt := range statements(doc) {
					if stmt.allow() && stmt.wildcardPrincipal() {
						out = append(out, fmt.Sprintf("statement %q allows the principal \"*\": name the account root or the service principal instead", stmt.sid()))
					}
				}
				return out
			}),
		resourceRule(f, "dynamodb-pitr", controls("CP-9", "CP-10"),
			"DynamoDB tables have point-in-time recovery enabled.",
			types(typeTable), func(r Resource, _ Settings) []string {
				v := prop(r, "pointInTimeRecovery", "enabled")
				return msgs(when(!isTrue(v) && !unknown(v), "set pointInTimeRecovery: {enabled: true} on the table"))
			}),
		resourceRule(f, "dynamodb-deletion-protection", controls("CP-9", "CM-3"),
			"DynamoDB tables have deletion protection on, so a mistaken destroy cannot drop them.",
			types(typeTable), func(r Resource, _ Settings) []string {
				v := prop(r, "deletionProtectionEnabled")
				return msgs(when(!isTrue(v) && !unknown(v), "set deletionProtectionEnabled: true on the table"))
			}),
		resourceRule(f, "dynamodb-cmk", controls("SC-28", "SC-28(1)", "SC-12"),
			"DynamoDB tables encrypt with a customer-managed KMS key.",
			types(typeTable), func(r Resource, _ Settings) []string {
				enabled, key := prop(r, "serverSideEncryption", "enabled"), prop(r, "serverSideEncryption", "kmsKeyArn")
				return msgs(when(!(isTrue(enabled) || unknown(enabled)) || !set(key),
					"set serverSideEncryption: {enabled: true, kmsKeyArn: <the data key's ARN>} on the table"))
			}),
		resourceRule(f, "log-group-cmk", controls("AU-9", "SC-28", "SC-28(1)"),
			"CloudWatch log groups encrypt with a customer-managed KMS key.",
			types(typeLogGroup), func(r Resource, _ Settings) []string {
				return msgs(when(!set(prop(r, "kmsKeyId")), "set kmsKeyId to the log key's ARN (its key policy must admit the logs service principal)"))
			}),
		resourceRule(f, "secretsmanager-cmk", controls("SC-28", "SC-28(1)", "SC-12"),
			"Secrets Manager secrets encrypt with a customer-managed KMS key, not aws/secretsmanager.",
			types(typeSecret), func(r Resource, _ Settings) []string {
				return msgs(when(!set(prop(r, "kmsKeyId")), "set kmsKeyId to a customer-managed key's ARN"))
			}),
		resourceRule(f, "ecr-kms", controls("SC-28", "SC-28(1)"),
			"ECR repositories encrypt images with a customer-managed KMS key.",
			types(typeRepository), func(r Resource, _ Settings) []string {
				for _, e := range items(prop(r, "encryptionConfigurations")) {
					kind := get(e, "encryptionType")
					if unknown(kind) || (str(kind) == "KMS" && set(get(e, "kmsKey"))) {
						return nil
					}
				}
				return []string{"set encryptionConfigurations: [{encryptionType: \"KMS\", kmsKey: <the data key's ARN>}]"}
			}),
		resourceRule(f, "lambda-env-kms", controls("SC-28", "SC-12"),
			"Lambda functions with environment variables encrypt them with a customer-managed KMS key.",
			types(typeFunction), func(r Resource, _ Settings) []string {
				vars := prop(r, "environment", "variables")
				return msgs(when(set(vars) && !set(prop(r, "kmsKeyArn")), "set kmsKeyArn to a customer-managed key's ARN"))
			}),
	}
}

func checkBucketSSEKMS(st *Stack) []Finding {
	return eachBucket(st, func(b Resource) string {
		if isLogBucket(st, b) {
			return ""
		}
		defaults := encryptionDefaults(st, b)
		if len(defaults) == 0 {
			return "add an aws.s3.BucketServerSideEncryptionConfigurationV2 with sseAlgorithm \"aws:kms\" and kmsMasterKeyId set to a customer-managed key"
		}
		for _, d := range defaults {
			algorithm, key := get(d, "sseAlgorithm"), get(d, "kmsMasterKeyId")
			if !unknown(algorithm) && !slices.Contains([]string{"aws:kms", "aws:kms:dsse"}, str(algorithm)) {
				return fmt.Sprintf("sseAlgorithm is %q: use \"aws:kms\" with a customer-managed kmsMasterKeyId "+
					"(tag the bucket %s=%s if it receives access logs)", str(algorithm), LogBucketTagKey, LogBucketTagValue)
			}
			if !set(key) {
				return "set kmsMasterKeyId to a customer-managed key: without it S3 uses the AWS-managed aws/s3 key"
			}
		}
		return ""
	})
}

func checkLogBucketSSES3(st *Stack) []Finding {
	return eachBucket(st, func(b Resource) string {
		if !isLogBucket(st, b) {
			return ""
		}
		defaults := encryptionDefaults(st, b)
		if len(defaults) == 0 {
			return "declare the log bucket's encryption: add an aws.s3.BucketServerSideEncryptionConfigurationV2 with sseAlgorithm \"AES256\""
		}
		for _, d := range defaults {
			if algorithm := get(d, "sseAlgorithm"); !unknown(algorithm) && str(algorithm) != "AES256" {
				return fmt.Sprintf("sseAlgorithm is %q: ALB, CloudFront and S3 server access logs can be delivered only to SSE-S3 buckets; use \"AES256\"", str(algorithm))
			}
		}
		return ""
	})
}
