package components

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigatewayv2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SampleTodoArgs configures the sample ToDo downstream.
type SampleTodoArgs struct {
	// Code is the Lambda zip of cmd/todo-api. Required.
	Code LambdaCode
	// ReservedConcurrency reserves (and caps) the ToDo function's concurrency.
	// Defaults to none (see EdgeTopologyArgs.ReservedConcurrency).
	ReservedConcurrency int
}

// SampleTodoRouteNames are the route names the sample ToDo API takes in the
// BFF; its routes keep the BFF's default body limit.
var SampleTodoRouteNames = []string{"todos", "greeting"}

var edgeRouteName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func validateApiRoutes(routes []ApiRoute, sampleTodo bool) []error {
	var errs []error
	seen := map[string]bool{}
	if sampleTodo {
		for _, n := range SampleTodoRouteNames {
			seen[n] = true
		}
	}
	for i, r := range routes {
		switch {
		case !edgeRouteName.MatchString(r.Name):
			errs = append(errs, fmt.Errorf("route %d name %q: use lowercase letters, digits and dashes (it becomes /api/<name>/)", i, r.Name))
		case seen[r.Name]:
			errs = append(errs, fmt.Errorf("route %q is listed twice (the sample ToDo API takes %v)", r.Name, SampleTodoRouteNames))
		}
		seen[r.Name] = true
		if r.Upstream == nil {
			errs = append(errs, fmt.Errorf("route %q needs an upstream URL", r.Name))
		}
	}
	return errs
}

func sampleTodoReservation(s *SampleTodoArgs) int {
	if s == nil {
		return 0
	}
	return s.ReservedConcurrency
}

func sampleTodoCode(s *SampleTodoArgs) LambdaCode {
	if s == nil {
		return LambdaCode{}
	}
	return s.Code
}

// sampleTodo is the deployed ToDo downstream.
type sampleTodo struct {
	Table *dynamodb.Table
	Api   *edgeApi
	// Routes point the BFF's /api/todos/* and /api/greeting at the API.
	Routes []ApiRoute
}

// newSampleTodo deploys the ToDo API the way a team's own downstream would
// sit behind the BFF: its own Lambda and table, and an HTTP API whose every
// route needs a Cognito access token for the BFF's client (a JWT
// authorizer). Browsers never hold such a token (the BFF keeps them
// server-side), so in practice only the BFF's proxy reaches it; the API
// still checks the token itself, and so does the handler (defence in depth).
// The BFF stays a plain HTTP reverse proxy, with no AWS signing.
func newSampleTodo(ctx *pulumi.Context, name string, a EdgeTopologyArgs, identity *Identity, opts ...pulumi.ResourceOption) (*sampleTodo, error) {
	concurrency := a.SampleTodo.ReservedConcurrency
	table, err := dynamodb.NewTable(ctx, name, &dynamodb.TableArgs{
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String("sub"),
		RangeKey:    pulumi.String("id"),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String("sub"), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String("id"), Type: pulumi.String("S")},
		},
		ServerSideEncryption: dynamodb.TableServerSideEncryptionArgs{
			Enabled:   pulumi.Bool(true),
			KmsKeyArn: a.DataKeyArn,
		},
		PointInTimeRecovery:       dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		DeletionProtectionEnabled: pulumi.Bool(!a.ForceDestroy),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: ToDo table: %w", err)
	}

	policy := func(logGroupArn pulumi.StringOutput) pulumi.StringOutput {
		return pulumi.All(logGroupArn, table.Arn, a.DataKeyArn).ApplyT(func(v []any) string {
			return NewPolicy(append(baseLambdaStatements(v[0].(string)),
				Statement{Sid: "TodoTable", Effect: "Allow",
					Action:   []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"},
					Resource: []string{v[1].(string)}},
				dynamoDBKeyStatement(a.Account, v[2].(string)),
				// Lambda decrypts the environment with the function's role.
				Statement{Sid: "DecryptEnvironment", Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{v[2].(string)}},
			)...).JSON()
		}).(pulumi.StringOutput)
	}
	env := pulumi.StringMap{
		"TODO_ISSUER":   identity.IssuerUrl,
		"TODO_AUDIENCE": identity.ClientId,
		"TODO_STORE":    pulumi.String("dynamodb"),
		"TODO_TABLE":    table.Name,
	}
	if a.FIPS {
		env["AWS_USE_FIPS_ENDPOINT"] = pulumi.String("true")
	}
	fn, err := newGoFunction(ctx, name, a, goFunctionArgs{
		description:         "Gatehouse sample ToDo API",
		code:                a.SampleTodo.Code,
		env:                 env,
		reservedConcurrency: concurrency,
		policy:              policy,
	}, opts...)
	if err != nil {
		return nil, err
	}

	api, err := newThrottledHttpApi(ctx, name+"-api", a, "Gatehouse sample ToDo API (called by the BFF with the user's access token)", opts...)
	if err != nil {
		return nil, err
	}
	authorizer, err := apigatewayv2.NewAuthorizer(ctx, name+"-jwt", &apigatewayv2.AuthorizerArgs{
		ApiId:           api.Api.ID(),
		AuthorizerType:  pulumi.String("JWT"),
		IdentitySources: pulumi.ToStringArray([]string{"$request.header.Authorization"}),
		// Cognito access tokens carry client_id instead of aud; API Gateway
		// checks either against the audience list.
		JwtConfiguration: apigatewayv2.AuthorizerJwtConfigurationArgs{
			Issuer:    identity.IssuerUrl,
			Audiences: pulumi.StringArray{identity.ClientId},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: ToDo authorizer: %w", err)
	}
	if err := api.proxyTo(ctx, name+"-api", fn, []string{"$default"}, authorizer, opts...); err != nil {
		return nil, err
	}

	return &sampleTodo{
		Table: table,
		Api:   api,
		Routes: []ApiRoute{
			{Name: "todos", Upstream: pulumi.Sprintf("%s/todos", api.Api.ApiEndpoint)},
			{Name: "greeting", Upstream: pulumi.Sprintf("%s/greeting", api.Api.ApiEndpoint)},
		},
	}, nil
}
