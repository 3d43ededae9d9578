package components

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func TestServiceValidation(t *testing.T) {
	acct := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	tests := []struct {
		name string
		args ServiceArgs
		want []string
	}{
		{
			name: "everything wrong",
			args: ServiceArgs{
				Account: acct, DesiredCount: 1, MaxCount: 0, Cpu: 256, MemoryMiB: 4096, ContainerPort: 80,
				ContainerInsights: "off", LogRetentionDays: 2, EgressPorts: []int{0},
				Environment: map[string]pulumi.StringInput{"lower": pulumi.String("x"), "SECRET": pulumi.String("y")},
				Secrets:     map[string]pulumi.StringInput{"SECRET": pulumi.String("arn")},
			},
			want: []string{
				"AlbSecurityGroupId is required", "Image is required", "SessionTableArn is required",
				"DesiredCount is 1; run at least 2 tasks",
				"Cpu 256 with MemoryMiB 4096 is not a Fargate task size",
				"ContainerPort 80 must be 1024-65535",
				`ContainerInsights "off" must be enabled or enhanced`,
				"LogRetentionDays 2 is not a CloudWatch Logs retention",
				"EgressPorts entry 0 is not a TCP port",
				`Environment name "lower" is not an upper-case variable name`,
				"SECRET is both in Environment and Secrets",
			},
		},
		{name: "no account", args: ServiceArgs{}, want: []string{"Account is required", "VpcId is required"}},
		{name: "max below desired", args: ServiceArgs{Account: acct, DesiredCount: 3, MaxCount: 2}, want: []string{"MaxCount 2 is below DesiredCount 3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := offline.New(acct.Partition, acct.Region, acct.AccountID)
			err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
				_, err := NewService(ctx, "svc", &tc.args)
				return err
			}, offline.Options{})
			wantProblems(t, err, tc.want)
		})
	}
}

func TestFargateTaskSizes(t *testing.T) {
	tests := []struct {
		cpu, mem int
		ok       bool
	}{
		{256, 512, true}, {256, 4096, false}, {512, 1024, true}, {512, 1536, false},
		{1024, 2048, true}, {2048, 16384, true}, {4096, 30720, true}, {300, 1024, false},
	}
	for _, tc := range tests {
		if got := fargateMemoryValid(tc.cpu, tc.mem); got != tc.ok {
			t.Errorf("fargateMemoryValid(%d, %d) = %v, want %v", tc.cpu, tc.mem, got, tc.ok)
		}
	}
}
