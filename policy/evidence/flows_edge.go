package evidence

import (
	"slices"
	"strconv"
	"strings"
)

// edgeDerivations derive CloudFront's and API Gateway's connections.
var edgeDerivations = []derivation{
	{
		id:    "viewer-to-cloudfront",
		title: "Viewers to a CloudFront distribution",
		explains: "For every distribution, a connection on 443 from the internet with the viewer certificate's " +
			"`minimumProtocolVersion` (TLSv1 with the default *.cloudfront.net certificate, which CloudFront does not let " +
			"be raised), and one on 80 when a cache behavior allows HTTP or redirects it. The web ACL is named.",
		derive: cloudFrontViewers,
	},
	{
		id:    "cloudfront-to-origin",
		title: "CloudFront to its origins",
		explains: "For every origin of a distribution: an S3 origin with an origin access control is a SigV4-signed " +
			"connection to the bucket whose regional domain name it is, if the bucket's policy allows " +
			"cloudfront.amazonaws.com to read; a custom origin is a connection to the API or load balancer whose " +
			"endpoint it is, on the port and TLS versions of its `customOriginConfig`, authenticated by the names of its " +
			"custom headers (never their values). The cache behaviors' path patterns say what each origin serves.",
		derive: cloudFrontOrigins,
	},
	{
		id:    "internet-to-api",
		title: "Clients to an API Gateway HTTP API",
		explains: "An HTTP API's default endpoint is public unless `disableExecuteApiEndpoint` is set, whatever sits in " +
			"front of it. For every such API, a connection from the internet on 443, authenticated as its routes are: a " +
			"JWT authorizer's issuer and audience, or, with no authorizer, the origin-verify header the BFF requires.",
		derive: apiIngress,
	},
	{
		id:    "api-to-function",
		title: "API Gateway to Lambda",
		explains: "For every integration of type AWS_PROXY whose URI names a function of the stack, a connection from " +
			"the API to the function, if a Lambda permission lets apigateway.amazonaws.com invoke it from that API's " +
			"execution ARN.",
		derive: apiFunctions,
	},
}

func cloudFrontViewers(g *graph) []flow {
	var out []flow
	for _, d := range g.ofType("aws:cloudfront/distribution:Distribution") {
		cert := get(d.p, "viewerCertificate")
		tls := &TLS{Policy: "CloudFront default certificate (*.cloudfront.net)", MinimumVersion: "TLSv1"}
		if min := str(cert, "minimumProtocolVersion"); min != "" && !boolean(cert, "cloudfrontDefaultCertificate") {
			tls = &TLS{Policy: min + " (" + str(cert, "sslSupportMethod") + ")", MinimumVersion: strings.SplitN(min, "_", 2)[0]}
		}
		host := str(d.p, "domainName")
		if aliases := strs(d.p, "aliases"); len(aliases) > 0 {
			host = strings.Join(aliases, ", ")
		}
		waf := ""
		if acl := g.byARN(str(d.p, "webAclId")); acl != nil {
			waf = "; inspected by WAF web ACL " + acl.Name
		}
		out = append(out, flow{Connection: Connection{From: browser.ID, To: d.URN, Direction: Inbound, Port: 443, Protocol: "HTTPS",
			Path: "the internet, as " + host, TLS: tls, Encryption: "TLS, " + tls.Policy,
			Summary:        "Browser to " + label(d) + " on HTTPS 443" + waf,
			Authentication: "none at CloudFront; the BFF requires its session cookie on /api/* and runs the OIDC login on /auth/*",
			Data:           []string{dataRequests, dataSPA},
			DerivedFrom:    []Source{src(d, "viewerCertificate"), src(d, "aliases")}}, externals: []External{browser}})
		behaviors := append(list(d.p, "defaultCacheBehavior"), list(d.p, "orderedCacheBehaviors")...)
		if slices.ContainsFunc(behaviors, func(b any) bool { return str(b, "viewerProtocolPolicy") != "https-only" }) {
			allows := slices.ContainsFunc(behaviors, func(b any) bool { return str(b, "viewerProtocolPolicy") == "allow-all" })
			f := flow{Connection: Connection{From: browser.ID, To: d.URN, Direction: Inbound, Port: 80, Protocol: "HTTP", Path: "the internet, as " + host,
				Summary: "Browser to " + label(d) + " on HTTP 80: redirect to HTTPS only", Authentication: "none",
				Encryption: "none", Data: []string{"nothing but the redirect"}, DerivedFrom: []Source{src(d, "defaultCacheBehavior.viewerProtocolPolicy")}},
				externals: []External{browser}}
			if allows {
				f.Summary = "Browser to " + label(d) + " on HTTP 80 (a cache behavior allows plain HTTP)"
				f.Data = []string{dataRequests}
			}
			out = append(out, f)
		}
	}
	return out
}

