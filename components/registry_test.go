package components

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func TestLifecyclePolicy(t *testing.T) {
	var doc struct {
		Rules []struct {
			RulePriority int `json:"rulePriority"`
			Selection    struct {
				TagStatus   string `json:"tagStatus"`
				CountType   string `json:"countType"`
				CountNumber int    `json:"countNumber"`
			} `json:"selection"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(lifecyclePolicy(20, 7)), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rules) != 2 {
		t.Fatalf("rules: %+v", doc.Rules)
	}
	untagged, any := doc.Rules[0], doc.Rules[1]
	// ECR requires the tagStatus "any" rule to have the lowest priority.
	if untagged.Selection.TagStatus != "untagged" || untagged.Selection.CountNumber != 7 || untagged.RulePriority >= any.RulePriority {
		t.Errorf("untagged rule %+v", untagged)
	}
	if any.Selection.TagStatus != "any" || any.Selection.CountType != "imageCountMoreThan" || any.Selection.CountNumber != 20 {
		t.Errorf("keep rule %+v", any)
	}
}

func TestRegistryValidationAndPinning(t *testing.T) {
	acct := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	push := func(context.Context, string, RegistryAuth) error { t.Error("push under mocks"); return nil }
	tests := []struct {
		name   string
		args   RegistryArgs
		digest string
		want   []string
	}{
		{name: "bad args", args: RegistryArgs{KeepImages: 1, UntaggedExpiryDays: -1}, digest: testDigest,
			want: []string{"KmsKeyArn is required", "KeepImages is 1", "UntaggedExpiryDays is -1"}},
		{name: "bad digest", args: RegistryArgs{KmsKeyArn: pulumi.String("k")}, digest: "latest",
			want: []string{`digest "latest" is not sha256:<64 hex>`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := offline.New(acct.Partition, acct.Region, acct.AccountID)
			err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
				r, err := NewRegistry(ctx, "reg", &tc.args)
				if err != nil {
					return err
				}
				_, err = r.PinnedImage(ctx, PinnedImageArgs{Digest: tc.digest, Push: push})
				return err
			}, offline.Options{})
			wantProblems(t, err, tc.want)
		})
	}
}

// TestPinnedImagePushesBeforeResolving drives the `pulumi up` path under
// mocks: the pusher gets the registry login and, under FIPS, the FIPS host,
// and the pinned reference resolves after the push.
func TestPinnedImagePushesBeforeResolving(t *testing.T) {
	acct := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	tests := []struct {
		name     string
		fips     bool
		wantHost string
	}{
		{name: "standard", wantHost: ".dkr.ecr.us-gov-west-1."},
		{name: "fips", fips: true, wantHost: ".dkr.ecr-fips.us-gov-west-1."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pushedTo string
			var login RegistryAuth
			push := func(_ context.Context, url string, auth RegistryAuth) error {
				pushedTo, login = url, auth
				return nil
			}
			m := offline.New(acct.Partition, acct.Region, acct.AccountID)
			var pinned, repoURL string
			err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
				r, err := NewRegistry(ctx, "reg", &RegistryArgs{KmsKeyArn: pulumi.String("k")})
				if err != nil {
					return err
				}
				ref, err := r.pinnedImage(ctx, PinnedImageArgs{Digest: testDigest, Push: push, FIPS: tc.fips}, true)
				if err != nil {
					return err
				}
				pulumi.All(ref, r.RepositoryUrl).ApplyT(func(v []any) error {
					pinned, repoURL = v[0].(string), v[1].(string)
					return nil
				})
				return nil
			}, offline.Options{Update: true})
			if err != nil {
				t.Fatal(err)
			}
			if pinned != repoURL+"@"+testDigest {
				t.Errorf("pinned %q, want %q", pinned, repoURL+"@"+testDigest)
			}
			if !strings.Contains(pushedTo, tc.wantHost) || login.Username == "" || login.Password == "" {
				t.Errorf("pushed to %q with user %q, want host %s and a login", pushedTo, login.Username, tc.wantHost)
			}
		})
	}
}
