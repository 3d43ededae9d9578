package offline

import (
	"os"
	"path/filepath"
	"strings"
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

// TestNamesAWSRefusesFailTheRun: a mock accepts what the provider would
// refuse unless it is told otherwise; a name past its limit, autonamed or
// explicit, fails here as it would at preview or apply.
func TestNamesAWSRefusesFailTheRun(t *testing.T) {
	long := "gatehouse-agency-case-management-prod-east-alb"
	tests := []struct {
		token, name string
		inputs      resource.PropertyMap
		refused     string
	}{
		{"aws:lb/loadBalancer:LoadBalancer", long, resource.PropertyMap{}, "is 54 characters; AWS accepts 1 to 32"},
		{"aws:lb/targetGroup:TargetGroup", "tg", resource.PropertyMap{"name": resource.NewStringProperty("gatehouse-a.b-tg")}, `holds "."`},
		{"aws:s3/bucketV2:BucketV2", "gatehouse-Dev-site", resource.PropertyMap{}, "must be lowercase"},
		{"aws:lb/loadBalancer:LoadBalancer", "gatehouse-dev-alb", resource.PropertyMap{}, ""},
	}
	for _, tt := range tests {
		args := newArgs(tt.token, tt.name)
		args.Inputs = tt.inputs
		_, _, err := ForRegion("us-east-1").NewResource(args)
		switch {
		case tt.refused == "" && err != nil:
			t.Errorf("%s %s: %v", tt.token, tt.name, err)
		case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
			t.Errorf("%s %s: error %v, want it to say %q", tt.token, tt.name, err, tt.refused)
		}
	}
}

func newArgs(token, name string) pulumi.MockResourceArgs {
	return pulumi.MockResourceArgs{TypeToken: token, Name: name, Inputs: resource.PropertyMap{}, Custom: true}
}
