package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// OriginVerifyHeader is the header CloudFront adds to every API request and
// the BFF requires (GATEHOUSE_ORIGIN_VERIFY_HEADER).
const OriginVerifyHeader = "X-Origin-Verify"

// Managed CloudFront policies, looked up by name.
const (
	managedCachingOptimized          = "Managed-CachingOptimized"
	managedCachingDisabled           = "Managed-CachingDisabled"
	managedAllViewerExceptHostHeader = "Managed-AllViewerExceptHostHeader"
)

const (
	siteOriginId = "site"
	apiOriginId  = "api"
)

// EdgeApiPathPatterns are the behaviours routed to the API origin.
var EdgeApiPathPatterns = []string{"/api/*", "/auth/*"}

// spaFallbackCode rewrites client-side routes (a last path segment without a
// dot) to /index.html on the S3 behaviour only.
//
// Custom error responses (403/404 → /index.html) would be simpler, but
// CloudFront applies them to every behaviour: an API 403 (CSRF) or 404 (a
// ToDo that is not yours) would reach the SPA as 200 text/html. A viewer
// request function on the default behaviour never touches /api/* or /auth/*.
const spaFallbackCode = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`

// edgeOrigins are what the distribution points at.
type edgeOrigins struct {
	site              *SiteBucket
	apiEndpoint       pulumi.StringOutput // https://<id>.execute-api.<region>.amazonaws.com
	originVerifyValue pulumi.StringOutput
	logBucketDomain   pulumi.StringOutput
	logBucketReady    []pulumi.Resource
	// hostedUiOrigin is the Cognito hosted UI's origin, known before the user
	// pool exists (Cognito needs the distribution's URL first).
	hostedUiOrigin string
}

// ContentSecurityPolicy is the SPA's CSP: same-origin everything, no
// framing, and forms may post only here and to the IdP's hosted UI.
func ContentSecurityPolicy(idpOrigin string) string {
	formAction := "'self'"
	if idpOrigin != "" {
		formAction += " " + idpOrigin
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"frame-ancestors 'none'",
		"base-uri 'self'",
		"form-action " + formAction,
	}, "; ")
}

func newEdgeDistribution(ctx *pulumi.Context, name string, a EdgeTopologyArgs, o edgeOrigins, opts ...pulumi.ResourceOption) (*cloudfront.Distribution, error) {
	cf := append(append([]pulumi.ResourceOption(nil), opts...), pulumi.Provider(a.UsEast1))
	invoke := []pulumi.InvokeOption{pulumi.Provider(a.UsEast1)}

	cachingOptimized, err := cloudfront.LookupCachePolicy(ctx, &cloudfront.LookupCachePolicyArgs{Name: pulumi.StringRef(managedCachingOptimized)}, invoke...)
	if err != nil {
		return nil, fmt.Errorf("components: cache policy %s: %w", managedCachingOptimized, err)
	}
	cachingDisabled, err := cloudfront.LookupCachePolicy(ctx, &cloudfront.LookupCachePolicyArgs{Name: pulumi.StringRef(managedCachingDisabled)}, invoke...)
	if err != nil {
		return nil, fmt.Errorf("components: cache policy %s: %w", managedCachingDisabled, err)
	}
	allViewer, err := cloudfront.LookupOriginRequestPolicy(ctx, &cloudfront.LookupOriginRequestPolicyArgs{Name: pulumi.StringRef(managedAllViewerExceptHostHeader)}, invoke...)
	if err != nil {
		return nil, fmt.Errorf("components: origin request policy %s: %w", managedAllViewerExceptHostHeader, err)
	}

	oac, err := cloudfront.NewOriginAccessControl(ctx, name+"-oac", &cloudfront.OriginAccessControlArgs{
		Name:                          physicalName(typeOriginAccessControl, name+"-oac"),
		Description:                   pulumi.String("Signed (SigV4) reads of the private SPA bucket"),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, cf...)
	if err != nil {
		return nil, fmt.Errorf("components: origin access control: %w", err)
	}
	headers, err := cloudfront.NewResponseHeadersPolicy(ctx, name+"-headers", &cloudfront.ResponseHeadersPolicyArgs{
		Name:    physicalName(typeResponseHeadersPolicy, name+"-headers"),
		Comment: pulumi.String("Gatehouse security headers"),
		SecurityHeadersConfig: cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(63072000),
				IncludeSubdomains:      pulumi.Bool(true),
				Preload:                pulumi.Bool(true),
				Override:               pulumi.Bool(true),
			},
			ContentSecurityPolicy: cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(ContentSecurityPolicy(o.hostedUiOrigin)),
				Override:              pulumi.Bool(true),
			},
			ContentTypeOptions: cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions: cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{
				FrameOption: pulumi.String("DENY"),
				Override:    pulumi.Bool(true),
			},
			ReferrerPolicy: cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{
				ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"),
				Override:       pulumi.Bool(true),
			},
		},
	}, cf...)
	if err != nil {
		return nil, fmt.Errorf("components: response headers policy: %w", err)
	}
	fallback, err := cloudfront.NewFunction(ctx, name+"-spa-fallback", &cloudfront.FunctionArgs{
		Name:    physicalName(typeCloudFrontFunction, name+"-spa-fallback"),
		Runtime: pulumi.String("cloudfront-js-2.0"),
		Comment: pulumi.String("Serve index.html for SPA client routes"),
		Code:    pulumi.String(spaFallbackCode),
		Publish: pulumi.Bool(true),
	}, cf...)
	if err != nil {
		return nil, fmt.Errorf("components: SPA fallback function: %w", err)
	}

	apiHost := o.apiEndpoint.ApplyT(func(endpoint string) string {
		return strings.TrimSuffix(strings.TrimPrefix(endpoint, "https://"), "/")
	}).(pulumi.StringOutput)

	var apiBehaviours cloudfront.DistributionOrderedCacheBehaviorArray
	for _, pattern := range EdgeApiPathPatterns {
		apiBehaviours = append(apiBehaviours, cloudfront.DistributionOrderedCacheBehaviorArgs{
			PathPattern:             pulumi.String(pattern),
			TargetOriginId:          pulumi.String(apiOriginId),
			ViewerProtocolPolicy:    pulumi.String("https-only"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           pulumi.StringPtrFromPtr(cachingDisabled.Id),
			OriginRequestPolicyId:   pulumi.StringPtrFromPtr(allViewer.Id),
			ResponseHeadersPolicyId: headers.ID(),
			Compress:                pulumi.Bool(true),
		})
	}

	viewerCertificate := cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)}
	var aliases pulumi.StringArray
	if a.Domain != "" {
		aliases = pulumi.StringArray{pulumi.String(a.Domain)}
		viewerCertificate = cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      pulumi.String(a.CertificateArn),
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		}
	}

	dist, err := cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:           pulumi.Bool(true),
		Comment:           pulumi.String("Gatehouse SPA and BFF, same origin"),
		IsIpv6Enabled:     pulumi.Bool(true),
		HttpVersion:       pulumi.String("http2and3"),
		PriceClass:        pulumi.String(a.PriceClass),
		DefaultRootObject: pulumi.String("index.html"),
		Aliases:           aliases,
		WebAclId:          a.WebAclArn,
		Origins: cloudfront.DistributionOriginArray{
			cloudfront.DistributionOriginArgs{
				OriginId:              pulumi.String(siteOriginId),
				DomainName:            o.site.RegionalDomainName,
				OriginAccessControlId: oac.ID(),
			},
			cloudfront.DistributionOriginArgs{
				OriginId:   pulumi.String(apiOriginId),
				DomainName: apiHost,
				CustomOriginConfig: cloudfront.DistributionOriginCustomOriginConfigArgs{
					HttpPort:             pulumi.Int(80),
					HttpsPort:            pulumi.Int(443),
					OriginProtocolPolicy: pulumi.String("https-only"),
					OriginSslProtocols:   pulumi.ToStringArray([]string{"TLSv1.2"}),
					OriginReadTimeout:    pulumi.Int(30),
				},
				CustomHeaders: cloudfront.DistributionOriginCustomHeaderArray{
					cloudfront.DistributionOriginCustomHeaderArgs{
						Name:  pulumi.String(OriginVerifyHeader),
						Value: o.originVerifyValue,
					},
				},
			},
		},
		DefaultCacheBehavior: cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String(siteOriginId),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			CachePolicyId:           pulumi.StringPtrFromPtr(cachingOptimized.Id),
			ResponseHeadersPolicyId: headers.ID(),
			Compress:                pulumi.Bool(true),
			FunctionAssociations: cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArray{
				cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs{
					EventType:   pulumi.String("viewer-request"),
					FunctionArn: fallback.Arn,
				},
			},
		},
		OrderedCacheBehaviors: apiBehaviours,
		Restrictions: cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: viewerCertificate,
		LoggingConfig: cloudfront.DistributionLoggingConfigArgs{
			Bucket:         o.logBucketDomain,
			Prefix:         pulumi.String("cloudfront/"),
			IncludeCookies: pulumi.Bool(false),
		},
	}, append(cf, pulumi.DependsOn(o.logBucketReady))...)
	if err != nil {
		return nil, fmt.Errorf("components: distribution: %w", err)
	}
	return dist, nil
}

// newEdgeDnsRecords points the domain at the distribution (IPv4 and IPv6)
// when a hosted zone is configured.
func newEdgeDnsRecords(ctx *pulumi.Context, name string, a EdgeTopologyArgs, dist *cloudfront.Distribution, opts ...pulumi.ResourceOption) error {
	if a.HostedZoneId == "" {
		return nil
	}
	for _, recordType := range []string{"A", "AAAA"} {
		if _, err := route53.NewRecord(ctx, name+"-"+strings.ToLower(recordType), &route53.RecordArgs{
			ZoneId: pulumi.String(a.HostedZoneId),
			Name:   pulumi.String(a.Domain),
			Type:   pulumi.String(recordType),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name:                 dist.DomainName,
				ZoneId:               dist.HostedZoneId,
				EvaluateTargetHealth: pulumi.Bool(false),
			}},
		}, opts...); err != nil {
			return fmt.Errorf("components: %s record for %s: %w", recordType, a.Domain, err)
		}
	}
	return nil
}
