package components

import (
	"errors"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LambdaCode is a built Lambda zip (see internal/artifacts).
type LambdaCode struct {
	// Path is the zip file holding an executable "bootstrap". Required.
	Path string
	// SourceCodeHash is the base64 SHA-256 of the zip. Required.
	SourceCodeHash string
	// Arch is the GOARCH the binary was built for; when set it must be the
	// one of the topology's Architecture. Defaults to unchecked.
	Arch string
}

// EdgeTopologyArgs configures the edge topology (docs/ARCHITECTURE.md): CloudFront in
// front of a private S3 bucket (the SPA) and an API Gateway HTTP API with the
// Lambda BFF (/api/*, /auth/*), all on one origin.
type EdgeTopologyArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// UsEast1 is the provider for CloudFront-scoped resources (CloudFront
	// itself, its policies and function). Required.
	UsEast1 pulumi.ProviderResource
	// DataKeyArn (S3, Secrets Manager, DynamoDB, Lambda environment),
	// LogsKeyArn (log groups) and SessionsKeyArn (the session data key) are
	// the stack's CMKs. Required.
	DataKeyArn, LogsKeyArn, SessionsKeyArn pulumi.StringInput
	// WebAclArn is a CLOUDFRONT-scope WAFv2 web ACL. Required.
	WebAclArn pulumi.StringInput
	// SessionTableName and SessionTableArn are the BFF's session table. Required.
	SessionTableName, SessionTableArn pulumi.StringInput
	// Identity configures Cognito; the topology fills in CallbackUrls and
	// LogoutUrls from its front door, because they depend on the distribution. Required.
	Identity *IdentityArgs
	// BffCode is the BFF's Lambda zip. Required.
	BffCode LambdaCode
	// SiteAssets are the SPA's files. Defaults to none.
	SiteAssets []SiteAsset
	// Domain is the app's host name. Defaults to the distribution's own
	// cloudfront.net name (TLS then stays at CloudFront's default certificate).
	Domain string
	// CertificateArn is the us-east-1 ACM certificate for Domain. Required with Domain.
	CertificateArn string
	// HostedZoneId gets A and AAAA alias records for Domain. Defaults to none.
	HostedZoneId string
	// Routes are the BFF's downstream APIs. Defaults to none.
	Routes []ApiRoute
	// SampleTodo, when set, deploys the sample ToDo API and routes
	// /api/todos/* and /api/greeting to it. Defaults to off.
	SampleTodo *SampleTodoArgs
	// ReservedConcurrency reserves (and caps) concurrent BFF executions.
	// Defaults to none: a reservation must leave the account 100 unreserved
	// executions, which new accounts, with a lower concurrency quota, do not
	// have (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html).
	ReservedConcurrency int
	// Architecture is the functions' CPU architecture, ArchArm64 or
	// ArchX86_64; the zips must be built for it. Defaults to ArchArm64.
	Architecture string
	// LogRetentionDays applies to the topology's log groups and access-log
	// bucket. Defaults to 365.
	LogRetentionDays int
	// ThrottleBurst and ThrottleRate limit the API's default route (requests,
	// and requests per second). Default to 200 and 100.
	ThrottleBurst int
	ThrottleRate  float64
	// SessionIdleTimeout and SessionAbsoluteTimeout are passed to the BFF.
	// Default to 15m and 12h.
	SessionIdleTimeout, SessionAbsoluteTimeout time.Duration
	// PriceClass is the CloudFront price class. Defaults to PriceClass_100.
	PriceClass string
	// FIPS makes the BFF call AWS through FIPS endpoints. Defaults to false.
	FIPS bool
	// ForceDestroy lets destroy delete buckets that still hold objects. Defaults to false.
	ForceDestroy bool

	// parent is the component, so invokes use the provider it was given.
	parent pulumi.Resource
}

// EdgeTopology is the deployed edge front door and BFF.
type EdgeTopology struct {
	pulumi.ResourceState

	Distribution *cloudfront.Distribution
	Api          *apigatewayv2.Api
	Function     *lambda.Function
	Identity     *Identity
	SiteBucket   *SiteBucket
	// Url is https://<domain or distribution domain>.
	Url pulumi.StringOutput
	// CallbackUrl is the OIDC redirect URI registered with Cognito.
	CallbackUrl pulumi.StringOutput
	// OriginVerifySecretArn holds the header value CloudFront sends the API.
	OriginVerifySecretArn pulumi.StringOutput
}

