package evidence

import (
	"fmt"
	"slices"
	"strings"
)

// browser is every client on the internet: users' browsers, and anyone else who can reach a
// public endpoint.
var browser = External{ID: "external:browser", Name: "Browser (any client on the internet)", Kind: KindUser}

func src(n *node, property string) Source { return Source{URN: n.URN, Property: property} }

// worldOpen reports whether a security group rule admits anyone.
func worldOpen(rule any) bool {
	return slices.ContainsFunc(strs(rule, "cidrBlocks"), func(c string) bool { return c == "0.0.0.0/0" }) ||
		slices.ContainsFunc(strs(rule, "ipv6CidrBlocks"), func(c string) bool { return c == "::/0" })
}

// admits reports whether a security group rule (tcp or all protocols) covers a port.
func admits(rule any, port int) bool {
	proto := str(rule, "protocol")
	if proto != "tcp" && proto != "-1" && proto != "6" {
		return false
	}
	from, to := num(rule, "fromPort"), num(rule, "toPort")
	return proto == "-1" || (from <= port && port <= to)
}

// securityGroups resolves the security group ids a resource names.
func (g *graph) securityGroups(ids []string) []*node {
	var out []*node
	for _, id := range ids {
		if sg := g.byProp("aws:ec2/securityGroup:SecurityGroup", "id", id); sg != nil {
			out = append(out, sg)
		}
	}
	return out
}

// fromWorld reports whether one of the groups admits anyone on a port, and which group does.
func fromWorld(groups []*node, port int) *node {
	for _, sg := range groups {
		for _, rule := range list(sg.p, "ingress") {
			if worldOpen(rule) && admits(rule, port) {
				return sg
			}
		}
	}
	return nil
}

// regionalDerivations derive the load balancer's connections.
var regionalDerivations = []derivation{
	{
		id:    "internet-to-load-balancer",
		title: "Clients to an internet-facing load balancer",
		explains: "For every listener of a load balancer that is not internal, a connection from the internet on the " +
			"listener's port, if one of the load balancer's security groups admits 0.0.0.0/0 (or ::/0) on that port. " +
			"TLS is the listener's `sslPolicy`; a `mutualAuthentication` in `verify` mode means a client certificate is " +
			"required and checked against the trust store. A listener whose only action redirects to HTTPS carries no data. " +
			"A web ACL associated with the load balancer, and a Route 53 alias to it, are named on the connection.",
		derive: loadBalancerIngress,
	},
	{
		id:    "load-balancer-to-targets",
		title: "Load balancer to its targets",
		explains: "For every listener that forwards to a target group, and every ECS service registered in that target " +
			"group, a connection on the target group's port and protocol, if the load balancer's security groups allow " +
			"egress to that port and the service's security groups admit it from the load balancer's security group or " +
			"its address range. A target group on plain HTTP is reported as unencrypted.",
		derive: loadBalancerTargets,
	},
}

func loadBalancerIngress(g *graph) []flow {
	var out []flow
	for _, lb := range g.ofType("aws:lb/loadBalancer:LoadBalancer") {
		if boolean(lb.p, "internal") {
			continue
		}
		groups := g.securityGroups(strs(lb.p, "securityGroups"))
		via := ""
		for _, rec := range g.ofType("aws:route53/record:Record") {
			if slices.ContainsFunc(list(rec.p, "aliases"), func(a any) bool { return str(a, "name") == str(lb.p, "dnsName") }) {
				via = " as " + str(rec.p, "name") + " (Route 53 alias)"
			}
		}
		waf := ""
		for _, a := range g.ofType("aws:wafv2/webAclAssociation:WebAclAssociation") {
			if str(a.p, "resourceArn") == str(lb.p, "arn") {
				if acl := g.byARN(str(a.p, "webAclArn")); acl != nil {
					waf = "; inspected by WAF web ACL " + acl.Name
				}
			}
		}
		for _, l := range g.ofType("aws:lb/listener:Listener") {
			if str(l.p, "loadBalancerArn") != str(lb.p, "arn") {
				continue
			}
			port := num(l.p, "port")
			sg := fromWorld(groups, port)
			if sg == nil {
				continue
			}
			f := flow{Connection: Connection{From: browser.ID, To: lb.URN, Direction: Inbound, Port: port,
				Protocol: str(l.p, "protocol"), Path: "the internet" + via,
				DerivedFrom: []Source{src(l, "port"), src(l, "protocol"), src(sg, "ingress"), src(lb, "internal")}},
				externals: []External{browser}}
			if redirectOnly(l) {
				f.Summary = fmt.Sprintf("Browser to %s on %d: redirect to HTTPS only", label(lb), port)
				f.Authentication = "none (the listener only redirects to HTTPS)"
				f.Encryption = "none"
				f.Data = []string{"nothing but the redirect"}
				out = append(out, f)
				continue
			}
			f.Summary = fmt.Sprintf("Browser to %s on %s %d%s", label(lb), f.Protocol, port, waf)
			f.Data = []string{dataRequests, dataSPA}
			f.Authentication = "none at the load balancer; the BFF requires its session cookie on /api/* and runs the OIDC login on /auth/*"
			if f.Protocol == "HTTPS" || f.Protocol == "TLS" {
				policy := str(l.p, "sslPolicy")
				f.TLS = &TLS{Policy: policy, MinimumVersion: elbMinimumTLS(policy), FIPS: strings.Contains(policy, "FIPS")}
				f.Encryption = "TLS with the listener's policy " + policy
				f.DerivedFrom = append(f.DerivedFrom, src(l, "sslPolicy"))
				if mode := str(l.p, "mutualAuthentication", "mode"); mode == "verify" || mode == "passthrough" {
					store := g.byARN(str(l.p, "mutualAuthentication", "trustStoreArn"))
					name := str(l.p, "mutualAuthentication", "trustStoreArn")
					if store != nil {
						name = store.Name
					}
					f.TLS.ClientCertificate = "required (" + mode + ")"
					if mode == "verify" {
						f.TLS.ClientCertificate = "required, verified by the load balancer against trust store " + name
						f.Authentication = "a client certificate (PIV/CAC) verified against trust store " + name + ", then the BFF's session cookie"
					}
					f.DerivedFrom = append(f.DerivedFrom, src(l, "mutualAuthentication"))
				}
			} else {
				f.Encryption = "none"
			}
			out = append(out, f)
		}
	}
	return out
}

