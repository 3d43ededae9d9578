package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components/names"
)

// Pulumi type tokens of the resources Gatehouse names itself. Autonaming
// appends seven random characters to the logical name and knows neither the
// length limit nor the alphabet of most of them, so a long or dotted stack
// name would be refused at preview or apply; see package names.
const (
	typeLoadBalancer          = "aws:lb/loadBalancer:LoadBalancer"
	typeTargetGroup           = "aws:lb/targetGroup:TargetGroup"
	typeTrustStore            = "aws:lb/trustStore:TrustStore"
	typeRole                  = "aws:iam/role:Role"
	typeRolePolicy            = "aws:iam/rolePolicy:RolePolicy"
	typeFunction              = "aws:lambda/function:Function"
	typeBucket                = "aws:s3/bucketV2:BucketV2"
	typeKmsAlias              = "aws:kms/alias:Alias"
	typeRepository            = "aws:ecr/repository:Repository"
	typeLogGroup              = "aws:cloudwatch/logGroup:LogGroup"
	typeWebAcl                = "aws:wafv2/webAcl:WebAcl"
	typeCluster               = "aws:ecs/cluster:Cluster"
	typeService               = "aws:ecs/service:Service"
	typeTaskDefinition        = "aws:ecs/taskDefinition:TaskDefinition"
	typeCloudFrontFunction    = "aws:cloudfront/function:Function"
	typeOriginAccessControl   = "aws:cloudfront/originAccessControl:OriginAccessControl"
	typeResponseHeadersPolicy = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
	typeHttpApi               = "aws:apigatewayv2/api:Api"
	typeUserPool              = "aws:cognito/userPool:UserPool"
	typeUserPoolClient        = "aws:cognito/userPoolClient:UserPoolClient"
	typeUserPoolDomain        = "aws:cognito/userPoolDomain:UserPoolDomain"
)

// physicalName is the AWS name of the resource of type typ whose logical name
// is name: the logical name where AWS accepts it, else fitted with a hash.
func physicalName(typ, name string) pulumi.String {
	return pulumi.String(names.For(typ).Fit(name))
}

// bucketName is the name of a bucket in S3's global namespace: fitted, and
// always with a hash of account and region, so two accounts deploying the
// same stack never collide.
func bucketName(acct *Account, name string) pulumi.String {
	return pulumi.String(names.For(typeBucket).Fit(name, acct.AccountID, acct.Region))
}