func cloudFrontOrigins(g *graph) []flow {
	var out []flow
	for _, d := range g.ofType("aws:cloudfront/distribution:Distribution") {
		behaviors := append(list(d.p, "defaultCacheBehavior"), list(d.p, "orderedCacheBehaviors")...)
		for _, o := range list(d.p, "origins") {
			var paths []string
			for _, b := range behaviors {
				if str(b, "targetOriginId") == str(o, "originId") {
					p := str(b, "pathPattern")
					if p == "" {
						p = "/* (default)"
					}
					paths = append(paths, p)
				}
			}
			serves := " for " + strings.Join(paths, ", ")
			domain := str(o, "domainName")
			if oac := g.byProp("aws:cloudfront/originAccessControl:OriginAccessControl", "id", str(o, "originAccessControlId")); oac != nil {
				bucket := g.byProp("aws:s3/bucketV2:BucketV2", "bucketRegionalDomainName", domain)
				if bucket == nil || !bucketAllowsCloudFront(g, bucket) {
					continue
				}
				out = append(out, flow{Connection: Connection{From: d.URN, To: bucket.URN, Direction: Internal, Port: 443, Protocol: "HTTPS",
					TLS:            &TLS{Policy: "S3 endpoint; the bucket policy denies requests without TLS", MinimumVersion: "TLSv1.2"},
					Encryption:     "TLS",
					Summary:        label(d) + " to " + label(bucket) + serves,
					Authentication: "SigV4 signed by CloudFront (origin access control " + oac.Name + "); the bucket policy allows only cloudfront.amazonaws.com for this distribution",
					Data:           []string{dataSPA},
					DerivedFrom:    []Source{src(d, "origins"), src(oac, "signingProtocol"), src(bucket, "bucketRegionalDomainName")}}})
				continue
			}
			custom := get(o, "customOriginConfig")
			if custom == nil {
				continue
			}
			target := g.endpointOwner(domain)
			if target == nil {
				continue
			}
			port, proto := num(custom, "httpsPort"), "HTTPS"
			var tls *TLS
			if str(custom, "originProtocolPolicy") == "http-only" {
				port, proto = num(custom, "httpPort"), "HTTP"
			} else {
				versions := strs(custom, "originSslProtocols")
				slices.Sort(versions)
				min := "TLSv1.2"
				if len(versions) > 0 {
					min = versions[0]
				}
				tls = &TLS{Policy: "origin SSL protocols " + strings.Join(versions, ", ") + " (" + str(custom, "originProtocolPolicy") + ")", MinimumVersion: min}
			}
			var headers []string
			for _, h := range list(o, "customHeaders") {
				headers = append(headers, str(h, "name"))
			}
			auth := "none"
			if len(headers) > 0 {
				auth = "the secret header " + strings.Join(headers, ", ") + " that CloudFront adds and the BFF requires (compared in constant time)"
			}
			f := flow{Connection: Connection{From: d.URN, To: target.URN, Direction: Internal, Port: port, Protocol: proto, TLS: tls,
				Summary: label(d) + " to " + label(target) + serves, Authentication: auth, Data: []string{dataRequests},
				Path:        "the AWS network, to the public endpoint " + domain,
				DerivedFrom: []Source{src(d, "origins"), src(d, "orderedCacheBehaviors")}}}
			f.Encryption = "none"
			if tls != nil {
				f.Encryption = "TLS"
			}
			out = append(out, f)
		}
	}
	return out
}

// endpointOwner finds the API or load balancer whose endpoint a host name is.
func (g *graph) endpointOwner(host string) *node {
	for _, api := range g.ofType("aws:apigatewayv2/api:Api") {
		if strings.TrimPrefix(str(api.p, "apiEndpoint"), "https://") == host {
			return api
		}
	}
	return g.byProp("aws:lb/loadBalancer:LoadBalancer", "dnsName", host)
}

