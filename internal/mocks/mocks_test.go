package mocks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestLoadStackConfigFlattensStructuredValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Pulumi.x.yaml")
	err := os.WriteFile(path, []byte(`config:
  aws:region: us-gov-west-1
  gatehouse:desiredCount: 3
  gatehouse:sampleTodo: true
  gatehouse:groups: [staff, admins]
  gatehouse:mtls:
    mode: verify
  gatehouse:federationClientSecret:
    secure: v1:abc
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadStackConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region":                       "us-gov-west-1",
		"gatehouse:desiredCount":           "3",
		"gatehouse:sampleTodo":             "true",
		"gatehouse:groups":                 `["staff","admins"]`,
		"gatehouse:mtls":                   `{"mode":"verify"}`,
		"gatehouse:federationClientSecret": "mock-secret-value",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestComputedOutputsArePartitionCorrect(t *testing.T) {
	tests := []struct {
		region, token, path, want string
	}{
		{"us-gov-west-1", "aws:kms/key:Key", "arn", "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/"},
		{"us-east-1", "aws:dynamodb/table:Table", "arn", "arn:aws:dynamodb:us-east-1:123456789012:table/t-"},
		{"us-gov-west-1", "aws:s3/bucketV2:BucketV2", "arn", "arn:aws-us-gov:s3:::t-"},
		{"us-gov-west-1", "aws:ecr/repository:Repository", "repositoryUrl", "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/t-"},
		{"us-gov-west-1", "aws:sqs/queue:Queue", "arn", "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:t-"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			m := ForRegion(tt.region)
			_, out, err := m.NewResource(newArgs(tt.token, "t"))
			if err != nil {
				t.Fatal(err)
			}
			got := GetString(out, tt.path)
			if len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
				t.Errorf("%s = %q, want prefix %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestGetWalksNestedPaths(t *testing.T) {
	props := resource.NewPropertyMapFromMap(map[string]any{
		"origins": []any{map[string]any{"domainName": "b.s3", "s3OriginConfig": map[string]any{"oai": ""}}},
		"enabled": true,
	})
	if GetString(props, "origins[0].domainName") != "b.s3" || !GetBool(props, "enabled") {
		t.Fatal("nested read failed")
	}
	if _, ok := Get(props, "origins[3].domainName"); ok {
		t.Fatal("out-of-range index reported present")
	}
}
func newArgs(token, name string) pulumi.MockResourceArgs {
	return pulumi.MockResourceArgs{TypeToken: token, Name: name, Inputs: resource.PropertyMap{}, Custom: true}
}
