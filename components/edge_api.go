package components

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// apiAccessLogFormat is one JSON line per request. It holds no header,
// cookie or body, so tokens can never reach the log.
var apiAccessLogFormat = func() string {
	b, _ := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"ip":                 "$context.identity.sourceIp",
		"requestTime":        "$context.requestTime",
		"httpMethod":         "$context.httpMethod",
		"path":               "$context.path",
		"routeKey":           "$context.routeKey",
		"status":             "$context.status",
		"protocol":           "$context.protocol",
		"responseLength":     "$context.responseLength",
		"integrationStatus":  "$context.integrationStatus",
		"integrationLatency": "$context.integrationLatency",
		"responseLatency":    "$context.responseLatency",
		"integrationError":   "$context.integrationErrorMessage",
		"traceId":            "$context.integration.requestId",
	})
	return string(b)
}()

// edgeApi is the BFF's HTTP API. It is created before the Lambda (its
// endpoint is what the distribution needs) and connected to it afterwards.
//
// The execute-api endpoint stays enabled: CloudFront can only reach an HTTP
// API through it unless the API has a custom domain. What keeps callers from
// going around CloudFront (and its WAF) is the origin-verify header, which
// the BFF checks on every request.
type edgeApi struct {
	Api   *apigatewayv2.Api
	Stage *apigatewayv2.Stage
}

func newEdgeApi(ctx *pulumi.Context, name string, a EdgeTopologyArgs, opts ...pulumi.ResourceOption) (*edgeApi, error) {
	return newThrottledHttpApi(ctx, name, a, "Gatehouse BFF (reached through CloudFront only)", opts...)
}

// newThrottledHttpApi creates an HTTP API with a $default stage that
// auto-deploys, throttles the default route and writes access logs to a log
// group under the log CMK.
func newThrottledHttpApi(ctx *pulumi.Context, name string, a EdgeTopologyArgs, description string, opts ...pulumi.ResourceOption) (*edgeApi, error) {
	api, err := apigatewayv2.NewApi(ctx, name, &apigatewayv2.ApiArgs{
		Name:         physicalName(typeHttpApi, name),
		ProtocolType: pulumi.String("HTTP"),
		Description:  pulumi.String(description),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: HTTP API %s: %w", name, err)
	}
	logGroup, err := NewLogGroup(ctx, name+"-access", &LogGroupArgs{KmsKeyArn: a.LogsKeyArn, RetentionDays: a.LogRetentionDays}, opts...)
	if err != nil {
		return nil, err
	}
	stage, err := apigatewayv2.NewStage(ctx, name, &apigatewayv2.StageArgs{
		ApiId:      api.ID(),
		Name:       pulumi.String("$default"),
		AutoDeploy: pulumi.Bool(true),
		DefaultRouteSettings: apigatewayv2.StageDefaultRouteSettingsArgs{
			ThrottlingBurstLimit: pulumi.Int(a.ThrottleBurst),
			ThrottlingRateLimit:  pulumi.Float64(a.ThrottleRate),
		},
		AccessLogSettings: apigatewayv2.StageAccessLogSettingsArgs{
			DestinationArn: logGroup.Arn,
			Format:         pulumi.String(apiAccessLogFormat),
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: HTTP API stage %s: %w", name, err)
	}
	return &edgeApi{Api: api, Stage: stage}, nil
}

// connect routes /api/* and /auth/* to the function through a payload 2.0
// proxy integration and lets only this API's $default stage invoke it.
func (e *edgeApi) connect(ctx *pulumi.Context, name string, fn *lambda.Function, opts ...pulumi.ResourceOption) error {
	routeKeys := []string{"ANY /api/{proxy+}", "ANY /auth/{proxy+}"}
	return e.proxyTo(ctx, name, fn, routeKeys, nil, opts...)
}

// proxyTo integrates fn and creates routeKeys; authorizer, when set, guards
// every route with a JWT authorizer.
func (e *edgeApi) proxyTo(ctx *pulumi.Context, name string, fn *lambda.Function, routeKeys []string, authorizer *apigatewayv2.Authorizer, opts ...pulumi.ResourceOption) error {
	integration, err := apigatewayv2.NewIntegration(ctx, name, &apigatewayv2.IntegrationArgs{
		ApiId:                e.Api.ID(),
		IntegrationType:      pulumi.String("AWS_PROXY"),
		IntegrationUri:       fn.InvokeArn,
		PayloadFormatVersion: pulumi.String("2.0"),
		TimeoutMilliseconds:  pulumi.Int(29000),
	}, opts...)
	if err != nil {
		return fmt.Errorf("components: integration %s: %w", name, err)
	}
	for i, key := range routeKeys {
		args := &apigatewayv2.RouteArgs{
			ApiId:    e.Api.ID(),
			RouteKey: pulumi.String(key),
			Target:   pulumi.Sprintf("integrations/%s", integration.ID()),
		}
		if authorizer != nil {
			args.AuthorizationType = pulumi.String("JWT")
			args.AuthorizerId = authorizer.ID()
		}
		if _, err := apigatewayv2.NewRoute(ctx, fmt.Sprintf("%s-route-%d", name, i), args, opts...); err != nil {
			return fmt.Errorf("components: route %s: %w", key, err)
		}
	}
	if _, err := lambda.NewPermission(ctx, name, &lambda.PermissionArgs{
		Action:    pulumi.String("lambda:InvokeFunction"),
		Function:  fn.Name,
		Principal: pulumi.String("apigateway.amazonaws.com"),
		SourceArn: pulumi.Sprintf("%s/$default/*", e.Api.ExecutionArn),
	}, opts...); err != nil {
		return fmt.Errorf("components: invoke permission %s: %w", name, err)
	}
	return nil
}

// originVerifySecret is the value CloudFront adds in OriginVerifyHeader.
type originVerifySecret struct {
	Arn   pulumi.StringOutput
	Value pulumi.StringOutput // a Pulumi secret
}

// newOriginVerifySecret stores a random value in Secrets Manager under the
// data CMK. The value is drawn on every run but ignored after creation, so
// it stays stable (and the distribution and BFF agree) until the version is
// replaced on purpose: `pulumi up --replace <version URN>` rotates it.
func newOriginVerifySecret(ctx *pulumi.Context, name string, a EdgeTopologyArgs, opts ...pulumi.ResourceOption) (*originVerifySecret, error) {
	random, err := secretsmanager.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordArgs{
		PasswordLength:     pulumi.IntRef(64),
		ExcludePunctuation: pulumi.BoolRef(true),
	}, pulumi.Parent(a.parent))
	if err != nil {
		return nil, fmt.Errorf("components: origin-verify value: %w", err)
	}
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Description:          pulumi.String("Value CloudFront sends in " + OriginVerifyHeader + "; the BFF refuses requests without it"),
		KmsKeyId:             a.DataKeyArn,
		RecoveryWindowInDays: pulumi.Int(30),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: origin-verify secret: %w", err)
	}
	version, err := secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(pulumi.String(random.RandomPassword)).(pulumi.StringOutput),
	}, append(opts, pulumi.IgnoreChanges([]string{"secretString"}))...)
	if err != nil {
		return nil, fmt.Errorf("components: origin-verify secret version: %w", err)
	}
	value := pulumi.ToSecret(version.SecretString.Elem()).(pulumi.StringOutput)
	return &originVerifySecret{Arn: secret.Arn, Value: value}, nil
}
