package evidence

import (
	"net/url"
	"slices"
	"strings"
)

// fipsEndpointVariable is the AWS SDKs' setting that makes every AWS API call use the service's
// FIPS endpoint.
const fipsEndpointVariable = "AWS_USE_FIPS_ENDPOINT"

// compute is a resource that runs Gatehouse code: a Lambda function or an ECS service's tasks.
type compute struct {
	n *node
	// env holds the values of the environment variables (names are not relied on).
	env []string
	// roles are the IAM role ARNs the code or its agent act with, by what acts with them.
	roles map[string]string
	// groups are the security groups of a compute in a VPC; nil outside one.
	groups []*node
	inVPC  bool
	fips   bool
	source Source
}

func (g *graph) computes() []compute {
	var out []compute
	for _, fn := range g.ofType("aws:lambda/function:Function") {
		c := compute{n: fn, roles: map[string]string{str(fn.p, "role"): "the function's role"}, source: src(fn, "environment")}
		vars, _ := get(fn.p, "environment", "variables").(map[string]any)
		for _, k := range sortedKeys(vars) {
			c.env = append(c.env, str(vars, k))
		}
		if ids := strs(fn.p, "vpcConfig", "securityGroupIds"); len(ids) > 0 {
			c.inVPC, c.groups = true, g.securityGroups(ids)
		}
		c.fips = str(vars, fipsEndpointVariable) == "true"
		out = append(out, c)
	}
	for _, svc := range g.ofType("aws:ecs/service:Service") {
		td := g.byARN(str(svc.p, "taskDefinition"), "aws:ecs/taskDefinition:TaskDefinition")
		if td == nil {
			continue
		}
		c := compute{n: svc, roles: map[string]string{}, source: src(td, "containerDefinitions"), inVPC: true,
			groups: g.securityGroups(strs(svc.p, "networkConfiguration", "securityGroups"))}
		if arn := str(td.p, "taskRoleArn"); arn != "" {
			c.roles[arn] = "the task role"
		}
		if arn := str(td.p, "executionRoleArn"); arn != "" {
			c.roles[arn] = "the execution role (the ECS agent, for the task's image, logs and secrets)"
		}
		for _, container := range list(jsonDoc(td.p, "containerDefinitions")) {
			for _, e := range list(container, "environment") {
				c.env = append(c.env, str(e, "value"))
				if str(e, "name") == fipsEndpointVariable && str(e, "value") == "true" {
					c.fips = true
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// urls lists the https URLs a compute's environment names, directly or inside a JSON value
// (the BFF's route list names each upstream).
func (c compute) urls() []*url.URL {
	var out []*url.URL
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			if u, err := url.Parse(t); err == nil && u.Scheme == "https" && u.Host != "" {
				out = append(out, u)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			for _, k := range sortedKeys(t) {
				walk(t[k])
			}
		}
	}
	for _, v := range c.env {
		if t := strings.TrimSpace(v); strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			if doc := jsonDoc(map[string]any{"v": t}, "v"); doc != nil {
				walk(doc)
				continue
			}
		}
		walk(v)
	}
	return out
}

// egress reports whether a compute may open a TCP connection on a port: always outside a VPC,
// and in one when a security group allows it (to anywhere when world is true).
func (c compute) egress(port int, world bool) *node {
	if !c.inVPC {
		return c.n
	}
	for _, sg := range c.groups {
		for _, rule := range list(sg.p, "egress") {
			if admits(rule, port) && (!world || worldOpen(rule)) {
				return sg
			}
		}
	}
	return nil
}

// path says how a compute reaches a destination: through a VPC endpoint for the service when the
// VPC has one, else through the NAT gateways, or, outside a VPC, over the AWS network.
func (g *graph) path(c compute, service string) string {
	if !c.inVPC {
		return "Lambda's AWS-managed network (the function is not in a VPC)"
	}
	if service != "" {
		for _, ep := range g.ofType("aws:ec2/vpcEndpoint:VpcEndpoint") {
			name := str(ep.p, "serviceName")
			if strings.HasSuffix(name, "."+service) || strings.HasSuffix(name, "."+service+"-fips") {
				kind := "interface (PrivateLink)"
				if str(ep.p, "vpcEndpointType") == "Gateway" {
					kind = "gateway"
				}
				return "the VPC's " + kind + " endpoint " + name
			}
		}
	}
	for _, v := range g.ofType("awsx:ec2:Vpc") {
		if get(v.p, "natGateways") != nil && str(v.p, "natGateways", "strategy") != "None" {
			return "the VPC's NAT gateways to the internet"
		}
	}
	return "the internet"
}
