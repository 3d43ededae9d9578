package components

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// regionalUnderMocks deploys the topology alone (with the shared keys) under
// mocks for one account and returns what was registered.
func regionalUnderMocks(t *testing.T, acct *Account, tweak func(*RegionalTopologyArgs)) *offline.Mocks {
	t.Helper()
	m := offline.New(acct.Partition, acct.Region, acct.AccountID)
	err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
		keys, err := NewKeys(ctx, "keys", &KeysArgs{Account: acct})
		if err != nil {
			return err
		}
		args := &RegionalTopologyArgs{
			Account:          acct,
			FIPS:             true,
			Domain:           "app.example.gov",
			CertificateArn:   acct.Arn("acm", acct.Region, "certificate/abc"),
			HostedZoneId:     "Z123",
			Keys:             keys,
			WebAclArn:        pulumi.String(acct.Arn("wafv2", acct.Region, "regional/webacl/gh/1")),
			SessionTableName: pulumi.String("sessions"),
			SessionTableArn:  pulumi.String(acct.Arn("dynamodb", acct.Region, "table/sessions")),
			ImageDigest:      testDigest,
			ImagePush:        func(context.Context, string, RegistryAuth) error { return nil },
			Environment:      map[string]pulumi.StringInput{"GATEHOUSE_OIDC_CLIENT_ID": pulumi.String("client")},
			Secrets:          map[string]pulumi.StringInput{"GATEHOUSE_OIDC_CLIENT_SECRET": pulumi.String(acct.Arn("secretsmanager", acct.Region, "secret:cs-AbCdEf"))},
		}
		if tweak != nil {
			tweak(args)
		}
		if args.ImageArch == "" {
			compliance := ComplianceNone
			if args.FIPS {
				compliance = ComplianceFedRAMPHigh
			}
			args.ImageArch = GoArch(ArchitectureFor(acct.Partition, compliance))
		}
		_, err = NewRegionalTopology(ctx, "gh", args)
		return err
	}, offline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// strings collects every string in a property tree.
func propertyStrings(v resource.PropertyValue, out *[]string) {
	switch {
	case v.IsString():
		*out = append(*out, v.StringValue())
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			propertyStrings(e, out)
		}
	case v.IsObject():
		for _, e := range v.ObjectValue() {
			propertyStrings(e, out)
		}
	case v.IsSecret():
		propertyStrings(v.SecretValue().Element, out)
	case v.IsOutput():
		propertyStrings(v.OutputValue().Element, out)
	}
}

