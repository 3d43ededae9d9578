package components

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func TestEndpointServiceName(t *testing.T) {
	tests := []struct{ region, svc, want string }{
		{"us-gov-west-1", "ecr.dkr", "com.amazonaws.us-gov-west-1.ecr.dkr"},
		{"us-gov-east-1", "kms-fips", "com.amazonaws.us-gov-east-1.kms-fips"},
		{"us-east-1", "s3", "com.amazonaws.us-east-1.s3"},
	}
	for _, tc := range tests {
		if got := EndpointServiceName(tc.region, tc.svc); got != tc.want {
			t.Errorf("EndpointServiceName(%s, %s) = %s, want %s", tc.region, tc.svc, got, tc.want)
		}
	}
}

func TestEcrLayerBucketArnIsPartitionAware(t *testing.T) {
	for _, tc := range []struct{ partition, region, want string }{
		{PartitionGovCloud, "us-gov-west-1", "arn:aws-us-gov:s3:::prod-us-gov-west-1-starport-layer-bucket"},
		{PartitionCommercial, "us-west-2", "arn:aws:s3:::prod-us-west-2-starport-layer-bucket"},
	} {
		if got := EcrLayerBucketArn(testAccount(tc.partition, tc.region)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.region, got, tc.want)
		}
	}
}

func TestNetworkEndpointsAndValidation(t *testing.T) {
	acct := &Account{Partition: PartitionCommercial, AccountID: "123456789012", Region: "us-east-1", DNSSuffix: "amazonaws.com"}
	tests := []struct {
		name      string
		args      NetworkArgs
		want      []string // problems; empty when the network must be created
		endpoints []string
	}{
		{
			name:      "defaults",
			args:      NetworkArgs{Account: acct, LogKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/x")},
			endpoints: []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "s3", "dynamodb"},
		},
		{
			name:      "fips adds kms-fips",
			args:      NetworkArgs{Account: acct, FIPS: true, LogKeyArn: pulumi.String("arn:aws:kms:us-east-1:123456789012:key/x")},
			endpoints: []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "kms-fips", "s3", "dynamodb"},
		},
		{
			name: "everything wrong",
			args: NetworkArgs{CidrBlock: "10.0.0.0/24", AvailabilityZones: 1, NatGateways: "None", FlowLogRetentionDays: 2},
			want: []string{
				"Account is required",
				`CidrBlock "10.0.0.0/24" must be an IPv4 range from /16 to /20`,
				"AvailabilityZones is 1; use 2 to 6",
				`NatGateways "None" must be OnePerAz or Single`,
				"LogKeyArn is required",
				"FlowLogRetentionDays 2 is not a CloudWatch Logs retention",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := offline.New(acct.Partition, acct.Region, acct.AccountID)
			err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
				_, err := NewNetwork(ctx, "net", &tc.args)
				return err
			}, offline.Options{})
			if len(tc.want) > 0 {
				wantProblems(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				got = append(got, offline.GetString(r.Inputs, "serviceName"))
			}
			var want []string
			for _, svc := range tc.endpoints {
				want = append(want, EndpointServiceName(acct.Region, svc))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("endpoints %v, want %v", got, want)
			}
			vpc := only(t, m, "awsx:ec2:Vpc").Inputs
			if offline.GetString(vpc, "natGateways.strategy") != NatOnePerAz {
				t.Errorf("NAT strategy %q, want OnePerAz", offline.GetString(vpc, "natGateways.strategy"))
			}
			if v, _ := offline.Get(vpc, "numberOfAvailabilityZones"); !v.IsNumber() || v.NumberValue() < 2 {
				t.Errorf("numberOfAvailabilityZones = %v, want >= 2", v)
			}
			for _, r := range m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				layers := strings.Contains(offline.GetString(r.Inputs, "policy"), `"Resource":["arn:aws:s3:::prod-us-east-1-starport-layer-bucket/*"]`)
				if s3 := offline.GetString(r.Inputs, "serviceName") == EndpointServiceName(acct.Region, "s3"); s3 != layers {
					t.Errorf("%s: ECR's layer bucket readable = %v; only the S3 gateway must allow it, or no task pulls its image: %s",
						r.Name, layers, offline.GetString(r.Inputs, "policy"))
				}
				if offline.GetString(r.Inputs, "vpcEndpointType") == "Interface" && !offline.GetBool(r.Inputs, "privateDnsEnabled") {
					t.Errorf("%s: private DNS off", r.Name)
				}
				if !strings.Contains(offline.GetString(r.Inputs, "policy"), `"aws:PrincipalAccount":"123456789012"`) {
					t.Errorf("%s: endpoint open to other accounts' principals: %s", r.Name, offline.GetString(r.Inputs, "policy"))
				}
			}
		})
	}
}