func (a *EdgeTopologyArgs) withDefaults() EdgeTopologyArgs {
	out := *a
	if out.Architecture == "" {
		out.Architecture = DefaultArchitecture
	}
	if out.LogRetentionDays == 0 {
		out.LogRetentionDays = DefaultLogRetentionDays
	}
	if out.ThrottleBurst == 0 {
		out.ThrottleBurst = 200
	}
	if out.ThrottleRate == 0 {
		out.ThrottleRate = 100
	}
	if out.SessionIdleTimeout == 0 {
		out.SessionIdleTimeout = 15 * time.Minute
	}
	if out.SessionAbsoluteTimeout == 0 {
		out.SessionAbsoluteTimeout = 12 * time.Hour
	}
	if out.PriceClass == "" {
		out.PriceClass = "PriceClass_100"
	}
	return out
}

func (a *EdgeTopologyArgs) validate() error {
	var errs []error
	required := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New(what))
		}
	}
	required(a.Account != nil, "Account is required (use LookupAccount)")
	if a.Account != nil && a.Account.IsGovCloud() {
		errs = append(errs, errors.New("the edge topology needs CloudFront, which aws-us-gov does not have: use the regional topology"))
	}
	required(a.UsEast1 != nil, "UsEast1 is required: CloudFront resources are managed through us-east-1")
	required(a.DataKeyArn != nil && a.LogsKeyArn != nil && a.SessionsKeyArn != nil, "DataKeyArn, LogsKeyArn and SessionsKeyArn are required (see NewKeys)")
	required(a.WebAclArn != nil, "WebAclArn is required: the distribution is always behind a CLOUDFRONT web ACL")
	required(a.SessionTableName != nil && a.SessionTableArn != nil, "SessionTableName and SessionTableArn are required (see NewSessionTable)")
	required(a.Identity != nil, "Identity is required: the topology creates the Cognito client for its own callback URL")
	required(a.BffCode.Path != "" && a.BffCode.SourceCodeHash != "", "BffCode is required: build it with internal/artifacts")
	if a.Domain != "" && a.CertificateArn == "" {
		errs = append(errs, fmt.Errorf("Domain %q needs CertificateArn: an ACM certificate in us-east-1 that covers it", a.Domain))
	}
	if a.Domain == "" && (a.CertificateArn != "" || a.HostedZoneId != "") {
		errs = append(errs, errors.New("CertificateArn and HostedZoneId need Domain: set the host name they are for"))
	}
	if a.ReservedConcurrency < 0 || (a.SampleTodo != nil && a.SampleTodo.ReservedConcurrency < 0) {
		errs = append(errs, fmt.Errorf("ReservedConcurrency is %d (the sample's %d); use 0 (none) or more", a.ReservedConcurrency, sampleTodoReservation(a.SampleTodo)))
	}
	if err := validateArchitecture("Architecture", a.Architecture); err != nil {
		errs = append(errs, err)
	} else {
		for _, c := range []struct {
			what string
			code LambdaCode
		}{{"BffCode", a.BffCode}, {"SampleTodo.Code", sampleTodoCode(a.SampleTodo)}} {
			if c.code.Arch != "" && c.code.Arch != GoArch(a.Architecture) {
				errs = append(errs, fmt.Errorf("%s is built for %s, not the functions' %s", c.what, c.code.Arch, a.Architecture))
			}
		}
	}
	if !ValidLogRetention(a.LogRetentionDays) {
		errs = append(errs, fmt.Errorf("LogRetentionDays %d is not a CloudWatch Logs retention (use 90, 180, 365, 731, ...)", a.LogRetentionDays))
	}
	if a.ThrottleBurst < 1 || a.ThrottleRate <= 0 {
		errs = append(errs, fmt.Errorf("ThrottleBurst %d and ThrottleRate %g must be positive", a.ThrottleBurst, a.ThrottleRate))
	}
	if a.SessionIdleTimeout > a.SessionAbsoluteTimeout {
		errs = append(errs, fmt.Errorf("SessionIdleTimeout %s exceeds SessionAbsoluteTimeout %s", a.SessionIdleTimeout, a.SessionAbsoluteTimeout))
	}
	errs = append(errs, validateApiRoutes(a.Routes, a.SampleTodo != nil)...)
	if a.SampleTodo != nil && (a.SampleTodo.Code.Path == "" || a.SampleTodo.Code.SourceCodeHash == "") {
		errs = append(errs, errors.New("SampleTodo.Code is required: build cmd/todo-api with internal/artifacts"))
	}
	return joinErrors("edge topology", errs)
}

