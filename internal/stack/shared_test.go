package stack

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var arnPattern = regexp.MustCompile(`arn:[a-z-]+:[a-z0-9-]*:`)

// allArns collects every ARN-looking string in every resource's inputs and outputs.
func allArns(m *offline.Mocks) []string {
	var out []string
	var walk func(v resource.PropertyValue)
	walk = func(v resource.PropertyValue) {
		switch {
		case v.IsString():
			out = append(out, arnPattern.FindAllString(v.StringValue(), -1)...)
		case v.IsArray():
			for _, e := range v.ArrayValue() {
				walk(e)
			}
		case v.IsObject():
			for _, e := range v.ObjectValue() {
				walk(e)
			}
		case v.IsSecret():
			walk(v.SecretValue().Element)
		case v.IsOutput():
			walk(v.OutputValue().Element)
		}
	}
	for _, r := range m.Resources() {
		walk(resource.NewObjectProperty(r.Inputs))
		walk(resource.NewObjectProperty(r.Outputs))
	}
	return out
}

// TestShippedStacksSharedComponents runs each shipped stack file under mocks
// and checks what every stack must hold, whatever its topology.
func TestShippedStacksSharedComponents(t *testing.T) {
	tests := []struct {
		stack, partition, wafScope, mfa string
		fips                            bool
	}{
		{stack: "dev", partition: "aws", wafScope: "CLOUDFRONT", mfa: "OPTIONAL"},
		{stack: "fedramp", partition: "aws", wafScope: "CLOUDFRONT", mfa: "ON", fips: true},
		{stack: "govcloud", partition: "aws-us-gov", wafScope: "REGIONAL", mfa: "ON", fips: true},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			m := runStack(t, tt.stack, nil)

			arns := allArns(m)
			if len(arns) == 0 {
				t.Fatal("no ARNs found; the walk is broken")
			}
			for _, arn := range arns {
				if !strings.HasPrefix(arn, "arn:"+tt.partition+":") {
					t.Errorf("ARN %q is not in partition %s", arn, tt.partition)
				}
			}

			keys := m.ByType("aws:kms/key:Key")
			if len(keys) < 3 {
				t.Fatalf("want the data, logs and sessions keys, got %d keys", len(keys))
			}
			for _, k := range keys {
				if !offline.GetBool(k.Inputs, "enableKeyRotation") {
					t.Errorf("key %s: rotation is off", k.Name)
				}
				if policy := offline.GetString(k.Inputs, "policy"); strings.Contains(policy, `"AWS":"*"`) {
					t.Errorf("key %s: policy grants a * principal: %s", k.Name, policy)
				}
			}
			logsKey := findByName(t, m, "aws:kms/key:Key", "-logs")
			if !strings.Contains(offline.GetString(logsKey.Inputs, "policy"), `"Service":"logs.`) {
				t.Errorf("the log key does not admit the CloudWatch Logs service principal")
			}

			acl := only(t, m, "aws:wafv2/webAcl:WebAcl")
			if got := offline.GetString(acl.Inputs, "scope"); got != tt.wafScope {
				t.Errorf("WAF scope %s, want %s", got, tt.wafScope)
			}
			logging := only(t, m, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
			redacted := []string{offline.GetString(logging.Inputs, "redactedFields[0].singleHeader.name"), offline.GetString(logging.Inputs, "redactedFields[1].singleHeader.name")}
			if strings.Join(redacted, ",") != "authorization,cookie" {
				t.Errorf("WAF logs redact %v, want authorization and cookie", redacted)
			}
			wafLogs := findByName(t, m, "aws:cloudwatch/logGroup:LogGroup", "-waf-logs")
			if name := offline.GetString(wafLogs.Inputs, "name"); !strings.HasPrefix(name, "aws-waf-logs-") {
				t.Errorf("WAF log group %q lacks the aws-waf-logs- prefix", name)
			}

			pool := only(t, m, "aws:cognito/userPool:UserPool")
			if got := offline.GetString(pool.Inputs, "mfaConfiguration"); got != tt.mfa {
				t.Errorf("Cognito MFA %s, want %s", got, tt.mfa)
			}
			if offline.GetString(pool.Inputs, "deletionProtection") != "ACTIVE" {
				t.Error("user pool deletion protection is off")
			}
			if n, _ := offline.Get(pool.Inputs, "passwordPolicy.minimumLength"); n.NumberValue() < 14 {
				t.Errorf("password minimum length %v, want at least 14", n)
			}

			table := findByName(t, m, "aws:dynamodb/table:Table", "-sessions")
			dataKey := findByName(t, m, "aws:kms/key:Key", "-data")
			if !offline.GetBool(table.Inputs, "serverSideEncryption.enabled") ||
				offline.GetString(table.Inputs, "serverSideEncryption.kmsKeyArn") != offline.GetString(dataKey.Outputs, "arn") {
				t.Errorf("session table is not encrypted with the data CMK: %v", table.Inputs["serverSideEncryption"])
			}
			if !offline.GetBool(table.Inputs, "pointInTimeRecovery.enabled") {
				t.Error("session table PITR is off")
			}
			if offline.GetString(table.Inputs, "ttl.attributeName") != "expires_at" {
				t.Error("session table TTL attribute is not expires_at")
			}

			for _, lg := range m.ByType("aws:cloudwatch/logGroup:LogGroup") {
				if offline.GetString(lg.Inputs, "kmsKeyId") == "" {
					t.Errorf("log group %s is not encrypted with a CMK", lg.Name)
				}
				if n, _ := offline.Get(lg.Inputs, "retentionInDays"); n.NumberValue() < 365 {
					t.Errorf("log group %s keeps logs %v days", lg.Name, n)
				}
			}
			for _, p := range m.ByType("pulumi:providers:aws") {
				if offline.GetBool(p.Inputs, "useFipsEndpoint") != tt.fips {
					t.Errorf("provider %s: useFipsEndpoint = %v, want %v", p.Name, !tt.fips, tt.fips)
				}
			}
		})
	}
}

func findByName(t *testing.T, m *offline.Mocks, token, suffix string) offline.Resource {
	t.Helper()
	for _, r := range m.ByType(token) {
		if strings.HasSuffix(r.Name, suffix) {
			return r
		}
	}
	t.Fatalf("no %s named *%s", token, suffix)
	return offline.Resource{}
}
