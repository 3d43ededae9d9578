package components

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// TestBackchannelLogoutListener: with mTLS verify the IdP, which has no
// client certificate, reaches POST /auth/backchannel-logout on its own
// listener, from its own ranges, and nothing else of the app.
func TestBackchannelLogoutListener(t *testing.T) {
	acct := testAccount(PartitionGovCloud, "us-gov-west-1")
	ca := pkitest.SelfSigned(t, "Test PIV CA", true)
	m := regionalUnderMocks(t, acct, func(a *RegionalTopologyArgs) {
		a.MtlsCaBundlePEM = ca
		a.BackchannelLogout = &BackchannelLogoutArgs{Cidrs: []string{"192.0.2.0/24"}}
	})
	listener := named(t, m, "aws:lb/listener:Listener", "gh-alb-backchannel").Inputs
	rule := only(t, m, "aws:lb/listenerRule:ListenerRule").Inputs
	tg := only(t, m, "aws:lb/targetGroup:TargetGroup").Outputs
	sg := named(t, m, "aws:ec2/securityGroup:SecurityGroup", "gh-alb-alb").Inputs
	var ingress []string
	v, _ := offline.Get(sg, "ingress")
	for i := range v.ArrayValue() {
		port, _ := offline.Get(sg, "ingress["+strconv.Itoa(i)+"].fromPort")
		ingress = append(ingress, strconv.Itoa(int(port.NumberValue()))+"<-"+offline.GetString(sg, "ingress["+strconv.Itoa(i)+"].cidrBlocks[0]"))
	}
	port, _ := offline.Get(listener, "port")
	checks := []struct {
		name string
		ok   bool
	}{
		{"HTTPS on 8443 with the FIPS policy", port.IsNumber() && port.NumberValue() == 8443 && offline.GetString(listener, "protocol") == "HTTPS" &&
			offline.GetString(listener, "sslPolicy") == DefaultAlbTlsPolicy},
		{"no client certificate asked for", offline.GetString(listener, "mutualAuthentication.mode") == ""},
		{"anything else gets a fixed 404", offline.GetString(listener, "defaultActions[0].type") == "fixed-response" &&
			offline.GetString(listener, "defaultActions[0].fixedResponse.statusCode") == "404"},
		{"the one rule forwards POST /auth/backchannel-logout", offline.GetString(rule, "actions[0].type") == "forward" &&
			offline.GetString(rule, "actions[0].targetGroupArn") == offline.GetString(tg, "arn") &&
			offline.GetString(rule, "conditions[0].pathPattern.values[0]") == BackchannelLogoutPath &&
			offline.GetString(rule, "conditions[1].httpRequestMethod.values[0]") == "POST"},
		{"the 443 listener still verifies", offline.GetString(named(t, m, "aws:lb/listener:Listener", "gh-alb-https").Inputs, "mutualAuthentication.mode") == "verify"},
		{"only the IdP's range on 8443", strings.Join(ingress, " ") != "" && strings.Contains(strings.Join(ingress, " "), "8443<-192.0.2.0/24") &&
			!strings.Contains(strings.Join(ingress, " "), "8443<-0.0.0.0/0")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: not so (listener %v, rule %v, ingress %v)", c.name, listener, rule, ingress)
		}
	}
}

func TestBackchannelLogoutValidation(t *testing.T) {
	acct := testAccount(PartitionGovCloud, "us-gov-west-1")
	m := offline.New(acct.Partition, acct.Region, acct.AccountID)
	err := offline.Run("gatehouse", "test", map[string]string{"aws:region": acct.Region}, m, func(ctx *pulumi.Context) error {
		_, err := NewLoadBalancer(ctx, "lb", &LoadBalancerArgs{
			Account: acct, VpcId: pulumi.String("vpc"), VpcCidr: "10.0.0.0/16", SubnetIds: pulumi.StringArray{},
			CertificateArn: acct.Arn("acm", acct.Region, "certificate/x"), WebAclArn: pulumi.String("acl"),
			BackchannelLogout: &BackchannelLogoutArgs{Port: 443, Cidrs: []string{"0.0.0.0/0", "nope"}},
		})
		return err
	}, offline.Options{})
	wantProblems(t, err, []string{
		"BackchannelLogout needs mutual TLS",
		"BackchannelLogout.Port 443 must be a TCP port other than 443 and 80",
		`BackchannelLogout.Cidrs entry "0.0.0.0/0" admits everyone`,
		`BackchannelLogout.Cidrs entry "nope" is not an IPv4 CIDR block`,
		"BackchannelLogout needs DomainName",
	})
}
