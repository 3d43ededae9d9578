package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/components/names"
)

// FamilyDeployability holds the rules that catch, before anything is created, what AWS would
// refuse or what would fail at the first `pulumi up` although every value is well formed:
// names past their limits, endpoint policies that block AWS-owned buckets, an architecture that
// FIPS mode cannot run, WAF body limits below a route's, reservations beyond the account's quota.
// Each rule names the AWS documentation it encodes (Rule.Doc).
const FamilyDeployability Family = "deployability"

// Resource types judged by the deployability rules.
const (
	typeBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	typeBucketObject    = "aws:s3/bucketObjectv2:BucketObjectv2"
	typeTrustStore      = "aws:lb/trustStore:TrustStore"
	typeVpcEndpoint     = "aws:ec2/vpcEndpoint:VpcEndpoint"
)

// lambdaUnreservedMinimum is what reservations must leave of the account's Lambda concurrency.
const lambdaUnreservedMinimum = 100

func deployabilityRules() []Rule {
	f := FamilyDeployability
	nameTypes := []string{}
	for _, r := range names.Rules() {
		nameTypes = append(nameTypes, r.Type)
	}
	return []Rule{
		documented(mandatory(resourceRule(f, "aws-name-limits", controls("CM-6", "SA-8"),
			"Every named resource has a name AWS accepts: within its length limit, in its alphabet, clear of reserved prefixes and words.",
			nameTypes, func(r Resource, _ Settings) []string {
				rule, _ := names.Lookup(r.Type)
				v := prop(r, rule.Property)
				if !v.IsString() {
					return nil
				}
				var out []string
				for _, p := range rule.Check(v.AsString()) {
					out = append(out, fmt.Sprintf("%s %q %s: AWS refuses it (%s); derive the name with components/names", rule.Property, v.AsString(), p, rule.Doc))
				}
				return out
			})), names.For("aws:lb/loadBalancer:LoadBalancer").Doc),
		documented(mandatory(resourceRule(f, "fargate-fips-x86-64", controls("SC-13", "SC-8(1)"),
			"Under FedRAMP High in aws-us-gov, Fargate tasks run Linux on X86_64, the only platform Fargate's FIPS-140 mode runs.",
			types(typeTaskDefinition), func(r Resource, s Settings) []string {
				if !s.GovCloud() || !s.FedRAMPHigh() {
					return nil
				}
				arch, os := prop(r, "runtimePlatform", "cpuArchitecture"), prop(r, "runtimePlatform", "operatingSystemFamily")
				return msgs(
					when(arch.IsString() && !strings.EqualFold(arch.AsString(), "X86_64"),
						"runtimePlatform.cpuArchitecture is %q, which Fargate FIPS mode (fargateFIPSMode) cannot run: set \"X86_64\" and build the image for amd64", str(arch)),
					when(os.IsString() && !strings.EqualFold(os.AsString(), "LINUX"),
						"runtimePlatform.operatingSystemFamily is %q: Fargate FIPS mode runs LINUX only", str(os)))
			})), fargateFIPSDoc),
		documented(mandatory(concerning(stackRule(f, "lambda-reservation-within-quota", controls("SC-5", "CM-6"),
			"Lambda reservations are opted into by the stack's configuration and leave 100 of the account's concurrency quota unreserved.",
			checkReservations), typeFunction)), lambdaReservationDoc),
		documented(mandatory(resourceRule(f, "s3-lifecycle-filter-explicit", controls("CM-6", "SI-12"),
			"Every S3 lifecycle rule names its filter (a prefix, even \"\", a tag, a size or an and block); an empty filter is refused or warned about by provider versions.",
			types(typeBucketLifecycle), func(r Resource, _ Settings) []string {
				var out []string
				for i, rule := range items(prop(r, "rules")) {
					filter := get(rule, "filter")
					if unknown(filter) {
						continue
					}
					named := false
					for _, k := range []string{"prefix", "tag", "objectSizeGreaterThan", "objectSizeLessThan", "and"} {
						named = named || !get(filter, k).IsNull()
					}
					if !named {
						out = append(out, fmt.Sprintf("rule %d (%q) has no filter field: set filter {prefix: \"\"} to mean every object (%s)", i, str(get(rule, "id")), s3LifecycleDoc))
					}
				}
				return out
			})), s3LifecycleDoc),
		documented(mandatory(concerning(stackRule(f, "trust-store-bundle-versioned", controls("IA-5(2)", "CM-6"),
			"A trust store's CA bundle object is written after its bucket's versioning is on, so the version the trust store names exists.",
			checkTrustStoreBundles), typeTrustStore)), trustStoreDoc),
		documented(mandatory(concerning(stackRule(f, "vpc-endpoint-ecr-layer-bucket", controls("SC-7(10)", "CM-6"),
			"An S3 gateway endpoint that limits principals still lets tasks read the AWS-owned bucket ECR serves image layers from.",
			checkLayerBucketAccess), typeVpcEndpoint)), ecrLayerBucketDoc),
		documented(mandatory(concerning(stackRule(f, "waf-body-limit-within-route-limits", controls("SC-5", "SI-10"),
			"No WAF rule blocks a request body that the BFF route it is sent to accepts (the Core Rule Set blocks bodies over 8 KB).",
			checkWafBodyLimits), typeWebACL)), wafBodySizeDoc),
	}
}

