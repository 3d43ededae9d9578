package components

import (
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/wafv2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components/names"
)

func (l *LoadBalancer) build(ctx *pulumi.Context, name string, a LoadBalancerArgs) error {
	child := pulumi.Parent(l)
	tags := pulumi.ToStringMap(a.Tags)

	logs, err := newAlbLogBucket(ctx, name+"-logs", a, child)
	if err != nil {
		return err
	}
	l.AccessLogBucket = logs.Bucket

	sg, err := albSecurityGroup(ctx, name, a, tags, child)
	if err != nil {
		return err
	}
	l.SecurityGroupId = sg.ID().ToStringOutput()

	lbArgs := &lb.LoadBalancerArgs{
		Name:                     physicalName(typeLoadBalancer, name),
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		IpAddressType:            pulumi.String("ipv4"),
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		Subnets:                  a.SubnetIds,
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("strictest"),
		EnableDeletionProtection: pulumi.Bool(!a.AllowDeletion),
		EnableHttp2:              pulumi.Bool(true),
		EnableWafFailOpen:        pulumi.Bool(false),
		IdleTimeout:              pulumi.Int(a.IdleTimeoutSeconds),
		XffHeaderProcessingMode:  pulumi.String("append"),
		// The BFF logs the negotiated protocol and cipher (AU-3).
		EnableTlsVersionAndCipherSuiteHeaders: pulumi.Bool(true),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  logs.Bucket,
			Prefix:  pulumi.String("access"),
			Enabled: pulumi.Bool(true),
		},
		Tags: tags,
	}
	if a.MtlsCaBundlePEM != "" {
		// Connection logs record every client-certificate verification.
		lbArgs.ConnectionLogs = &lb.LoadBalancerConnectionLogsArgs{
			Bucket:  logs.Bucket,
			Prefix:  pulumi.String("connection"),
			Enabled: pulumi.Bool(true),
		}
	}
	alb, err := lb.NewLoadBalancer(ctx, name, lbArgs, child, pulumi.DependsOn([]pulumi.Resource{logs.Policy}))
	if err != nil {
		return err
	}
	l.Arn, l.DnsName, l.ZoneId = alb.Arn, alb.DnsName, alb.ZoneId

	// The name changes with what forces a replacement, so the new group
	// exists before the listener moves off the old one.
	tgName := names.For(typeTargetGroup).FitUnique(name, "ip", "HTTP", "HTTP1", strconv.Itoa(a.TargetPort), a.VpcCidr)
	tg, err := lb.NewTargetGroup(ctx, name, &lb.TargetGroupArgs{
		Name:                pulumi.String(tgName),
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String("HTTP"),
		ProtocolVersion:     pulumi.String("HTTP1"),
		Port:                pulumi.Int(a.TargetPort),
		VpcId:               a.VpcId,
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String("HTTP"),
			Path:               pulumi.String(a.HealthCheckPath),
			Port:               pulumi.String("traffic-port"),
			Matcher:            pulumi.String("200"),
			Interval:           pulumi.Int(15),
			Timeout:            pulumi.Int(5),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(3),
		},
		Tags: tags,
	}, child)
	if err != nil {
		return err
	}
	l.TargetGroupArn = tg.Arn

	httpsArgs := &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(a.TlsPolicy),
		CertificateArn:  pulumi.String(a.CertificateArn),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type:           pulumi.String("forward"),
			TargetGroupArn: tg.Arn,
		}},
		// HSTS even on responses the BFF never sees (ALB errors, WAF blocks).
		RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String("max-age=63072000; includeSubDomains"),
		RoutingHttpResponseXContentTypeOptionsHeaderValue:     pulumi.String("nosniff"),
		RoutingHttpResponseServerEnabled:                      pulumi.Bool(false),
		Tags:                                                  tags,
	}
	l.TrustStoreArn = pulumi.String("").ToStringOutput()
	if a.MtlsCaBundlePEM != "" {
		store, err := newAlbTrustStore(ctx, name+"-truststore", a, logs, child)
		if err != nil {
			return err
		}
		l.TrustStoreArn = store.Arn
		httpsArgs.MutualAuthentication = &lb.ListenerMutualAuthenticationArgs{
			Mode:                          pulumi.String("verify"),
			TrustStoreArn:                 store.Arn,
			IgnoreClientCertificateExpiry: pulumi.Bool(false),
			AdvertiseTrustStoreCaNames:    pulumi.String("on"),
		}
	}
	if l.HttpsListener, err = lb.NewListener(ctx, name+"-https", httpsArgs, child); err != nil {
		return err
	}
	l.BackchannelLogoutUrl = pulumi.String("").ToStringOutput()
	if a.BackchannelLogout != nil {
		if err := l.backchannelListener(ctx, name, a, alb.Arn, tg.Arn, tags, child); err != nil {
			return err
		}
	}
	if l.HttpListener, err = lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{&lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol:   pulumi.String("HTTPS"),
				Port:       pulumi.String("443"),
				StatusCode: pulumi.String("HTTP_301"),
			},
		}},
		Tags: tags,
	}, child); err != nil {
		return err
	}

	if _, err := wafv2.NewWebAclAssociation(ctx, name, &wafv2.WebAclAssociationArgs{
		ResourceArn: alb.Arn,
		WebAclArn:   a.WebAclArn,
	}, child); err != nil {
		return err
	}

	if a.HostedZoneId != "" {
		if _, err := route53.NewRecord(ctx, name+"-a", &route53.RecordArgs{
			ZoneId: pulumi.String(a.HostedZoneId),
			Name:   pulumi.String(a.DomainName),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 alb.DnsName,
				ZoneId:               alb.ZoneId,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, child); err != nil {
			return err
		}
	}
	return nil
}

// albSecurityGroup admits HTTPS (and HTTP, which only redirects) from the
// allowed ranges and lets the ALB reach nothing but the targets' port.
func albSecurityGroup(ctx *pulumi.Context, name string, a LoadBalancerArgs, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) (*ec2.SecurityGroup, error) {
	var ingress ec2.SecurityGroupIngressArray
	for _, port := range []int{443, 80} {
		ingress = append(ingress, &ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("clients on " + strconv.Itoa(port)),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(port),
			ToPort:      pulumi.Int(port),
			CidrBlocks:  pulumi.ToStringArray(a.AllowedCidrs),
		})
	}
	if b := a.BackchannelLogout; b != nil {
		ingress = append(ingress, &ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("IdP back-channel logout on " + strconv.Itoa(b.port())),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(b.port()),
			ToPort:      pulumi.Int(b.port()),
			CidrBlocks:  pulumi.ToStringArray(b.Cidrs),
		})
	}
	return ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcId,
		Description: pulumi.String("Gatehouse ALB: HTTPS in, targets out"),
		Ingress:     ingress,
		Egress: ec2.SecurityGroupEgressArray{&ec2.SecurityGroupEgressArgs{
			Description: pulumi.String("to the tasks"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(a.TargetPort),
			ToPort:      pulumi.Int(a.TargetPort),
			CidrBlocks:  pulumi.StringArray{pulumi.String(a.VpcCidr)},
		}},
		Tags: tags,
	}, child)
}