func bucketAllowsCloudFront(g *graph, bucket *node) bool {
	for _, bp := range g.ofType("aws:s3/bucketPolicy:BucketPolicy") {
		if str(bp.p, "bucket") != str(bucket.p, "id") && str(bp.p, "bucket") != str(bucket.p, "bucket") {
			continue
		}
		for _, st := range list(jsonDoc(bp.p, "policy"), "Statement") {
			if str(st, "Effect") == "Allow" && slices.Contains(append(strs(st, "Principal", "Service"), str(st, "Principal", "Service")), "cloudfront.amazonaws.com") {
				return true
			}
		}
	}
	return false
}

func apiIngress(g *graph) []flow {
	var out []flow
	for _, api := range g.ofType("aws:apigatewayv2/api:Api") {
		if boolean(api.p, "disableExecuteApiEndpoint") {
			continue
		}
		var auth []string
		for _, route := range g.ofType("aws:apigatewayv2/route:Route") {
			if str(route.p, "apiId") != str(api.p, "id") {
				continue
			}
			how := "no authorizer: the BFF refuses a request without CloudFront's origin-verify header (403)"
			if a := g.byProp("aws:apigatewayv2/authorizer:Authorizer", "id", str(route.p, "authorizerId")); a != nil && str(route.p, "authorizationType") == "JWT" {
				how = "a JWT authorizer (issuer " + str(a.p, "jwtConfiguration", "issuer") + ", audience " + strings.Join(strs(a.p, "jwtConfiguration", "audiences"), ", ") + ")"
			}
			auth = append(auth, str(route.p, "routeKey")+": "+how)
		}
		slices.Sort(auth)
		host := strings.TrimPrefix(str(api.p, "apiEndpoint"), "https://")
		out = append(out, flow{Connection: Connection{From: browser.ID, To: api.URN, Direction: Inbound, Port: 443, Protocol: "HTTPS",
			TLS:            &TLS{Policy: "API Gateway default endpoint", MinimumVersion: "TLSv1.2"},
			Encryption:     "TLS",
			Path:           "the internet, as " + host,
			Summary:        "Any client to " + label(api) + "'s default endpoint on HTTPS 443",
			Authentication: strings.Join(auth, "; "),
			Data:           []string{dataRequests},
			DerivedFrom:    []Source{src(api, "apiEndpoint"), src(api, "disableExecuteApiEndpoint")}}, externals: []External{browser}})
	}
	return out
}

func apiFunctions(g *graph) []flow {
	var out []flow
	for _, in := range g.ofType("aws:apigatewayv2/integration:Integration") {
		if str(in.p, "integrationType") != "AWS_PROXY" {
			continue
		}
		api := g.byProp("aws:apigatewayv2/api:Api", "id", str(in.p, "apiId"))
		var fn *node
		for _, f := range g.ofType("aws:lambda/function:Function") {
			if strings.Contains(str(in.p, "integrationUri"), str(f.p, "arn")+"/") || str(in.p, "integrationUri") == str(f.p, "invokeArn") {
				fn = f
			}
		}
		if api == nil || fn == nil {
			continue
		}
		var perm *node
		for _, p := range g.ofType("aws:lambda/permission:Permission") {
			if str(p.p, "principal") == "apigateway.amazonaws.com" && (str(p.p, "function") == str(fn.p, "name") || str(p.p, "function") == str(fn.p, "arn")) &&
				strings.HasPrefix(str(p.p, "sourceArn"), str(api.p, "executionArn")+"/") {
				perm = p
			}
		}
		if perm == nil {
			continue
		}
		out = append(out, flow{Connection: Connection{From: api.URN, To: fn.URN, Direction: Internal, Port: 443, Protocol: "Lambda Invoke (HTTPS)",
			TLS:            &TLS{Policy: "AWS service to service", MinimumVersion: "TLSv1.2"},
			Encryption:     "TLS",
			Summary:        label(api) + " invokes " + label(fn) + " (payload " + str(in.p, "payloadFormatVersion") + ", timeout " + strconv.Itoa(num(in.p, "timeoutMilliseconds")) + " ms)",
			Authentication: "IAM: the function's resource policy (" + perm.Name + ") lets apigateway.amazonaws.com invoke it from this API only",
			Data:           []string{dataRequests},
			DerivedFrom:    []Source{src(in, "integrationUri"), src(perm, "principal"), src(perm, "sourceArn")}}})
	}
	return out
}
