package evidence

import (
	"strings"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// services names the AWS service of a resource type's module.
var services = map[string]string{
	"apigatewayv2": "API Gateway", "appautoscaling": "Application Auto Scaling", "cloudfront": "CloudFront",
	"cloudwatch": "CloudWatch Logs", "cognito": "Cognito", "dynamodb": "DynamoDB", "ec2": "VPC", "ecr": "ECR",
	"ecs": "ECS Fargate", "iam": "IAM", "kms": "KMS", "lambda": "Lambda", "lb": "Elastic Load Balancing",
	"route53": "Route 53", "s3": "S3", "secretsmanager": "Secrets Manager", "wafv2": "WAF",
}

// serviceOf is the AWS service of a type token ("aws:s3/bucketV2:BucketV2" → "S3").
func serviceOf(token string) string {
	parts := strings.Split(token, ":")
	if len(parts) < 2 {
		return token
	}
	module, _, _ := strings.Cut(parts[1], "/")
	if s, ok := services[module]; ok {
		return s
	}
	if parts[0] == "awsx" {
		return "VPC"
	}
	return module
}

func regionOf(n *node, stackRegion string) string {
	if v, ok := resource.ToResourcePropertyMap(n.Provider.Properties)["region"]; ok && v.IsString() && v.StringValue() != "" {
		return v.StringValue()
	}
	return stackRegion
}

// Data categories, one fact each, shared by resources and connections.
const (
	dataSessions     = "session records (sealed tokens, user and session identifiers)"
	dataUserData     = "user data"
	dataIdentities   = "user identities, credentials and MFA settings"
	dataTokens       = "OIDC tokens and authorization codes"
	dataClientSecret = "the OIDC client secret"
	dataKeys         = "encryption keys (never leave KMS)"
	dataDataKey      = "the session data key (wrapped by KMS)"
	dataKeyUse       = "wrapped keys and secrets to decrypt (the KMS key never leaves KMS)"
	dataLogs         = "logs"
	dataSPA          = "the SPA's static files (public)"
	dataRequests     = "HTTP requests and responses of signed-in users (session cookie, user data)"
	dataCABundle     = "the CA bundle trusted for client certificates (public)"
	dataImages       = "the BFF's container image"
	dataAccessToken  = "the user's access token"
	dataFederation   = "SAML or OIDC assertions about the user"
	dataIdPMetadata  = "the identity provider's metadata (public)"
)

// stored is what a resource keeps at rest, by its type and its place in the stack.
func stored(g *graph, n *node) []string {
	switch n.Type {
	case "aws:dynamodb/table:Table":
		if n.component != nil && n.component.Type == "gatehouse:data:SessionTable" {
			return []string{dataSessions}
		}
		return []string{dataUserData}
	case "aws:s3/bucketV2:BucketV2":
		switch {
		case rules.IsLogBucket(g.all, n.Resource):
			return []string{dataLogs}
		case g.byProp("aws:lb/trustStore:TrustStore", "caCertificatesBundleS3Bucket", str(n.p, "bucket")) != nil:
			return []string{dataCABundle}
		}
		return []string{dataSPA}
	case "aws:s3/bucketObjectv2:BucketObjectv2":
		if b := g.byProp("aws:s3/bucketV2:BucketV2", "bucket", str(n.p, "bucket")); b != nil {
			return stored(g, b)
		}
		return []string{dataSPA}
	case "aws:cloudwatch/logGroup:LogGroup":
		return []string{dataLogs}
	case "aws:kms/key:Key":
		return []string{dataKeys}
	case "aws:kms/ciphertext:Ciphertext":
		return []string{dataDataKey}
	case "aws:secretsmanager/secret:Secret":
		return []string{"a secret: " + strings.TrimSuffix(cmpOr(str(n.p, "description"), n.Name), ".")}
	case "aws:secretsmanager/secretVersion:SecretVersion":
		if s := g.byARN(str(n.p, "secretId"), "aws:secretsmanager/secret:Secret"); s != nil {
			return stored(g, s)
		}
		return []string{"a secret value"}
	case "aws:cognito/userPool:UserPool":
		return []string{dataIdentities}
	case "aws:ecr/repository:Repository":
		return []string{dataImages}
	}
	return nil
}

// atRest names what encrypts a resource's stored data.
func atRest(g *graph, n *node) string {
	keyName := func(arn string) string {
		if k := g.byARN(arn, "aws:kms/key:Key"); k != nil {
			return "KMS key " + k.Name
		}
		if arn != "" {
			return "KMS key " + arn
		}
		return ""
	}
	switch n.Type {
	case "aws:dynamodb/table:Table":
		if boolean(n.p, "serverSideEncryption", "enabled") {
			if k := keyName(str(n.p, "serverSideEncryption", "kmsKeyArn")); k != "" {
				return k
			}
			return "AWS managed KMS key"
		}
		return "AWS owned key"
	case "aws:cloudwatch/logGroup:LogGroup":
		if k := keyName(str(n.p, "kmsKeyId")); k != "" {
			return k
		}
		return "CloudWatch Logs service encryption"
	case "aws:secretsmanager/secret:Secret":
		if k := keyName(str(n.p, "kmsKeyId")); k != "" {
			return k
		}
		return "aws/secretsmanager key"
	case "aws:s3/bucketV2:BucketV2":
		for _, c := range g.ofType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
			if str(c.p, "bucket") != str(n.p, "bucket") && str(c.p, "bucket") != str(n.p, "id") {
				continue
			}
			rule := get(c.p, "rules", 0, "applyServerSideEncryptionByDefault")
			if str(rule, "sseAlgorithm") == "aws:kms" {
				return keyName(str(rule, "kmsMasterKeyId"))
			}
			return "SSE-S3 (AES-256)"
		}
		return "SSE-S3 (AES-256), the S3 default"
	case "aws:ecr/repository:Repository":
		if k := keyName(str(n.p, "encryptionConfigurations", 0, "kmsKey")); k != "" {
			return k
		}
		return "AES-256 (ECR default)"
	case "aws:lambda/function:Function":
		if k := keyName(str(n.p, "kmsKeyArn")); k != "" {
			return k + " (environment)"
		}
	case "aws:kms/key:Key":
		return "key material held in KMS's FIPS 140 validated HSMs"
	case "aws:cognito/userPool:UserPool":
		return "AWS managed (Cognito)"
	}
	return ""
}
