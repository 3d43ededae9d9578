package components

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

func TestIsFIPSTLSPolicy(t *testing.T) {
	tests := []struct {
		policy string
		fips   bool
	}{
		{"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", true},
		{"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", true},
		{"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", true},
		{"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", true},
		{"ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", false}, // allows TLS 1.1
		{"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", false},
		{"ELBSecurityPolicy-TLS13-1-2-2021-06", false}, // not FIPS
		{"ELBSecurityPolicy-2016-08", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			if got := IsFIPSTLSPolicy(tc.policy); got != tc.fips {
				t.Fatalf("IsFIPSTLSPolicy(%q) = %v, want %v", tc.policy, got, tc.fips)
			}
		})
	}
}

func TestCheckCABundle(t *testing.T) {
	ca, leaf := pkitest.SelfSigned(t, "Test PIV CA", true), pkitest.SelfSigned(t, "DOE.JANE.1234567890", false)
	tests := []struct {
		name, bundle, wantErr string
	}{
		{name: "one CA", bundle: ca},
		{name: "two CAs", bundle: ca + ca},
		{name: "empty", bundle: "not pem", wantErr: "no PEM certificates"},
		{name: "leaf", bundle: ca + leaf, wantErr: "certificate 2 (CN=DOE.JANE.1234567890) is not a CA certificate"},
		{name: "private key", bundle: ca + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", wantErr: `holds a "PRIVATE KEY" block`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkCABundle(tc.bundle)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadBalancerValidation(t *testing.T) {
	gov := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	tests := []struct {
		name string
		args LoadBalancerArgs
		want []string
	}{
		{
			name: "everything wrong",
			args: LoadBalancerArgs{
				Account: gov, VpcCidr: "nope", CertificateArn: "arn:aws:acm:us-east-1:1:certificate/x",
				TlsPolicy: "ELBSecurityPolicy-2016-08", AllowedCidrs: []string{"::/0"}, TargetPort: 80,
				HealthCheckPath: "healthz", MtlsCaBundlePEM: "junk", HostedZoneId: "Z1", IdleTimeoutSeconds: 5000,
			},
			want: []string{
				"VpcId and SubnetIds are required",
				`VpcCidr "nope" is not a CIDR block`,
				"must be in aws-us-gov/us-gov-west-1",
				`TlsPolicy "ELBSecurityPolicy-2016-08" is not a FIPS policy`,
				`AllowedCidrs entry "::/0" is not an IPv4 CIDR block`,
				"TargetPort 80 must be 1024-65535",
				`HealthCheckPath "healthz" must start with /`,
				"WebAclArn is required",
				"mTLS CA bundle has no PEM certificates",
				"TrustStoreKmsKeyArn is required with mTLS",
				"HostedZoneId needs DomainName",
				"IdleTimeoutSeconds 5000 must be 1-4000",
			},
		},
		{
			name: "no account, no certificate",
			args: LoadBalancerArgs{},
			want: []string{"Account is required", `CertificateArn "" is not an ACM certificate ARN`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := offline.New(gov.Partition, gov.Region, gov.AccountID)
			err := offline.Run("gatehouse", "test", map[string]string{"aws:region": gov.Region}, m, func(ctx *pulumi.Context) error {
				_, err := NewLoadBalancer(ctx, "lb", &tc.args)
				return err
			}, offline.Options{})
			wantProblems(t, err, tc.want)
			if n := len(m.Resources()); n != 0 {
				t.Errorf("%d resources created before validation failed", n)
			}
		})
	}
}

// assertProblems checks that err names every wanted problem.
func wantProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
}
