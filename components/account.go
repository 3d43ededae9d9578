// Package components holds Gatehouse's Pulumi component resources: the shared
// pieces every topology reuses (KMS keys, WAF, Cognito identity, the session
// table, log groups) and the two topologies that tie them together.
package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Partition names. Everything else about a partition is looked up at run time.
const (
	PartitionCommercial = "aws"
	PartitionGovCloud   = "aws-us-gov"
)

// PartitionForRegion derives the partition from a region name, for config
// validation before any AWS call. At deploy time the partition comes from
// LookupAccount instead.
func PartitionForRegion(region string) string {
	if strings.HasPrefix(region, "us-gov-") {
		return PartitionGovCloud
	}
	return PartitionCommercial
}

// Account is the partition, account and region the program deploys into, as
// looked up from AWS at run time. Every ARN a component builds comes from here,
// so the same code is right in commercial and GovCloud.
type Account struct {
	Partition string
	AccountID string
	Region    string
	DNSSuffix string
}

// LookupAccount asks AWS (through the given provider) which partition, account
// and region it talks to.
func LookupAccount(ctx *pulumi.Context, opts ...pulumi.InvokeOption) (*Account, error) {
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: look up partition: %w", err)
	}
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: look up account: %w", err)
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: look up region: %w", err)
	}
	return &Account{
		Partition: partition.Partition,
		AccountID: caller.AccountId,
		Region:    region.Name,
		DNSSuffix: partition.DnsSuffix,
	}, nil
}

// Arn builds arn:<partition>:<service>:<region>:<account>:<resource>. Pass an
// empty region for global services such as IAM.
func (a *Account) Arn(service, region, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", a.Partition, service, region, a.AccountID, resource)
}

// RootArn is the account's root principal, used in key policies to delegate
// to IAM.
func (a *Account) RootArn() string { return a.Arn("iam", "", "root") }

// ServicePrincipal is the principal a service uses in this partition. CloudWatch
// Logs is regional; the other services Gatehouse grants to are global names.
func (a *Account) ServicePrincipal(service string) string {
	if service == "logs" {
		return fmt.Sprintf("logs.%s.%s", a.Region, a.DNSSuffix)
	}
	return service + ".amazonaws.com"
}

// IsGovCloud reports whether the account is in the AWS GovCloud (US) partition.
func (a *Account) IsGovCloud() bool { return a.Partition == PartitionGovCloud }