func TestRegionalTopologyGovCloud(t *testing.T) {
	acct := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	ca := pkitest.SelfSigned(t, "Test PIV CA", true)
	m := regionalUnderMocks(t, acct, func(a *RegionalTopologyArgs) { a.MtlsCaBundlePEM = ca })

	t.Run("every ARN is in aws-us-gov and nothing is CloudFront", func(t *testing.T) {
		for _, r := range m.Resources() {
			if strings.HasPrefix(r.Type, "aws:cloudfront") {
				t.Errorf("%s %s exists in GovCloud", r.Type, r.Name)
			}
			var all []string
			propertyStrings(resource.NewObjectProperty(r.Inputs), &all)
			propertyStrings(resource.NewObjectProperty(r.Outputs), &all)
			for _, s := range all {
				for i := strings.Index(s, "arn:"); i >= 0; i = nextArnIndex(s, i) {
					if !strings.HasPrefix(s[i:], "arn:aws-us-gov:") {
						t.Errorf("%s %s: %q is not a GovCloud ARN", r.Type, r.Name, s)
						break
					}
				}
			}
		}
	})

	alb := only(t, m, "aws:lb/loadBalancer:LoadBalancer").Inputs
	https := named(t, m, "aws:lb/listener:Listener", "gh-alb-https").Inputs
	http := named(t, m, "aws:lb/listener:Listener", "gh-alb-http").Inputs
	albArn := offline.GetString(only(t, m, "aws:lb/loadBalancer:LoadBalancer").Outputs, "arn")
	td := only(t, m, "aws:ecs/taskDefinition:TaskDefinition").Inputs
	svc := only(t, m, "aws:ecs/service:Service").Inputs
	repo := only(t, m, "aws:ecr/repository:Repository")
	var containers []map[string]any
	if err := json.Unmarshal([]byte(offline.GetString(td, "containerDefinitions")), &containers); err != nil || len(containers) != 1 {
		t.Fatalf("container definitions: %v %v", containers, err)
	}
	c := containers[0]
	env := map[string]string{}
	for _, kv := range c["environment"].([]any) {
		e := kv.(map[string]any)
		env[e["name"].(string)] = e["value"].(string)
	}
	wantImage := offline.GetString(repo.Outputs, "repositoryUrl") + "@" + testDigest

	checks := []struct {
		name string
		ok   bool
	}{
		{"443 listener has the FIPS policy", offline.GetString(https, "sslPolicy") == DefaultAlbTlsPolicy && offline.GetString(https, "protocol") == "HTTPS"},
		{"443 listener verifies client certificates", offline.GetString(https, "mutualAuthentication.mode") == "verify" &&
			strings.Contains(offline.GetString(https, "mutualAuthentication.trustStoreArn"), ":truststore/")},
		{"client certificate expiry is enforced", !offline.GetBool(https, "mutualAuthentication.ignoreClientCertificateExpiry")},
		{"80 redirects to HTTPS with 301", offline.GetString(http, "defaultActions[0].type") == "redirect" &&
			offline.GetString(http, "defaultActions[0].redirect.protocol") == "HTTPS" &&
			offline.GetString(http, "defaultActions[0].redirect.statusCode") == "HTTP_301"},
		{"invalid headers dropped", offline.GetBool(alb, "dropInvalidHeaderFields")},
		{"strictest desync mitigation", offline.GetString(alb, "desyncMitigationMode") == "strictest"},
		{"deletion protection", offline.GetBool(alb, "enableDeletionProtection")},
		{"access logs on", offline.GetBool(alb, "accessLogs.enabled") && offline.GetString(alb, "accessLogs.bucket") != ""},
		{"WAF associated with the ALB", offline.GetString(only(t, m, "aws:wafv2/webAclAssociation:WebAclAssociation").Inputs, "resourceArn") == albArn},
		{"alias record to the ALB", offline.GetString(only(t, m, "aws:route53/record:Record").Inputs, "aliases[0].name") != ""},
		{"trust store from the uploaded bundle", offline.GetString(only(t, m, "aws:s3/bucketObjectv2:BucketObjectv2").Inputs, "content") == ca},
		{"read-only root filesystem", c["readonlyRootFilesystem"] == true},
		{"non-root user", c["user"] == ServiceContainerUser},
		{"not privileged", c["privileged"] == false},
		{"X86_64 runtime, the one Fargate FIPS mode runs", offline.GetString(td, "runtimePlatform.cpuArchitecture") == "X86_64"},
		{"the CA bundle waits for its bucket's versioning", dependsOn(only(t, m, "aws:s3/bucketObjectv2:BucketObjectv2"),
			"aws:s3/bucketVersioningV2:BucketVersioningV2", "gh-alb-truststore")},
		{"names fit: ALB and target group within 32", len(offline.GetString(alb, "name")) <= 32 &&
			len(offline.GetString(only(t, m, "aws:lb/targetGroup:TargetGroup").Inputs, "name")) <= 32},
		{"image by digest", c["image"] == wantImage},
		{"secret by reference only", len(c["secrets"].([]any)) == 1 && env["GATEHOUSE_OIDC_CLIENT_SECRET"] == ""},
		{"mTLS mode passed to the BFF", env["GATEHOUSE_MTLS"] == "verify"},
		{"FIPS endpoints in the task", env["AWS_USE_FIPS_ENDPOINT"] == "true"},
		{"regional mode and SPA dir", env["GATEHOUSE_MODE"] == "regional" && env["GATEHOUSE_SPA_DIR"] == "/srv/spa"},
		{"GC runs near 80% of the task's 1024 MiB", env["GOGC"] == "off" && env["GOMEMLIMIT"] == "819MiB"},
		{"no public IP", !offline.GetBool(svc, "networkConfiguration.assignPublicIp")},
		{"at least 2 tasks", svcCount(svc) >= 2},
		{"circuit breaker with rollback", offline.GetBool(svc, "deploymentCircuitBreaker.enable") && offline.GetBool(svc, "deploymentCircuitBreaker.rollback")},
		{"health check on /healthz", offline.GetString(only(t, m, "aws:lb/targetGroup:TargetGroup").Inputs, "healthCheck.path") == "/healthz"},
		{"container insights", offline.GetString(only(t, m, "aws:ecs/cluster:Cluster").Inputs, "settings[0].value") == "enabled"},
		{"ECR immutable tags", offline.GetString(repo.Inputs, "imageTagMutability") == "IMMUTABLE"},
		{"ECR scan on push", offline.GetBool(repo.Inputs, "imageScanningConfiguration.scanOnPush")},
		{"ECR KMS", offline.GetString(repo.Inputs, "encryptionConfigurations[0].encryptionType") == "KMS" &&
			strings.Contains(offline.GetString(repo.Inputs, "encryptionConfigurations[0].kmsKey"), ":kms:")},
		{"ECR lifecycle policy", strings.Contains(offline.GetString(only(t, m, "aws:ecr/lifecyclePolicy:LifecyclePolicy").Inputs, "policy"), "imageCountMoreThan")},
		{"flow logs ALL to the log group", offline.GetString(only(t, m, "aws:ec2/flowLog:FlowLog").Inputs, "trafficType") == "ALL"},
		{"default security group closed", defaultSGClosed(only(t, m, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").Inputs)},
		{"VPC from awsx", len(m.ByType("awsx:ec2:Vpc")) == 1},
		{"scales on CPU from 2 to 8 tasks", scaling(m) == "2-8" && len(m.ByType("aws:appautoscaling/policy:Policy")) == 1},
		{"log bucket SSE-S3, trust store bucket SSE-KMS", bucketSSE(m, "gh-alb-logs") == "AES256" && bucketSSE(m, "gh-alb-truststore") == "aws:kms"},
		{"trust store bucket logged to the log bucket", len(m.ByType("aws:s3/bucketLoggingV2:BucketLoggingV2")) == 1},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not so", c.name)
		}
	}
}

// dependsOn reports whether r waits for the resource of type typ named name.
func dependsOn(r offline.Resource, typ, name string) bool {
	for _, d := range r.Dependencies {
		if strings.HasSuffix(d, typ+"::"+name) {
			return true
		}
	}
	return false
}

func nextArnIndex(s string, i int) int {
	j := strings.Index(s[i+4:], "arn:")
	if j < 0 {
		return -1
	}
	return i + 4 + j
}

func svcCount(svc resource.PropertyMap) float64 {
	v, ok := offline.Get(svc, "desiredCount")
	if !ok || !v.IsNumber() {
		return 0
	}
	return v.NumberValue()
}

func defaultSGClosed(sg resource.PropertyMap) bool {
	in, _ := offline.Get(sg, "ingress")
	out, _ := offline.Get(sg, "egress")
	return (in.IsNull() || (in.IsArray() && len(in.ArrayValue()) == 0)) && (out.IsNull() || (out.IsArray() && len(out.ArrayValue()) == 0))
}

func TestRegionalTopologyWithoutMtlsOrFIPS(t *testing.T) {
	acct := &Account{Partition: PartitionCommercial, AccountID: "123456789012", Region: "us-east-2", DNSSuffix: "amazonaws.com"}
	m := regionalUnderMocks(t, acct, func(a *RegionalTopologyArgs) { a.FIPS = false; a.HostedZoneId = "" })
	https := named(t, m, "aws:lb/listener:Listener", "gh-alb-https").Inputs
	var containers []map[string]any
	if err := json.Unmarshal([]byte(offline.GetString(only(t, m, "aws:ecs/taskDefinition:TaskDefinition").Inputs, "containerDefinitions")), &containers); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprint(containers[0]["environment"])
	checks := []struct {
		name string
		ok   bool
	}{
		{"no trust store", len(m.ByType("aws:lb/trustStore:TrustStore")) == 0},
		{"no mutual authentication", offline.GetString(https, "mutualAuthentication.mode") == ""},
		{"BFF told mTLS is off", strings.Contains(env, "map[name:GATEHOUSE_MTLS value:off]")},
		{"standard endpoints", strings.Contains(env, "map[name:AWS_USE_FIPS_ENDPOINT value:false]")},
		{"no kms-fips endpoint", !strings.Contains(fmt.Sprint(m.ByType("aws:ec2/vpcEndpoint:VpcEndpoint")), "kms-fips")},
		{"no alias record without a zone", len(m.ByType("aws:route53/record:Record")) == 0},
		{"commercial ARNs", strings.HasPrefix(offline.GetString(only(t, m, "aws:lb/loadBalancer:LoadBalancer").Outputs, "arn"), "arn:aws:elasticloadbalancing:us-east-2:")},
		{"ARM64 runtime without FIPS", offline.GetString(only(t, m, "aws:ecs/taskDefinition:TaskDefinition").Inputs, "runtimePlatform.cpuArchitecture") == "ARM64"},
		{"no back-channel listener unless asked", len(m.ByType("aws:lb/listener:Listener")) == 2 && len(m.ByType("aws:lb/listenerRule:ListenerRule")) == 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not so", c.name)
		}
	}
}

func TestRegionalTopologyValidation(t *testing.T) {
	acct := &Account{Partition: PartitionGovCloud, AccountID: "123456789012", Region: "us-gov-west-1", DNSSuffix: "amazonaws.com"}
	m := offline.New(acct.Partition, acct.Region, acct.AccountID)
	err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
		_, err := NewRegionalTopology(ctx, "gh", &RegionalTopologyArgs{
			Account: acct, Domain: "https://app", ImageDigest: "latest",
			Environment: map[string]pulumi.StringInput{"GATEHOUSE_MODE": pulumi.String("local")},
		})
		return err
	}, offline.Options{})
	wantProblems(t, err, []string{
		`Domain "https://app" must be a host name`, "Keys is required", "WebAclArn is required",
		"SessionTableName and SessionTableArn are required", "ImagePush is required",
		`ImageDigest "latest" is not sha256:<hex>`, "Environment sets GATEHOUSE_MODE, which the regional topology owns",
	})
	if n := len(m.Resources()); n != 0 {
		t.Errorf("%d resources created before validation failed", n)
	}
}

func bucketSSE(m *offline.Mocks, name string) string {
	for _, r := range m.ByType("aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2") {
		if r.Name == name {
			return offline.GetString(r.Inputs, "rules[0].applyServerSideEncryptionByDefault.sseAlgorithm")
		}
	}
	return ""
}

func scaling(m *offline.Mocks) string {
	targets := m.ByType("aws:appautoscaling/target:Target")
	if len(targets) != 1 {
		return ""
	}
	lo, _ := offline.Get(targets[0].Inputs, "minCapacity")
	hi, _ := offline.Get(targets[0].Inputs, "maxCapacity")
	return fmt.Sprintf("%v-%v", lo.NumberValue(), hi.NumberValue())
}
