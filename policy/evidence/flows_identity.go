package evidence

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

var identityDerivations = []derivation{
	{
		id:    "compute-to-urls",
		title: "Code to the HTTPS endpoints its configuration names",
		explains: "Every https URL in a function's or task's environment (directly, or inside a JSON value such as the " +
			"BFF's route list) is a connection on its port (443 by default), if the code may reach it: always for a " +
			"function outside a VPC, and for a task when a security group allows egress on that port to anywhere. A URL " +
			"on a Cognito user pool's issuer or hosted-UI domain is a connection to the user pool (discovery, token and " +
			"keys endpoints; the token endpoint authenticated by the app client's secret); one on an API of the stack is " +
			"a connection to that API with the user's access token; one on the stack's own public address is not a " +
			"connection; any other is an upstream outside the boundary, called with the user's access token.",
		derive: computeURLs,
	},
	{
		id:    "unrestricted-egress",
		title: "Egress the network does not restrict to named endpoints",
		explains: "Where the network lets code reach more than the endpoints its configuration names, the whole range is " +
			"a permitted connection: a task whose security group allows egress to 0.0.0.0/0 on a port may open a " +
			"connection to any address on that port (through the NAT gateways), and a function outside a VPC may reach " +
			"any address. The code itself connects only to the endpoints listed by the other derivations.",
		derive: openEgress,
	},
	{
		id:    "browser-to-hosted-ui",
		title: "Browsers to the Cognito hosted UI",
		explains: "A user pool domain with an app client that allows the authorization-code flow is a connection from " +
			"the browser, which the BFF redirects there to sign in. The FIPS hosted-UI endpoint is used when the code's " +
			"configuration names it. Sign-in is the user pool's (MFA setting) or, when the client lists identity " +
			"providers, the federated provider's.",
		derive: hostedUI,
	},
	{
		id:    "identity-federation",
		title: "Federation with an external identity provider",
		explains: "A Cognito identity provider of type SAML (or OIDC) puts the agency's identity provider outside the " +
			"boundary: the browser goes there to authenticate and returns with an assertion to the user pool, and Cognito " +
			"fetches the provider's metadata from the URL the provider details name.",
		derive: federation,
	},
}

// userPoolOf resolves a URL to the user pool it addresses: its issuer (cognito-idp[-fips] with the
// pool id as the first path segment) or its hosted-UI domain.
func (g *graph) userPoolOf(u *url.URL) *node {
	for _, pool := range g.ofType("aws:cognito/userPool:UserPool") {
		id := str(pool.p, "id")
		if strings.HasPrefix(u.Host, "cognito-idp") && strings.HasPrefix(strings.TrimPrefix(u.Path, "/"), id) {
			return pool
		}
		for _, d := range g.ofType("aws:cognito/userPoolDomain:UserPoolDomain") {
			if str(d.p, "userPoolId") == id && strings.HasPrefix(u.Host, str(d.p, "domain")+".auth") {
				return pool
			}
		}
	}
	return nil
}

// ownAddress reports whether a host is the stack's own public address (where the BFF is served).
func (g *graph) ownAddress(host string) bool {
	for _, r := range g.ofType("aws:route53/record:Record") {
		if str(r.p, "name") == host {
			return true
		}
	}
	for _, d := range g.ofType("aws:cloudfront/distribution:Distribution") {
		if str(d.p, "domainName") == host || slices.Contains(strs(d.p, "aliases"), host) {
			return true
		}
	}
	return g.byProp("aws:lb/loadBalancer:LoadBalancer", "dnsName", host) != nil
}

func port(u *url.URL) int {
	if p := u.Port(); p != "" {
		var n int
		fmt.Sscanf(p, "%d", &n)
		return n
	}
	return 443
}

