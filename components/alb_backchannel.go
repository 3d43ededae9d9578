package components

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// BackchannelLogoutPath is the BFF's OIDC back-channel logout endpoint.
const BackchannelLogoutPath = "/auth/backchannel-logout"

// DefaultBackchannelLogoutPort is the back-channel listener's port.
const DefaultBackchannelLogoutPort = 8443

// BackchannelLogoutArgs opens the one way an IdP can reach the BFF without a
// client certificate while the HTTPS listener verifies one: a second HTTPS
// listener, without mutual TLS, that only the IdP's ranges may connect to,
// whose only rule forwards POST /auth/backchannel-logout and whose default
// answers 404. The BFF checks the logout token's signature, issuer and
// audience itself; the app stays behind mutual TLS.
type BackchannelLogoutArgs struct {
	// Port is the listener's port. Defaults to 8443.
	Port int
	// Cidrs are the IdP's egress ranges, the only sources the security group
	// admits on Port. Required; 0.0.0.0/0 is refused.
	Cidrs []string
}

func (b *BackchannelLogoutArgs) port() int {
	if b.Port == 0 {
		return DefaultBackchannelLogoutPort
	}
	return b.Port
}

func (b *BackchannelLogoutArgs) validate(mtls bool) []error {
	var errs []error
	if !mtls {
		errs = append(errs, errors.New("BackchannelLogout needs mutual TLS: without it the IdP reaches "+BackchannelLogoutPath+" on 443"))
	}
	if p := b.port(); p < 1 || p > 65535 || p == 443 || p == 80 {
		errs = append(errs, fmt.Errorf("BackchannelLogout.Port %d must be a TCP port other than 443 and 80", p))
	}
	if len(b.Cidrs) == 0 {
		errs = append(errs, errors.New("BackchannelLogout.Cidrs is required: the IdP's egress ranges"))
	}
	for _, c := range b.Cidrs {
		p, err := netip.ParsePrefix(c)
		switch {
		case err != nil || !p.Addr().Is4():
			errs = append(errs, fmt.Errorf("BackchannelLogout.Cidrs entry %q is not an IPv4 CIDR block", c))
		case p.Bits() == 0:
			errs = append(errs, fmt.Errorf("BackchannelLogout.Cidrs entry %q admits everyone; list the IdP's ranges", c))
		}
	}
	return errs
}

// backchannelListener creates the listener and its one forwarding rule.
func (l *LoadBalancer) backchannelListener(ctx *pulumi.Context, name string, a LoadBalancerArgs, albArn, targetGroupArn pulumi.StringOutput, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) error {
	b := a.BackchannelLogout
	listener, err := lb.NewListener(ctx, name+"-backchannel", &lb.ListenerArgs{
		LoadBalancerArn: albArn,
		Port:            pulumi.Int(b.port()),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(a.TlsPolicy),
		CertificateArn:  pulumi.String(a.CertificateArn),
		// No mutualAuthentication: the IdP has no client certificate. Nothing
		// but the rule below reaches the targets.
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("fixed-response"),
			FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
				ContentType: pulumi.String("application/json"),
				MessageBody: pulumi.String(`{"error":"not_found"}`),
				StatusCode:  pulumi.String("404"),
			},
		}},
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String("max-age=63072000; includeSubDomains"),
		RoutingHttpResponseXContentTypeOptionsHeaderValue:     pulumi.String("nosniff"),
		RoutingHttpResponseServerEnabled:                      pulumi.Bool(false),
		Tags:                                                  tags,
	}, child)
	if err != nil {
		return err
	}
	if _, err := lb.NewListenerRule(ctx, name+"-backchannel", &lb.ListenerRuleArgs{
		ListenerArn: listener.Arn,
		Priority:    pulumi.Int(1),
		Actions: lb.ListenerRuleActionArray{&lb.ListenerRuleActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: targetGroupArn,
		}},
		Conditions: lb.ListenerRuleConditionArray{
			&lb.ListenerRuleConditionArgs{PathPattern: &lb.ListenerRuleConditionPathPatternArgs{
				Values: pulumi.StringArray{pulumi.String(BackchannelLogoutPath)},
			}},
			&lb.ListenerRuleConditionArgs{HttpRequestMethod: &lb.ListenerRuleConditionHttpRequestMethodArgs{
				Values: pulumi.StringArray{pulumi.String("POST")},
			}},
		},
		Tags: tags,
	}, child); err != nil {
		return err
	}
	l.BackchannelListener = listener
	l.BackchannelLogoutUrl = pulumi.Sprintf("https://%s:%d%s", a.DomainName, b.port(), BackchannelLogoutPath)
	return nil
}
