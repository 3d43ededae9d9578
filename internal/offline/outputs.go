package offline

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

type fakeAccount struct{ partition, region, account string }

func (a *fakeAccount) arn(service, region, res string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.partition, service, region, a.account, res)
}

func (a *fakeAccount) dnsSuffix() string { return "amazonaws.com" }

// computeOutputs fills in what the AWS provider computes on create and returns
// the physical ID AWS would assign. Inputs are kept; only missing outputs are added.
func computeOutputs(a *fakeAccount, token, name, id string, out resource.PropertyMap) string {
	set := func(k, v string) {
		if _, ok := out[resource.PropertyKey(k)]; !ok {
			out[resource.PropertyKey(k)] = resource.NewStringProperty(v)
		}
	}
	str := func(k string) string {
		if v, ok := out[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	physical := str("name")
	if physical == "" {
		physical = name + "-" + id[:7]
	}
	set("name", physical)
	r := a.region

	switch token {
	case "aws:kms/key:Key":
		keyID := fmt.Sprintf("%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], "a1b2", id[:12])
		set("keyId", keyID)
		set("arn", a.arn("kms", r, "key/"+keyID))
	case "aws:kms/alias:Alias":
		set("arn", a.arn("kms", r, str("name")))
	case "aws:kms/ciphertext:Ciphertext":
		// KMS ciphertext is base64; consumers decode it.
		set("ciphertextBlob", base64.StdEncoding.EncodeToString([]byte("mock-kms-ciphertext-"+id)))
	case "aws:dynamodb/table:Table":
		set("arn", a.arn("dynamodb", r, "table/"+physical))
		set("streamArn", a.arn("dynamodb", r, "table/"+physical+"/stream/2026-01-01T00:00:00.000"))
	case "aws:cloudwatch/logGroup:LogGroup":
		set("arn", a.arn("logs", r, "log-group:"+physical))
	case "aws:wafv2/webAcl:WebAcl":
		scope := "regional"
		if str("scope") == "CLOUDFRONT" {
			scope = "global"
		}
		set("arn", a.arn("wafv2", r, fmt.Sprintf("%s/webacl/%s/%s", scope, physical, id)))
	case "aws:cognito/userPool:UserPool":
		poolID := r + "_" + strings.ToUpper(id[:9])
		set("arn", a.arn("cognito-idp", r, "userpool/"+poolID))
		set("endpoint", fmt.Sprintf("cognito-idp.%s.%s/%s", r, a.dnsSuffix(), poolID))
		return poolID
	case "aws:cognito/userPoolClient:UserPoolClient":
		set("clientSecret", "mock-client-secret-"+id)
	case "aws:secretsmanager/secret:Secret":
		set("arn", a.arn("secretsmanager", r, "secret:"+physical+"-AbCdEf"))
	case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
		bucket := str("bucket")
		if bucket == "" {
			bucket = physical
			set("bucket", bucket)
		}
		set("arn", fmt.Sprintf("arn:%s:s3:::%s", a.partition, bucket))
		set("bucketDomainName", bucket+".s3.amazonaws.com")
		set("bucketRegionalDomainName", fmt.Sprintf("%s.s3.%s.%s", bucket, r, a.dnsSuffix()))
	case "aws:cloudfront/distribution:Distribution":
		distID := "E" + strings.ToUpper(id[:13])
		set("arn", a.arn("cloudfront", "", "distribution/"+distID))
		set("domainName", "d"+id[:13]+".cloudfront.net")
		set("hostedZoneId", "Z2FDTNDATAQYW2")
		set("status", "Deployed")
		return distID
	case "aws:apigatewayv2/api:Api":
		set("apiEndpoint", fmt.Sprintf("https://%s.execute-api.%s.%s", id[:10], r, a.dnsSuffix()))
		set("executionArn", a.arn("execute-api", r, id[:10]))
		set("arn", fmt.Sprintf("arn:%s:apigateway:%s::/apis/%s", a.partition, r, id[:10]))
	case "aws:lambda/function:Function":
		arn := a.arn("lambda", r, "function:"+physical)
		set("arn", arn)
		set("qualifiedArn", arn+":1")
		set("invokeArn", fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", a.partition, r, arn))
	case "aws:iam/role:Role":
		set("arn", a.arn("iam", "", "role/"+physical))
		set("uniqueId", "AROA"+strings.ToUpper(id))
	case "aws:iam/policy:Policy":
		set("arn", a.arn("iam", "", "policy/"+physical))
	case "aws:lb/loadBalancer:LoadBalancer":
		set("arn", a.arn("elasticloadbalancing", r, "loadbalancer/app/"+physical+"/"+id))
		set("arnSuffix", "app/"+physical+"/"+id)
		set("dnsName", fmt.Sprintf("%s-%s.%s.elb.%s", physical, id[:8], r, a.dnsSuffix()))
		set("zoneId", "Z1H1FL5HABSF5")
	case "aws:lb/targetGroup:TargetGroup":
		set("arn", a.arn("elasticloadbalancing", r, "targetgroup/"+physical+"/"+id))
		set("arnSuffix", "targetgroup/"+physical+"/"+id)
	case "aws:lb/listener:Listener":
		set("arn", a.arn("elasticloadbalancing", r, "listener/app/"+physical+"/"+id))
	case "aws:lb/trustStore:TrustStore":
		set("arn", a.arn("elasticloadbalancing", r, "truststore/"+physical+"/"+id))
	case "aws:ecr/repository:Repository":
		set("arn", a.arn("ecr", r, "repository/"+physical))
		set("repositoryUrl", fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", a.account, r, a.dnsSuffix(), physical))
		set("registryId", a.account)
	case "aws:ecs/cluster:Cluster":
		set("arn", a.arn("ecs", r, "cluster/"+physical))
	case "aws:ecs/taskDefinition:TaskDefinition":
		set("arn", a.arn("ecs", r, "task-definition/"+str("family")+":1"))
		set("revision", "1")
	case "aws:ecs/service:Service":
		set("arn", a.arn("ecs", r, "service/"+physical))
	case "aws:ec2/securityGroup:SecurityGroup":
		set("arn", a.arn("ec2", r, "security-group/sg-"+id))
	case "aws:acm/certificate:Certificate":
		set("arn", a.arn("acm", r, "certificate/"+id))
	case "aws:cloudfront/originAccessControl:OriginAccessControl",
		"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
		"aws:cloudfront/cachePolicy:CachePolicy":
		set("etag", "E"+strings.ToUpper(id[:12]))
	case "awsx:ec2:Vpc":
		vpcOutputs(a, id, out)
		return id
	}
	set("arn", a.arn(serviceOf(token), r, physical))
	return id
}

// serviceOf maps "aws:<module>/<type>:<Type>" to its ARN service name.
func serviceOf(token string) string {
	parts := strings.SplitN(strings.TrimPrefix(token, "aws:"), "/", 2)
	switch parts[0] {
	case "cloudwatch":
		return "logs"
	case "lb":
		return "elasticloadbalancing"
	case "cognito":
		return "cognito-idp"
	case "apigatewayv2":
		return "apigateway"
	}
	return parts[0]
}

func vpcOutputs(a *fakeAccount, id string, out resource.PropertyMap) {
	ids := func(prefix string, n int) resource.PropertyValue {
		vals := make([]resource.PropertyValue, n)
		for i := range vals {
			vals[i] = resource.NewStringProperty(fmt.Sprintf("%s-%s%d", prefix, id[:8], i))
		}
		return resource.NewArrayProperty(vals)
	}
	out["vpcId"] = resource.NewStringProperty("vpc-" + id)
	out["privateSubnetIds"] = ids("subnet-priv", 3)
	out["publicSubnetIds"] = ids("subnet-pub", 3)
	out["isolatedSubnetIds"] = resource.NewArrayProperty(nil)
	out["vpc"] = resource.NewObjectProperty(resource.PropertyMap{
		"id":                     resource.NewStringProperty("vpc-" + id),
		"arn":                    resource.NewStringProperty(a.arn("ec2", a.region, "vpc/vpc-"+id)),
		"cidrBlock":              resource.NewStringProperty("10.0.0.0/16"),
		"defaultSecurityGroupId": resource.NewStringProperty("sg-default-" + id[:8]),
	})
}
