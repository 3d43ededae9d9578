package components

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
)

func TestSiteBucketPolicy(t *testing.T) {
	bucket := "arn:aws-us-gov:s3:::site"
	tests := []struct {
		name         string
		distribution string
		wantSids     []string
	}{
		{"no reader: TLS-only", "", []string{"DenyInsecureTransport"}},
		{"one distribution", "arn:aws:cloudfront::123456789012:distribution/E1", []string{"DenyInsecureTransport", "AllowCloudFrontOriginAccessControlRead"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc struct {
				Statement []struct {
					Sid       string
					Resource  []string
					Condition map[string]map[string]string
				}
			}
			if err := json.Unmarshal([]byte(siteBucketPolicy(bucket, tt.distribution).JSON()), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Statement) != len(tt.wantSids) {
				t.Fatalf("statements %+v, want %v", doc.Statement, tt.wantSids)
			}
			for i, s := range doc.Statement {
				if s.Sid != tt.wantSids[i] {
					t.Errorf("statement %d is %s, want %s", i, s.Sid, tt.wantSids[i])
				}
			}
			if tt.distribution != "" {
				read := doc.Statement[1]
				if read.Condition["StringEquals"]["AWS:SourceArn"] != tt.distribution || len(read.Resource) != 1 || read.Resource[0] != bucket+"/*" {
					t.Errorf("read statement %+v", read)
				}
			}
		})
	}
}

func TestSiteBucketValidation(t *testing.T) {
	tests := []struct {
		name string
		args *SiteBucketArgs
		want []string
	}{
		{"nothing", &SiteBucketArgs{}, []string{"Account is required", "KmsKeyArn is required", "AccessLogBucket is required"}},
		{"bad assets", &SiteBucketArgs{
			Account:   testAccount(PartitionCommercial, "us-east-1"),
			KmsKeyArn: pulumi.String("k"), AccessLogBucket: pulumi.String("logs"), NoncurrentVersionDays: -1,
			Assets: []SiteAsset{
				{Key: "/index.html", Path: "p", ContentType: "text/html", CacheControl: "no-cache", SHA256: "a"},
				{Key: "a/../b.js", Path: "p", ContentType: "text/javascript", CacheControl: "no-cache", SHA256: "a"},
				{Key: "x.js", Path: "p", ContentType: "text/javascript", CacheControl: "no-cache", SHA256: "a"},
				{Key: "x.js"},
			},
		}, []string{
			"NoncurrentVersionDays is -1",
			`asset key "/index.html" must be a clean relative path`,
			`asset key "a/../b.js" must be a clean relative path`,
			`asset key "x.js" appears twice`,
			`asset "x.js" needs Path, ContentType, CacheControl and SHA256`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := offline.ForRegion("us-east-1")
			err := runProgram(t, m, func(ctx *pulumi.Context) error {
				_, err := NewSiteBucket(ctx, "site", tt.args)
				return err
			})
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if n := len(m.ByType("aws:s3/bucketV2:BucketV2")); n != 0 {
				t.Errorf("created %d buckets before validating", n)
			}
		})
	}
}
