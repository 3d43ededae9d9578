package rules_test

import "github.com/gatehouse/gatehouse/policy/rules"

const (
	tKey       = "aws:kms/key:Key"
	tKeyPolicy = "aws:kms/keyPolicy:KeyPolicy"
	tTable     = "aws:dynamodb/table:Table"
	tLogGroup  = "aws:cloudwatch/logGroup:LogGroup"
	tSecret    = "aws:secretsmanager/secret:Secret"
	tRepo      = "aws:ecr/repository:Repository"
	tFunction  = "aws:lambda/function:Function"
)

func keyPolicy(principal any) string {
	return jsonText(obj{"Version": "2012-10-17", "Statement": list{obj{
		"Sid": "Admin", "Effect": "Allow", "Principal": principal, "Action": "kms:*", "Resource": "*",
	}}})
}

var (
	goodKey       = obj{"enableKeyRotation": true, "policy": keyPolicy(obj{"AWS": "arn:aws-us-gov:iam::111122223333:root"})}
	goodTable     = obj{"pointInTimeRecovery": obj{"enabled": true}, "serverSideEncryption": obj{"enabled": true, "kmsKeyArn": keyARN}, "deletionProtectionEnabled": true}
	goodLogGroup  = obj{"kmsKeyId": keyARN, "retentionInDays": 400}
	goodRepo      = obj{"imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": obj{"scanOnPush": true}, "encryptionConfigurations": list{obj{"encryptionType": "KMS", "kmsKey": keyARN}}}
	goodFunction  = obj{"runtime": "provided.al2023", "tracingConfig": obj{"mode": "Active"}, "reservedConcurrentExecutions": 50, "kmsKeyArn": keyARN, "environment": obj{"variables": obj{"LOG_LEVEL": "info"}}}
	goodSecretObj = obj{"kmsKeyId": keyARN}
)

func dataCases() []ruleCase {
	one := func(rule string, s rules.Settings, typ string, bad, good obj) ruleCase {
		return ruleCase{rule: rule, settings: s, bad: []rules.Resource{res(typ, "bad", bad)}, good: []rules.Resource{res(typ, "good", good)}}
	}
	return []ruleCase{
		one("kms-key-rotation", fedramp, tKey, with(goodKey, "enableKeyRotation", false), goodKey),
		one("kms-key-policy-no-wildcard-principal", fedramp, tKey, with(goodKey, "policy", keyPolicy("*")), goodKey),
		one("kms-key-policy-no-wildcard-principal", fedramp, tKeyPolicy, obj{"policy": keyPolicy(obj{"AWS": list{"*"}})}, obj{"policy": goodKey["policy"]}),
		one("dynamodb-pitr", fedramp, tTable, without(goodTable, "pointInTimeRecovery"), goodTable),
		one("dynamodb-deletion-protection", fedramp, tTable, with(goodTable, "deletionProtectionEnabled", false), goodTable),
		one("dynamodb-cmk", fedramp, tTable, with(goodTable, "serverSideEncryption", obj{"enabled": true}), goodTable),
		one("log-group-cmk", fedramp, tLogGroup, without(goodLogGroup, "kmsKeyId"), goodLogGroup),
		one("log-group-retention", fedramp, tLogGroup, with(goodLogGroup, "retentionInDays", 30), goodLogGroup),
		one("log-group-retention", commercial, tLogGroup, without(goodLogGroup, "retentionInDays"), with(goodLogGroup, "retentionInDays", 30)),
		one("secretsmanager-cmk", fedramp, tSecret, obj{"name": "client-secret"}, goodSecretObj),
		one("ecr-kms", fedramp, tRepo, with(goodRepo, "encryptionConfigurations", list{obj{"encryptionType": "AES256"}}), goodRepo),
		one("ecr-immutable-tags", fedramp, tRepo, with(goodRepo, "imageTagMutability", "MUTABLE"), goodRepo),
		one("ecr-scan-on-push", fedramp, tRepo, without(goodRepo, "imageScanningConfiguration"), goodRepo),
		one("lambda-env-kms", fedramp, tFunction, without(goodFunction, "kmsKeyArn"), goodFunction),
		one("lambda-tracing", fedramp, tFunction, with(goodFunction, "tracingConfig", obj{"mode": "PassThrough"}), goodFunction),
		one("lambda-reserved-concurrency", fedramp, tFunction, without(goodFunction, "reservedConcurrentExecutions"), goodFunction),
		one("lambda-no-plaintext-secrets", fedramp, tFunction,
			with(goodFunction, "environment", obj{"variables": obj{"OIDC_CLIENT_SECRET": "hunter2"}}),
			with(goodFunction, "environment", obj{"variables": obj{"OIDC_CLIENT_SECRET_ARN": "arn:aws-us-gov:secretsmanager:us-gov-west-1:1:secret:cs"}})),
		one("lambda-supported-runtime", fedramp, tFunction, with(goodFunction, "runtime", "go1.x"), goodFunction),
	}
}
