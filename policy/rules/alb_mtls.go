package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// BackchannelLogoutPath is the one path a listener without mutual TLS may forward on a load balancer
// that verifies client certificates: the IdP's back-channel logout call, which carries no certificate.
const BackchannelLogoutPath = "/auth/backchannel-logout"

var typesListenerRule = []string{"aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"}

// albMtlsNoBypass: when one listener of a load balancer verifies client certificates (PIV/CAC), no
// other listener may reach the targets without one, except POST /auth/backchannel-logout.
func albMtlsNoBypass() Rule {
	return mandatory(concerning(stackRule(FamilyNetwork, "alb-mtls-no-bypass", controls("IA-2(12)", "AC-3", "SC-7"),
		"On a load balancer that verifies client certificates, every other listener forwards nothing but POST "+BackchannelLogoutPath+" and answers everything else itself.",
		func(st *Stack) []Finding {
			var out []Finding
			for _, lb := range st.OfType(typesLoadBalancer...) {
				listeners := st.Referring(lb, "loadBalancerArn", typesListener...)
				if !slices.ContainsFunc(listeners, verifiesClientCerts) {
					continue
				}
				for _, l := range listeners {
					if verifiesClientCerts(l) {
						continue
					}
					port, _ := num(prop(l, "port"))
					for _, a := range items(prop(l, "defaultActions")) {
						if forwards(a) {
							out = append(out, Finding{URN: l.URN, Message: fmt.Sprintf(
								"listener %v forwards to the targets without mutual TLS: make its default a fixed response and forward only POST %s through a listener rule", port, BackchannelLogoutPath)})
						}
					}
					for _, r := range st.Referring(l, "listenerArn", typesListenerRule...) {
						if slices.ContainsFunc(items(prop(r, "actions")), forwards) && !onlyBackchannel(r) {
							out = append(out, Finding{URN: r.URN, Message: fmt.Sprintf(
								"a rule of listener %v forwards requests other than POST %s without mutual TLS: match exactly that path and method", port, BackchannelLogoutPath)})
						}
					}
				}
			}
			return out
		}), typesListener...))
}

func verifiesClientCerts(l Resource) bool {
	return strings.EqualFold(str(prop(l, "mutualAuthentication", "mode")), "verify")
}

func forwards(action property.Value) bool {
	return strings.EqualFold(str(get(action, "type")), "forward") || set(get(action, "targetGroupArn")) || set(get(action, "forward"))
}

// onlyBackchannel is true for a rule whose conditions admit exactly POST /auth/backchannel-logout.
func onlyBackchannel(r Resource) bool {
	path, method := false, false
	for _, c := range items(prop(r, "conditions")) {
		if values := stringList(get(c, "pathPattern", "values")); len(values) > 0 {
			path = slices.Equal(values, []string{BackchannelLogoutPath})
		}
		if values := stringList(get(c, "httpRequestMethod", "values")); len(values) > 0 {
			method = slices.Equal(values, []string{"POST"})
		}
	}
	return path && method
}