func computeURLs(g *graph) []flow {
	var out []flow
	for _, c := range g.computes() {
		// One connection per destination; a user pool is reached on several hosts (issuer, keys,
		// hosted-UI domain), and only the hosted-UI domain's token endpoint takes the client secret.
		byDest := map[string]*flow{}
		var order []string
		for _, u := range c.urls() {
			host := u.Hostname()
			if g.ownAddress(host) {
				continue
			}
			pool := g.userPoolOf(u)
			api := g.endpointOwner(host)
			service := ""
			switch {
			case pool != nil:
				service = "cognito-idp"
			case api != nil:
				service = "execute-api"
			}
			path := g.path(c, service)
			sg := c.egress(port(u), !strings.Contains(path, "endpoint"))
			if sg == nil {
				continue
			}
			f := &flow{Connection: Connection{From: c.n.URN, Direction: Internal, Port: port(u), Protocol: "HTTPS", Path: path,
				TLS:         &TLS{Policy: "server certificate verified by the code (Go crypto/tls)", MinimumVersion: "TLSv1.2"},
				Encryption:  "TLS",
				DerivedFrom: []Source{c.source}}}
			if sg != c.n {
				f.DerivedFrom = append(f.DerivedFrom, src(sg, "egress"))
			}
			switch {
			case pool != nil:
				f.To = pool.URN
				f.TLS.Policy = "Cognito endpoint"
				f.Authentication = "none: the discovery document and signing keys are public"
				f.Data = []string{"the user pool's signing keys (public)"}
			case api != nil:
				f.To = api.URN
				f.TLS.Policy = "API Gateway default endpoint"
				f.Summary = fmt.Sprintf("%s to %s (%s)", label(c.n), label(api), host)
				f.Authentication = "the signed-in user's access token (Bearer), added by the BFF"
				f.Data = []string{dataAccessToken, dataUserData}
			default:
				e := External{ID: "external:https://" + u.Host, Name: "Upstream " + u.Host, Kind: KindAPI, Address: "https://" + u.Host}
				f.To, f.Direction, f.externals = e.ID, Outbound, []External{e}
				f.Summary = fmt.Sprintf("%s to the upstream %s", label(c.n), u.Host)
				f.Authentication = "the signed-in user's access token (Bearer), added by the BFF"
				f.Data = []string{dataAccessToken, dataUserData}
			}
			key := f.To + fmt.Sprint(f.Port)
			prev, seen := byDest[key]
			if !seen {
				byDest[key], order = f, append(order, key)
				prev = f
			}
			if pool != nil {
				prev.hosts = append(prev.hosts, host)
				prev.TLS.FIPS = prev.TLS.FIPS || strings.Contains(host, "-fips")
				if strings.Contains(host, ".auth") {
					prev.Authentication = "the app client's secret on the token and revocation endpoints (" + clientOf(g, pool) +
						"); the discovery document and signing keys are public"
					prev.Data = []string{dataTokens, "the user pool's signing keys (public)"}
				}
				prev.Summary = fmt.Sprintf("%s to %s (%s)", label(c.n), label(pool), strings.Join(sortedSet(prev.hosts), ", "))
			}
		}
		for _, key := range order {
			out = append(out, *byDest[key])
		}
	}
	return out
}

// internet is any address on the internet, as a destination.
var internet = External{ID: "external:internet", Name: "Any address on the internet", Kind: KindAPI}

func openEgress(g *graph) []flow {
	var out []flow
	for _, c := range g.computes() {
		base := Connection{From: c.n.URN, To: internet.ID, Direction: Outbound, Protocol: "TCP", Encryption: "whatever the destination offers",
			Authentication: "none required by the network", Data: []string{"whatever the code sends (it sends only to the endpoints listed)"}}
		if !c.inVPC {
			f := flow{Connection: base, externals: []External{internet}}
			f.Port, f.Path = 443, g.path(c, "")
			f.Summary = label(c.n) + " may reach any address: the function is not in a VPC"
			f.DerivedFrom = []Source{src(c.n, "vpcConfig")}
			out = append(out, f)
			continue
		}
		for _, sg := range c.groups {
			for _, rule := range list(sg.p, "egress") {
				if !worldOpen(rule) {
					continue
				}
				f := flow{Connection: base, externals: []External{internet}}
				f.Port, f.Path = num(rule, "fromPort"), g.path(c, "")
				if f.Port == 0 {
					f.Port = 1
				}
				f.Summary = fmt.Sprintf("%s may reach any address on TCP %d: security group %s allows it to 0.0.0.0/0", label(c.n), num(rule, "fromPort"), sg.Name)
				f.DerivedFrom = []Source{src(sg, "egress")}
				out = append(out, f)
			}
		}
	}
	return out
}

func clientOf(g *graph, pool *node) string {
	var names []string
	for _, c := range g.ofType("aws:cognito/userPoolClient:UserPoolClient") {
		if str(c.p, "userPoolId") == str(pool.p, "id") && boolean(c.p, "generateSecret") {
			names = append(names, "app client "+c.Name)
		}
	}
	if len(names) == 0 {
		return "no app client with a secret"
	}
	return strings.Join(names, ", ")
}

