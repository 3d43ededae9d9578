package evidence

import (
	"fmt"
	"slices"
	"strings"
)

var grantDerivations = []derivation{
	{
		id:    "iam-grants",
		title: "Code to AWS services, by its IAM grants",
		explains: "For every function and every ECS service, the inline policies of the roles it runs with (the " +
			"function's role; the task role, and the execution role the ECS agent uses for the image, logs and " +
			"secrets): each Allow statement is a connection to every resource of the stack its Resource ARNs name (a " +
			"table with its indexes, a key, a secret, a log group with its streams, a repository), or to the AWS " +
			"service itself when it names `*`. A statement conditioned on `kms:ViaService` is not a connection of the " +
			"code: the named service uses the key on its behalf. A task in a VPC needs a security group that allows " +
			"egress on 443; the path is the VPC's endpoint for the service when there is one. Every AWS API call is " +
			"signed with SigV4 by the role's temporary credentials, over TLS 1.2 or later (FIPS endpoints where the " +
			"code's configuration asks for them).",
		derive: grants,
	},
	{
		id:    "log-delivery",
		title: "AWS services delivering logs",
		explains: "Where a resource sends its logs to another of the stack: a load balancer's access and connection " +
			"logs and a distribution's logs to their bucket, S3 server access logs to the target bucket, a web ACL's " +
			"logging configuration, a VPC flow log and an API stage's access logs to their log group. The delivering " +
			"AWS service authenticates with its service principal, which the bucket or log group allows.",
		derive: logDelivery,
	},
}

// grantTarget is what an IAM statement's resource names: a resource of the stack, or a service.
func (g *graph) grantTarget(arn, service string) (*node, *External) {
	if arn == "*" {
		e := External{ID: "external:aws:" + service, Name: "AWS " + service + " API", Kind: KindAWSService, Address: service + "." + g.region + ".amazonaws.com"}
		return nil, &e
	}
	if i := strings.Index(arn, ":log-stream:"); i >= 0 {
		arn = arn[:i]
	}
	if n := g.byARN(arn); n != nil {
		return n, nil
	}
	return nil, nil
}

func grants(g *graph) []flow {
	var out []flow
	for _, c := range g.computes() {
		for _, roleARN := range sortedKeysOf(c.roles) {
			role := g.byProp("aws:iam/role:Role", "arn", roleARN)
			if role == nil {
				continue
			}
			for _, pol := range g.ofType("aws:iam/rolePolicy:RolePolicy") {
				if r := str(pol.p, "role"); r != str(role.p, "id") && r != str(role.p, "name") && r != roleARN {
					continue
				}
				for _, st := range list(jsonDoc(pol.p, "policy"), "Statement") {
					if str(st, "Effect") != "Allow" || get(st, "Condition", "StringEquals", "kms:ViaService") != nil {
						continue
					}
					actions := append(strs(st, "Action"), str(st, "Action"))
					resources := append(strs(st, "Resource"), str(st, "Resource"))
					for _, service := range actionServices(actions) {
						sg := c.egress(443, !strings.Contains(g.path(c, endpointService(service)), "endpoint"))
						if sg == nil {
							continue
						}
						for _, arn := range resources {
							if arn == "" {
								continue
							}
							target, ext := g.grantTarget(arn, service)
							if target == nil && ext == nil {
								continue
							}
							f := flow{Connection: Connection{From: c.n.URN, Direction: Internal, Port: 443, Protocol: "HTTPS (AWS API)",
								TLS:            &TLS{Policy: "AWS service endpoint", MinimumVersion: "TLSv1.2", FIPS: c.fips},
								Encryption:     "TLS",
								Path:           g.path(c, endpointService(service)),
								Authentication: "SigV4 with " + c.roles[roleARN] + " " + role.Name + ": " + strings.Join(serviceActions(actions, service), ", "),
								DerivedFrom:    []Source{src(pol, "policy"), c.source}}}
							if sg != c.n {
								f.DerivedFrom = append(f.DerivedFrom, src(sg, "egress"))
							}
							if target != nil {
								f.To = target.URN
								f.Summary = fmt.Sprintf("%s to %s", label(c.n), label(target))
								f.Data = stored(g, target)
								if target.Type == "aws:kms/key:Key" {
									f.Data = []string{dataKeyUse}
								}
							} else {
								f.To, f.Direction, f.externals = ext.ID, Outbound, []External{*ext}
								f.Summary = fmt.Sprintf("%s to %s", label(c.n), ext.Name)
								f.Data = []string{"API calls to " + service + " that carry no stack data"}
							}
							out = append(out, f)
						}
					}
				}
			}
		}
	}
	return out
}

func sortedKeysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// actionServices lists the services of IAM actions ("dynamodb:GetItem" → "dynamodb").
func actionServices(actions []string) []string {
	var out []string
	for _, a := range actions {
		if s, _, ok := strings.Cut(a, ":"); ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

func serviceActions(actions []string, service string) []string {
	var out []string
	for _, a := range actions {
		if strings.HasPrefix(a, service+":") {
			out = append(out, a)
		}
	}
	return out
}

// endpointService is the VPC endpoint service name of an IAM service prefix.
func endpointService(iamService string) string {
	switch iamService {
	case "ecr":
		return "ecr.api"
	case "xray":
		return "xray"
	}
	return iamService
}

func logDelivery(g *graph) []flow {
	var out []flow
	deliver := func(from *node, to *node, property, service string) {
		if to == nil {
			return
		}
		out = append(out, flow{Connection: Connection{From: from.URN, To: to.URN, Direction: Internal, Port: 443, Protocol: "AWS log delivery (HTTPS)",
			TLS:            &TLS{Policy: "AWS service to service", MinimumVersion: "TLSv1.2"},
			Encryption:     "TLS; at rest " + atRest(g, to),
			Summary:        fmt.Sprintf("%s logs to %s", label(from), label(to)),
			Authentication: "the " + service + " log delivery service principal, allowed by the destination's policy",
			Data:           []string{dataLogs},
			DerivedFrom:    []Source{src(from, property)}}})
	}
	bucketNamed := func(name string) *node {
		return g.byProp("aws:s3/bucketV2:BucketV2", "bucket", strings.TrimSuffix(name, ".s3.amazonaws.com"))
	}
	for _, lb := range g.ofType("aws:lb/loadBalancer:LoadBalancer") {
		for _, kind := range []string{"accessLogs", "connectionLogs"} {
			if boolean(lb.p, kind, "enabled") {
				deliver(lb, bucketNamed(str(lb.p, kind, "bucket")), kind, "Elastic Load Balancing")
			}
		}
	}
	for _, d := range g.ofType("aws:cloudfront/distribution:Distribution") {
		if b := str(d.p, "loggingConfig", "bucket"); b != "" {
			deliver(d, bucketNamed(b), "loggingConfig", "CloudFront")
		}
	}
	for _, l := range g.ofType("aws:s3/bucketLoggingV2:BucketLoggingV2") {
		source := g.byProp("aws:s3/bucketV2:BucketV2", "id", str(l.p, "bucket"))
		if source == nil {
			source = bucketNamed(str(l.p, "bucket"))
		}
		if source != nil {
			deliver(source, bucketNamed(str(l.p, "targetBucket")), "logging", "S3 server access logging")
		}
	}
	for _, w := range g.ofType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") {
		if acl := g.byARN(str(w.p, "resourceArn")); acl != nil {
			for _, dest := range strs(w.p, "logDestinationConfigs") {
				deliver(acl, g.byARN(dest, "aws:cloudwatch/logGroup:LogGroup"), "logging configuration "+w.Name, "WAF")
			}
		}
	}
	for _, fl := range g.ofType("aws:ec2/flowLog:FlowLog") {
		if vpc := g.vpcOf(str(fl.p, "vpcId")); vpc != nil {
			deliver(vpc, g.byARN(str(fl.p, "logDestination"), "aws:cloudwatch/logGroup:LogGroup"), "flow log "+fl.Name, "VPC Flow Logs")
		}
	}
	for _, st := range g.ofType("aws:apigatewayv2/stage:Stage") {
		if api := g.byProp("aws:apigatewayv2/api:Api", "id", str(st.p, "apiId")); api != nil {
			deliver(api, g.byARN(str(st.p, "accessLogSettings", "destinationArn"), "aws:cloudwatch/logGroup:LogGroup"), "stage "+st.Name+" accessLogSettings", "API Gateway")
		}
	}
	return out
}

// vpcOf finds the VPC resource with an id.
func (g *graph) vpcOf(id string) *node {
	for _, v := range g.ofType("awsx:ec2:Vpc", "aws:ec2/vpc:Vpc") {
		if str(v.p, "vpc", "id") == id || str(v.p, "id") == id || "vpc-"+str(v.p, "id") == id {
			return v
		}
	}
	return nil
}

var derivations = slices.Concat(regionalDerivations, edgeDerivations, identityDerivations, grantDerivations)