// AWS documentation the deployability rules encode.
const (
	fargateFIPSDoc       = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-fips-compliance.html"
	lambdaReservationDoc = "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html"
	s3LifecycleDoc       = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html#intro-lifecycle-rules-filter"
	trustStoreDoc        = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTrustStore.html"
	ecrLayerBucketDoc    = "https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway"
	wafBodySizeDoc       = "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html"
)

// documented records the AWS documentation a rule encodes.
func documented(r Rule, doc string) Rule {
	r.Doc = doc
	return r
}

// checkReservations: a reservation the stack's configuration did not ask for would fail on an
// account whose quota cannot spare it; one it asked for must fit the quota it declared.
func checkReservations(st *Stack) []Finding {
	total := 0
	var reserving []Resource
	for _, fn := range st.OfType(typeFunction) {
		if n, ok := num(prop(fn, "reservedConcurrentExecutions")); ok && n > 0 {
			total += int(n)
			reserving = append(reserving, fn)
		}
	}
	if total == 0 {
		return nil
	}
	s := st.Settings
	var msg string
	switch {
	case !s.ReservationsOptedIn:
		msg = fmt.Sprintf("reserves concurrency the stack's configuration did not ask for: reservations must leave %d executions unreserved, "+
			"which new accounts do not have (%s); set gatehouse:reservedConcurrency and gatehouse:lambdaConcurrencyQuota to opt in",
			lambdaUnreservedMinimum, lambdaReservationDoc)
	case s.LambdaConcurrencyQuota < total+lambdaUnreservedMinimum:
		msg = fmt.Sprintf("the stack reserves %d of an account concurrency quota of %d; Lambda requires %d left unreserved (%s)",
			total, s.LambdaConcurrencyQuota, lambdaUnreservedMinimum, lambdaReservationDoc)
	default:
		return nil
	}
	out := make([]Finding, 0, len(reserving))
	for _, fn := range reserving {
		out = append(out, Finding{URN: fn.URN, Message: msg})
	}
	return out
}

// checkTrustStoreBundles: every object in a bucket a trust store reads its CA bundle from waits
// for that bucket's versioning, or the version ID the trust store is given may not exist.
func checkTrustStoreBundles(st *Stack) []Finding {
	var out []Finding
	for _, b := range buckets(st) {
		if len(st.Referring(b, "caCertificatesBundleS3Bucket", typeTrustStore)) == 0 {
			continue
		}
		versioning := bucketSettings(st, b, typeBucketVersioning)
		for _, obj := range st.Referring(b, "bucket", typeBucketObject) {
			waits := false
			for _, v := range versioning {
				waits = waits || slices.Contains(obj.Dependencies, v.URN)
			}
			if !waits {
				out = append(out, Finding{URN: obj.URN, Message: fmt.Sprintf(
					"the CA bundle object does not wait for its bucket's versioning: written first, it has no version for the trust store to name; add dependsOn the aws.s3.BucketVersioningV2 (%s)", trustStoreDoc)})
			}
		}
	}
	return out
}
