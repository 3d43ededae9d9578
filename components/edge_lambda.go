package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// bffWiring is what the BFF's environment is built from.
type bffWiring struct {
	publicUrl             pulumi.StringOutput
	identity              *Identity
	routes                []ApiRoute
	originVerifySecretArn pulumi.StringOutput
}

// newBffFunction creates the BFF Lambda: provided.al2023 on the configured
// architecture, active tracing, an optional reserved concurrency, its own log group under the log CMK and
// an environment (encrypted with the data CMK) that follows the BFF
// configuration contract.
func newBffFunction(ctx *pulumi.Context, name string, a EdgeTopologyArgs, w bffWiring, opts ...pulumi.ResourceOption) (*lambda.Function, error) {
	dataKey, err := NewSessionDataKey(ctx, name+"-data-key", a.SessionsKeyArn, pulumi.Parent(a.parent))
	if err != nil {
		return nil, err
	}
	routes := RoutesJSON(w.routes)
	env := pulumi.StringMap{
		"GATEHOUSE_MODE":                     pulumi.String("edge"),
		"GATEHOUSE_PUBLIC_URL":               w.publicUrl,
		"GATEHOUSE_POST_LOGOUT_URL":          pulumi.Sprintf("%s/", w.publicUrl),
		"GATEHOUSE_OIDC_ISSUER":              w.identity.IssuerUrl,
		"GATEHOUSE_OIDC_JWKS_URL":            w.identity.JwksUrl,
		"GATEHOUSE_OIDC_CLIENT_ID":           w.identity.ClientId,
		"GATEHOUSE_OIDC_CLIENT_SECRET_ARN":   w.identity.ClientSecretArn,
		"GATEHOUSE_COGNITO_DOMAIN":           w.identity.HostedUiUrl,
		"GATEHOUSE_SESSION_STORE":            pulumi.String("dynamodb"),
		"GATEHOUSE_SESSION_TABLE":            a.SessionTableName,
		"GATEHOUSE_SESSION_IDLE_TIMEOUT":     pulumi.String(a.SessionIdleTimeout.String()),
		"GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT": pulumi.String(a.SessionAbsoluteTimeout.String()),
		"GATEHOUSE_DATA_KEY_CIPHERTEXT":      dataKey.CiphertextBlob,
		"GATEHOUSE_ROUTES":                   routes,
		"GATEHOUSE_ORIGIN_VERIFY_HEADER":     pulumi.String(OriginVerifyHeader),
		"GATEHOUSE_ORIGIN_VERIFY_SECRET_ARN": w.originVerifySecretArn,
		"GATEHOUSE_LOG_LEVEL":                pulumi.String("info"),
	}
	if len(a.Identity.ApiScopes) > 0 {
		env["GATEHOUSE_OIDC_SCOPES"] = pulumi.String(oidcScopes(a.Identity))
	}
	if a.FIPS {
		env["AWS_USE_FIPS_ENDPOINT"] = pulumi.String("true")
	}

	policy := func(logGroupArn pulumi.StringOutput) pulumi.StringOutput {
		return pulumi.All(logGroupArn, a.SessionTableArn, a.SessionsKeyArn, a.DataKeyArn, w.identity.ClientSecretArn, w.originVerifySecretArn).
			ApplyT(func(v []any) string {
				logGroup, table, sessionsKey, dataKey, clientSecret, originSecret := v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string), v[5].(string)
				return NewPolicy(append(baseLambdaStatements(logGroup),
					Statement{Sid: "SessionTable", Effect: "Allow",
						Action:   []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"},
						Resource: []string{table, table + "/index/*"}},
					Statement{Sid: "DecryptDataKeyAndSecrets", Effect: "Allow",
						Action: []string{"kms:Decrypt"}, Resource: []string{sessionsKey, dataKey}},
					dynamoDBKeyStatement(a.Account, dataKey),
					Statement{Sid: "ReadOwnSecrets", Effect: "Allow",
						Action: []string{"secretsmanager:GetSecretValue"}, Resource: []string{clientSecret, originSecret}},
				)...).JSON()
			}).(pulumi.StringOutput)
	}
	return newGoFunction(ctx, name, a, goFunctionArgs{
		description:         "Gatehouse BFF",
		code:                a.BffCode,
		env:                 withGCPolicy(env, lambdaMemoryMiB),
		reservedConcurrency: a.ReservedConcurrency,
		policy:              policy,
	}, opts...)
}