func redirectOnly(l *node) bool {
	actions := list(l.p, "defaultActions")
	return len(actions) > 0 && !slices.ContainsFunc(actions, func(a any) bool {
		return str(a, "type") != "redirect" || str(a, "redirect", "protocol") != "HTTPS"
	})
}

// elbMinimumTLS reads the lowest TLS version of an Elastic Load Balancing security policy from
// its name, as AWS names them (ELBSecurityPolicy-TLS13-1-2-..., ELBSecurityPolicy-TLS-1-2-...).
func elbMinimumTLS(policy string) string {
	switch {
	case strings.Contains(policy, "TLS13-1-3"):
		return "TLSv1.3"
	case strings.Contains(policy, "1-2"):
		return "TLSv1.2"
	case strings.Contains(policy, "1-1"):
		return "TLSv1.1"
	}
	return "TLSv1"
}

func loadBalancerTargets(g *graph) []flow {
	var out []flow
	for _, l := range g.ofType("aws:lb/listener:Listener") {
		lb := g.byARN(str(l.p, "loadBalancerArn"), "aws:lb/loadBalancer:LoadBalancer")
		if lb == nil {
			continue
		}
		for _, action := range list(l.p, "defaultActions") {
			if str(action, "type") != "forward" {
				continue
			}
			tg := g.byARN(str(action, "targetGroupArn"), "aws:lb/targetGroup:TargetGroup")
			if tg == nil {
				continue
			}
			port := num(tg.p, "port")
			for _, svc := range g.ofType("aws:ecs/service:Service") {
				if !slices.ContainsFunc(list(svc.p, "loadBalancers"), func(b any) bool { return str(b, "targetGroupArn") == str(tg.p, "arn") }) {
					continue
				}
				lbGroups := g.securityGroups(strs(lb.p, "securityGroups"))
				taskGroups := g.securityGroups(strs(svc.p, "networkConfiguration", "securityGroups"))
				egress, ingress := lbEgress(lbGroups, port), taskIngress(taskGroups, lbGroups, port)
				if egress == nil || ingress == nil {
					continue
				}
				f := flow{Connection: Connection{From: lb.URN, To: svc.URN, Direction: Internal, Port: port, Protocol: str(tg.p, "protocol"),
					Path:    "inside the VPC, to tasks in private subnets",
					Summary: fmt.Sprintf("%s to %s on %s %d", label(lb), label(svc), str(tg.p, "protocol"), port),
					Data:    []string{dataRequests},
					Authentication: "none at the network beyond security groups: the tasks admit only the load balancer's group; " +
						"the BFF authenticates the session cookie and, under mTLS, the client certificate headers the load balancer adds",
					DerivedFrom: []Source{src(l, "defaultActions"), src(tg, "port"), src(tg, "protocol"), src(svc, "loadBalancers"),
						src(egress, "egress"), src(ingress, "ingress")}}}
				if str(tg.p, "protocol") == "HTTPS" {
					f.TLS = &TLS{Policy: "load balancer to target (no certificate validation by the load balancer)", MinimumVersion: "TLSv1.2"}
					f.Encryption = "TLS"
				} else {
					f.Encryption = "none: plain HTTP inside the VPC"
				}
				out = append(out, f)
			}
		}
	}
	return out
}

func lbEgress(groups []*node, port int) *node {
	for _, sg := range groups {
		if slices.ContainsFunc(list(sg.p, "egress"), func(r any) bool { return admits(r, port) }) {
			return sg
		}
	}
	return nil
}

// taskIngress finds the task security group that admits the load balancer on a port: from one
// of its security groups, or from an address range.
func taskIngress(task, lb []*node, port int) *node {
	lbIDs := make([]string, 0, len(lb))
	for _, sg := range lb {
		lbIDs = append(lbIDs, str(sg.p, "id"))
	}
	for _, sg := range task {
		for _, rule := range list(sg.p, "ingress") {
			if !admits(rule, port) {
				continue
			}
			fromLB := slices.ContainsFunc(strs(rule, "securityGroups"), func(id string) bool { return slices.Contains(lbIDs, id) })
			if fromLB || len(strs(rule, "cidrBlocks")) > 0 {
				return sg
			}
		}
	}
	return nil
}
