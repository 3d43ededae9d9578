package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// EndpointServiceName is the PrivateLink service name of an AWS service in a
// region. GovCloud uses the same com.amazonaws prefix as the commercial
// partition (com.amazonaws.us-gov-west-1.ecr.dkr).
func EndpointServiceName(region, service string) string {
	return fmt.Sprintf("com.amazonaws.%s.%s", region, service)
}

func (n *Network) addEndpoints(ctx *pulumi.Context, name string, a NetworkArgs, vpc *awsxec2.Vpc, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) error {
	sg, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       vpc.VpcId,
		Description: pulumi.String("HTTPS from inside the VPC to AWS service endpoints"),
		Ingress: ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(443),
			ToPort:      pulumi.Int(443),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.CidrBlock)},
		}},
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   tags,
	}, child)
	if err != nil {
		return fmt.Errorf("components: network %s: endpoint security group: %w", name, err)
	}
	n.EndpointSecurityGroupId = sg.ID().ToStringOutput()

	for _, svc := range a.InterfaceEndpoints {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:             vpc.VpcId,
			ServiceName:       pulumi.String(EndpointServiceName(a.Account.Region, svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         vpc.PrivateSubnetIds,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
			Policy:            pulumi.String(endpointPolicy(a.Account, svc)),
			Tags:              tags,
		}, child); err != nil {
			return fmt.Errorf("components: network %s: %s endpoint: %w", name, svc, err)
		}
	}

	// Gateway endpoints attach to the private subnets' route tables, which
	// awsx creates inside the VPC component; look them up by association.
	routeTables := ec2.GetRouteTablesOutput(ctx, ec2.GetRouteTablesOutputArgs{
		VpcId: vpc.VpcId,
		Filters: ec2.GetRouteTablesFilterArray{&ec2.GetRouteTablesFilterArgs{
			Name:   pulumi.String("association.subnet-id"),
			Values: vpc.PrivateSubnetIds,
		}},
	}, child)
	for _, svc := range gatewayEndpoints {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:           vpc.VpcId,
			ServiceName:     pulumi.String(EndpointServiceName(a.Account.Region, svc)),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   routeTables.Ids(),
			Policy:          pulumi.String(endpointPolicy(a.Account, svc)),
			Tags:            tags,
		}, child); err != nil {
			return fmt.Errorf("components: network %s: %s endpoint: %w", name, svc, err)
		}
	}
	return nil
}

// endpointPolicy lets only this account's principals use an endpoint, so
// credentials from another account cannot carry data out through it
// (SC-7(10)). Every caller of the interface endpoints and of DynamoDB is a
// role of this account (the task, execution and flow-log roles). S3 is the
// exception: ECR answers an image pull with presigned URLs to its own
// bucket, signed by an AWS account, so the S3 gateway endpoint also lets
// anyone read that one bucket, or no task could pull its image.
func endpointPolicy(acct *Account, service string) string {
	statements := []Statement{{
		Sid:       "OnlyThisAccountsPrincipals",
		Effect:    "Allow",
		Principal: map[string]any{"AWS": "*"},
		Action:    []string{"*"},
		Resource:  "*",
		Condition: map[string]map[string]any{"StringEquals": {"aws:PrincipalAccount": acct.AccountID}},
	}}
	if service == "s3" {
		statements = append(statements, Statement{
			Sid:       "EcrImageLayers",
			Effect:    "Allow",
			Principal: map[string]any{"AWS": "*"},
			Action:    []string{"s3:GetObject"},
			Resource:  []string{EcrLayerBucketArn(acct) + "/*"},
		})
	}
	return NewPolicy(statements...).JSON()
}

// EcrLayerBucketArn is the AWS-owned bucket ECR serves image layers from in
// the account's region ("Minimum Amazon S3 bucket permissions for Amazon
// ECR", https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway),
// in the account's partition.
func EcrLayerBucketArn(acct *Account) string {
	return fmt.Sprintf("arn:%s:s3:::prod-%s-starport-layer-bucket", acct.Partition, acct.Region)
}

// addFlowLogs records ALL traffic of the VPC (AU-2, AU-12, SI-4) into a log
// group encrypted with the log CMK.
func (n *Network) addFlowLogs(ctx *pulumi.Context, name string, a NetworkArgs, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) error {
	group, err := NewLogGroup(ctx, name+"-flow-logs", &LogGroupArgs{
		KmsKeyArn:     a.LogKeyArn,
		RetentionDays: a.FlowLogRetentionDays,
	}, child)
	if err != nil {
		return err
	}
	n.FlowLogGroupArn = group.Arn

	acct := a.Account
	trust := NewPolicy(Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": acct.ServicePrincipal("vpc-flow-logs")},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": acct.AccountID},
			"ArnLike":      {"aws:SourceArn": acct.Arn("ec2", acct.Region, "vpc-flow-log/*")},
		},
	})
	role, err := iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Name:             physicalName(typeRole, name+"-flow-logs"),
		Description:      pulumi.String("VPC flow logs delivery to CloudWatch Logs"),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
		Tags:             tags,
	}, child)
	if err != nil {
		return fmt.Errorf("components: network %s: flow log role: %w", name, err)
	}
	policy := group.Arn.ApplyT(func(arn string) string {
		return NewPolicy(Allow(
			[]string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
			arn, arn+":*",
		)).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Name:   physicalName(typeRolePolicy, name+"-flow-logs"),
		Role:   role.ID(),
		Policy: policy,
	}, child); err != nil {
		return fmt.Errorf("components: network %s: flow log policy: %w", name, err)
	}
	if _, err := ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  n.VpcId,
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         group.Arn,
		IamRoleArn:             role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   tags,
	}, child); err != nil {
		return fmt.Errorf("components: network %s: flow log: %w", name, err)
	}
	return nil
}