// NewEdgeTopology creates the edge topology. The order breaks the cycle
// distribution → callback URL → Lambda environment → API → distribution: the
// API's endpoint is known before any route or Lambda exists, so the
// distribution comes first, then Cognito with the distribution's URL, then
// the Lambda, and last the API's integration and routes.
func NewEdgeTopology(ctx *pulumi.Context, name string, args *EdgeTopologyArgs, opts ...pulumi.ResourceOption) (*EdgeTopology, error) {
	if args == nil {
		args = &EdgeTopologyArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	et := &EdgeTopology{}
	if err := ctx.RegisterComponentResource("gatehouse:edge:EdgeTopology", name, et, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(et)
	a.parent = et

	logs, err := newEdgeLogBucket(ctx, name+"-logs", a, child)
	if err != nil {
		return nil, err
	}

	// The bucket policy names the distribution, which needs the bucket's
	// domain name first: the ARN is filled in once the distribution exists.
	distributionArn, resolveDistributionArn := pulumi.DeferredOutput[string](ctx.Context())
	resolved := false
	defer func() {
		if !resolved {
			resolveDistributionArn(pulumi.String("").ToStringOutput().ApplyT(func(string) (string, error) {
				return "", errors.New("components: edge topology: the distribution was not created")
			}))
		}
	}()
	et.SiteBucket, err = NewSiteBucket(ctx, name+"-site", &SiteBucketArgs{
		Account:               a.Account,
		KmsKeyArn:             a.DataKeyArn,
		AccessLogBucket:       logs.Bucket.Bucket,
		ReaderDistributionArn: pulumi.StringOutput{OutputState: distributionArn.OutputState},
		Assets:                a.SiteAssets,
		ForceDestroy:          a.ForceDestroy,
	}, child)
	if err != nil {
		return nil, err
	}

	api, err := newEdgeApi(ctx, name+"-api", a, child)
	if err != nil {
		return nil, err
	}
	et.Api = api.Api

	originVerify, err := newOriginVerifySecret(ctx, name+"-origin-verify", a, child)
	if err != nil {
		return nil, err
	}
	et.OriginVerifySecretArn = originVerify.Arn

	identityArgs := *a.Identity
	if identityArgs.Account == nil {
		identityArgs.Account = a.Account
	}
	resolvedIdentity := identityArgs.withDefaults(name + "-identity")
	et.Distribution, err = newEdgeDistribution(ctx, name+"-cdn", a, edgeOrigins{
		hostedUiOrigin:    HostedUiUrl(resolvedIdentity.DomainPrefix, resolvedIdentity.Compliance, a.Account),
		site:              et.SiteBucket,
		apiEndpoint:       api.Api.ApiEndpoint,
		originVerifyValue: originVerify.Value,
		logBucketDomain:   logs.Bucket.BucketDomainName,
		logBucketReady:    logs.Controls,
	}, child)
	if err != nil {
		return nil, err
	}
	resolveDistributionArn(et.Distribution.Arn)
	resolved = true

	if a.Domain != "" {
		et.Url = pulumi.String("https://" + a.Domain).ToStringOutput()
	} else {
		et.Url = pulumi.Sprintf("https://%s", et.Distribution.DomainName)
	}
	et.CallbackUrl = pulumi.Sprintf("%s/auth/callback", et.Url)

	identityArgs.CallbackUrls = pulumi.StringArray{et.CallbackUrl}
	identityArgs.LogoutUrls = pulumi.StringArray{pulumi.Sprintf("%s/", et.Url)}
	et.Identity, err = NewIdentity(ctx, name+"-identity", &identityArgs, child)
	if err != nil {
		return nil, err
	}

	routes := a.Routes
	if a.SampleTodo != nil {
		todo, err := newSampleTodo(ctx, name+"-todo", a, et.Identity, child)
		if err != nil {
			return nil, err
		}
		routes = append(append([]ApiRoute(nil), routes...), todo.Routes...)
	}

	et.Function, err = newBffFunction(ctx, name+"-bff", a, bffWiring{
		publicUrl:             et.Url,
		identity:              et.Identity,
		routes:                routes,
		originVerifySecretArn: originVerify.Arn,
	}, child)
	if err != nil {
		return nil, err
	}
	if err := api.connect(ctx, name+"-api", et.Function, child); err != nil {
		return nil, err
	}
	if err := newEdgeDnsRecords(ctx, name+"-dns", a, et.Distribution, child); err != nil {
		return nil, err
	}

	if err := ctx.RegisterResourceOutputs(et, pulumi.Map{
		"url":                   et.Url,
		"callbackUrl":           et.CallbackUrl,
		"distributionId":        et.Distribution.ID(),
		"distributionDomain":    et.Distribution.DomainName,
		"apiEndpoint":           et.Api.ApiEndpoint,
		"functionName":          et.Function.Name,
		"siteBucket":            et.SiteBucket.Name,
		"originVerifySecretArn": et.OriginVerifySecretArn,
	}); err != nil {
		return nil, err
	}
	return et, nil
}