// oidcScopes asks for the resource server's scopes as well, so the access
// token the BFF forwards carries them.
func oidcScopes(id *IdentityArgs) string {
	identifier := id.withDefaults("").ApiIdentifier
	scopes := []string{"openid", "email", "profile"}
	for _, s := range id.ApiScopes {
		scopes = append(scopes, identifier+"/"+s)
	}
	return strings.Join(scopes, " ")
}

// baseLambdaStatements let a function write its own log group and traces.
func baseLambdaStatements(logGroupArn string) []Statement {
	return []Statement{
		{Sid: "WriteOwnLogs", Effect: "Allow", Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{logGroupArn + ":*"}},
		// X-Ray trace APIs have no resource-level permissions.
		{Sid: "WriteTraces", Effect: "Allow", Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: "*"},
	}
}

// dynamoDBKeyStatement lets a function read and write a table encrypted
// with the CMK: DynamoDB uses the caller's permissions on the key, and only
// through DynamoDB.
func dynamoDBKeyStatement(acct *Account, keyArn string) Statement {
	return Statement{
		Sid:       "UseTableKeyThroughDynamoDB",
		Effect:    "Allow",
		Action:    []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
		Resource:  []string{keyArn},
		Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": fmt.Sprintf("dynamodb.%s.%s", acct.Region, acct.DNSSuffix)}},
	}
}

// reservedConcurrency is the function's reservation; none (the account's
// unreserved pool, -1 to Lambda) when n is 0.
func reservedConcurrency(n int) pulumi.IntPtrInput {
	if n == 0 {
		return nil
	}
	return pulumi.Int(n)
}

// lambdaMemoryMiB sizes every function. The BFF's Go heap limit derives
// from it (withGCPolicy).
const lambdaMemoryMiB = 512

// goFunctionArgs describe one Go Lambda.
type goFunctionArgs struct {
	description         string
	code                LambdaCode
	env                 pulumi.StringMap
	reservedConcurrency int
	// policy builds the role's only policy from the function's log group ARN.
	policy func(logGroupArn pulumi.StringOutput) pulumi.StringOutput
}

func newGoFunction(ctx *pulumi.Context, name string, a EdgeTopologyArgs, f goFunctionArgs, opts ...pulumi.ResourceOption) (*lambda.Function, error) {
	logGroup, err := NewLogGroup(ctx, name, &LogGroupArgs{KmsKeyArn: a.LogsKeyArn, RetentionDays: a.LogRetentionDays}, opts...)
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Name:        physicalName(typeRole, name),
		Description: pulumi.String(f.description + " execution role"),
		AssumeRolePolicy: pulumi.String(NewPolicy(Statement{
			Effect:    "Allow",
			Principal: map[string]any{"Service": a.Account.ServicePrincipal("lambda")},
			Action:    []string{"sts:AssumeRole"},
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": a.Account.AccountID}},
		}).JSON()),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: role %s: %w", name, err)
	}
	// Lambda checks at creation that the role may write X-Ray traces, so the
	// policy must exist first.
	rolePolicy, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
		Name:   physicalName(typeRolePolicy, name),
		Role:   role.ID(),
		Policy: f.policy(logGroup.Arn),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: role policy %s: %w", name, err)
	}
	fn, err := lambda.NewFunction(ctx, name, &lambda.FunctionArgs{
		Name:                         physicalName(typeFunction, name),
		Description:                  pulumi.String(f.description),
		Runtime:                      pulumi.String("provided.al2023"),
		Architectures:                pulumi.ToStringArray([]string{a.Architecture}),
		Handler:                      pulumi.String("bootstrap"),
		Code:                         pulumi.NewFileArchive(f.code.Path),
		SourceCodeHash:               pulumi.String(f.code.SourceCodeHash),
		Role:                         role.Arn,
		MemorySize:                   pulumi.Int(lambdaMemoryMiB),
		Timeout:                      pulumi.Int(29),
		ReservedConcurrentExecutions: reservedConcurrency(f.reservedConcurrency),
		TracingConfig:                lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		KmsKeyArn:                    a.DataKeyArn,
		Environment:                  lambda.FunctionEnvironmentArgs{Variables: f.env},
		LoggingConfig: lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logGroup.Name,
		},
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{rolePolicy, logGroup}))...)
	if err != nil {
		return nil, fmt.Errorf("components: function %s: %w", name, err)
	}
	return fn, nil
}