func hostedUI(g *graph) []flow {
	var out []flow
	for _, d := range g.ofType("aws:cognito/userPoolDomain:UserPoolDomain") {
		pool := g.byProp("aws:cognito/userPool:UserPool", "id", str(d.p, "userPoolId"))
		if pool == nil {
			continue
		}
		var clients []*node
		for _, c := range g.ofType("aws:cognito/userPoolClient:UserPoolClient") {
			if str(c.p, "userPoolId") == str(pool.p, "id") && slices.Contains(strs(c.p, "allowedOauthFlows"), "code") {
				clients = append(clients, c)
			}
		}
		if len(clients) == 0 {
			continue
		}
		host := str(d.p, "domain") + ".auth." + g.region + ".amazoncognito.com"
		fips := false
		for _, c := range g.computes() {
			for _, u := range c.urls() {
				if strings.HasPrefix(u.Host, str(d.p, "domain")+".auth-fips.") {
					host, fips = u.Host, true
				}
			}
		}
		auth := "the user signs in to the user pool (MFA " + strings.ToLower(str(pool.p, "mfaConfiguration")) + ")"
		var idps []string
		for _, c := range clients {
			for _, p := range strs(c.p, "supportedIdentityProviders") {
				if p != "COGNITO" {
					idps = append(idps, p)
				}
			}
		}
		if len(idps) > 0 {
			auth = "the user authenticates at the federated identity provider " + strings.Join(sortedSet(idps), ", ") + "; Cognito accepts its signed assertion"
		}
		out = append(out, flow{Connection: Connection{From: browser.ID, To: pool.URN, Direction: Inbound, Port: 443, Protocol: "HTTPS",
			TLS:            &TLS{Policy: "Cognito hosted UI", MinimumVersion: "TLSv1.2", FIPS: fips},
			Encryption:     "TLS",
			Path:           "the internet, as " + host,
			Summary:        "Browser to " + label(pool) + "'s hosted UI (" + host + ") to sign in",
			Authentication: auth,
			Data:           []string{dataTokens, dataIdentities},
			DerivedFrom:    []Source{src(d, "domain"), src(clients[0], "allowedOauthFlows"), src(clients[0], "supportedIdentityProviders")}},
			externals: []External{browser}})
	}
	return out
}

func federation(g *graph) []flow {
	var out []flow
	for _, p := range g.ofType("aws:cognito/identityProvider:IdentityProvider") {
		pool := g.byProp("aws:cognito/userPool:UserPool", "id", str(p.p, "userPoolId"))
		if pool == nil {
			continue
		}
		kind := str(p.p, "providerType")
		address := str(p.p, "providerDetails", "MetadataURL")
		if address == "" {
			address = str(p.p, "providerDetails", "oidc_issuer")
		}
		host := address
		if u, err := url.Parse(address); err == nil && u.Host != "" {
			host = u.Host
		}
		idp := External{ID: "external:idp:" + str(p.p, "providerName"), Name: "Identity provider " + str(p.p, "providerName") + " (" + kind + ")",
			Kind: KindIdP, Address: address}
		out = append(out, flow{Connection: Connection{From: browser.ID, To: idp.ID, Direction: Outbound, Port: 443, Protocol: "HTTPS",
			TLS:            &TLS{Policy: "the identity provider's own (outside the boundary)", MinimumVersion: "TLSv1.2"},
			Encryption:     "TLS",
			Path:           "the internet, to " + host,
			Summary:        "Browser to the identity provider " + str(p.p, "providerName") + " to authenticate, and back to " + label(pool) + " with a " + kind + " assertion",
			Authentication: "the identity provider's (for a PIV/CAC, its certificate); the assertion is signed by the provider and checked by Cognito against its metadata",
			Data:           []string{dataFederation},
			DerivedFrom:    []Source{src(p, "providerType"), src(p, "providerDetails")}}, externals: []External{browser, idp}})
		if address != "" {
			out = append(out, flow{Connection: Connection{From: pool.URN, To: idp.ID, Direction: Outbound, Port: 443, Protocol: "HTTPS",
				TLS:            &TLS{Policy: "the identity provider's own (outside the boundary)", MinimumVersion: "TLSv1.2"},
				Encryption:     "TLS",
				Path:           "AWS's network to " + host,
				Summary:        label(pool) + " fetches the metadata of " + str(p.p, "providerName"),
				Authentication: "none (public metadata, over TLS with the provider's certificate)",
				Data:           []string{dataIdPMetadata},
				DerivedFrom:    []Source{src(p, "providerDetails")}}, externals: []External{idp}})
		}
	}
	return out
}
