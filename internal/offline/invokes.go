package offline

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// answerInvoke returns what AWS would for the data sources the program calls.
// Unknown invokes echo their arguments, which keeps new code runnable under
// mocks until an answer is added here.
func answerInvoke(a *fakeAccount, args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	s := resource.NewStringProperty
	switch args.Token {
	case "aws:index/getPartition:getPartition":
		return resource.PropertyMap{
			"id": s(a.partition), "partition": s(a.partition),
			"dnsSuffix": s(a.dnsSuffix()), "reverseDnsPrefix": s("com.amazonaws"),
		}, nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.PropertyMap{
			"id": s(a.account), "accountId": s(a.account), "userId": s("AIDAMOCKUSER"),
			"arn": s(a.arn("iam", "", "user/deployer")),
		}, nil
	case "aws:index/getRegion:getRegion":
		return resource.PropertyMap{
			"id": s(a.region), "name": s(a.region), "region": s(a.region),
			"endpoint":    s(fmt.Sprintf("ec2.%s.%s", a.region, a.dnsSuffix())),
			"description": s(a.region),
		}, nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := []resource.PropertyValue{s(a.region + "a"), s(a.region + "b"), s(a.region + "c")}
		return resource.PropertyMap{"id": s(a.region), "names": resource.NewArrayProperty(names), "zoneIds": resource.NewArrayProperty(names)}, nil
	case "aws:secretsmanager/getRandomPassword:getRandomPassword":
		return resource.PropertyMap{"id": s("random"), "randomPassword": s("mock-random-0123456789abcdefghijklmnopqrstuvwxyz")}, nil
	case "aws:cloudfront/getCachePolicy:getCachePolicy",
		"aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy",
		"aws:cloudfront/getResponseHeadersPolicy:getResponseHeadersPolicy":
		name := "policy"
		if v, ok := args.Args["name"]; ok && v.IsString() {
			name = v.StringValue()
		}
		return resource.PropertyMap{"id": s(fakeID(args.Token, name)), "name": s(name)}, nil
	case "aws:ec2/getRouteTables:getRouteTables":
		ids := []resource.PropertyValue{s("rtb-" + a.region + "-private-a"), s("rtb-" + a.region + "-private-b")}
		return resource.PropertyMap{"id": s(a.region), "ids": resource.NewArrayProperty(ids)}, nil
	case "aws:elb/getServiceAccount:getServiceAccount":
		return resource.PropertyMap{"id": s("elb"), "arn": s(a.arn("iam", "", "root"))}, nil
	case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
		return resource.PropertyMap{
			"id": s(a.account), "authorizationToken": s("QVdTOm1vY2s="), "userName": s("AWS"), "password": s("mock"),
			"proxyEndpoint": s(fmt.Sprintf("https://%s.dkr.ecr.%s.%s", a.account, a.region, a.dnsSuffix())),
		}, nil
	}
	return args.Args, nil
}
