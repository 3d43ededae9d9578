package components

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type serviceRoles struct {
	task, execution *iam.Role
	executionPolicy *iam.RolePolicy
}

// newServiceRoles creates the two task roles with least privilege (AC-6):
// the execution role pulls this image, writes this log group and reads these
// secrets; the task role uses the session table and the sessions key.
func newServiceRoles(ctx *pulumi.Context, name string, a ServiceArgs, logGroupArn pulumi.StringOutput, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) (*serviceRoles, error) {
	acct := a.Account
	trust := NewPolicy(Statement{
		Effect:    "Allow",
		Principal: map[string]any{"Service": acct.ServicePrincipal("ecs-tasks")},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": acct.AccountID},
			"ArnLike":      {"aws:SourceArn": acct.Arn("ecs", acct.Region, "*")},
		},
	}).JSON()

	execution, err := iam.NewRole(ctx, name+"-execution", &iam.RoleArgs{
		Name:             physicalName(typeRole, name+"-execution"),
		Description:      pulumi.String("ECS agent: pull the BFF image, write its logs, read its secrets"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	}, child)
	if err != nil {
		return nil, err
	}
	secretNames := slices.Sorted(maps.Keys(a.Secrets))
	inputs := []any{a.RepositoryArn, logGroupArn, a.DataKeyArn}
	for _, n := range secretNames {
		inputs = append(inputs, a.Secrets[n])
	}
	secretsService := "secretsmanager." + acct.Region + ".amazonaws.com"
	execPolicy := pulumi.All(inputs...).ApplyT(func(v []any) string {
		repo, logs, dataKey := v[0].(string), v[1].(string), v[2].(string)
		statements := []Statement{
			// GetAuthorizationToken has no resource-level permissions.
			Allow([]string{"ecr:GetAuthorizationToken"}, "*"),
			Allow([]string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"}, repo),
			Allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs+":log-stream:*"),
		}
		if len(v) > 3 {
			var arns []string
			for _, s := range v[3:] {
				arns = append(arns, s.(string))
			}
			statements = append(statements, Allow([]string{"secretsmanager:GetSecretValue"}, arns...), Statement{
				Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: []string{dataKey},
				Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": secretsService}},
			})
		}
		return NewPolicy(statements...).JSON()
	}).(pulumi.StringOutput)
	execPolicyRes, err := iam.NewRolePolicy(ctx, name+"-execution", &iam.RolePolicyArgs{
		Name: physicalName(typeRolePolicy, name+"-execution"), Role: execution.ID(), Policy: execPolicy,
	}, child)
	if err != nil {
		return nil, err
	}

	task, err := iam.NewRole(ctx, name+"-task", &iam.RoleArgs{
		Name:             physicalName(typeRole, name+"-task"),
		Description:      pulumi.String("Gatehouse BFF: its session table and session key, nothing else"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	}, child)
	if err != nil {
		return nil, err
	}
	dynamoService := "dynamodb." + acct.Region + ".amazonaws.com"
	taskPolicy := pulumi.All(a.SessionTableArn, a.SessionsKeyArn, a.DataKeyArn).ApplyT(func(v []any) string {
		table, sessionsKey, dataKey := v[0].(string), v[1].(string), v[2].(string)
		return NewPolicy(
			Allow([]string{
				"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
				"dynamodb:Query", "dynamodb:ConditionCheckItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
			}, table, table+"/index/*"),
			Allow([]string{"kms:Decrypt"}, sessionsKey),
			Statement{
				Effect: "Allow", Action: []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"}, Resource: []string{dataKey},
				Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": dynamoService}},
			},
		).JSON()
	}).(pulumi.StringOutput)
	if _, err := iam.NewRolePolicy(ctx, name+"-task", &iam.RolePolicyArgs{
		Name: physicalName(typeRolePolicy, name+"-task"), Role: task.ID(), Policy: taskPolicy,
	}, child); err != nil {
		return nil, err
	}
	return &serviceRoles{task: task, execution: execution, executionPolicy: execPolicyRes}, nil
}

type containerKV struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	From  string `json:"valueFrom,omitempty"`
}

// containerDefinitions renders the one container: read-only root, non-root
// user, no privileges or capabilities, secrets by reference, logs to the
// encrypted group.
func containerDefinitions(a ServiceArgs, logGroup pulumi.StringOutput) pulumi.StringOutput {
	envNames := slices.Sorted(maps.Keys(a.Environment))
	secretNames := slices.Sorted(maps.Keys(a.Secrets))
	inputs := []any{a.Image, logGroup}
	for _, n := range envNames {
		inputs = append(inputs, a.Environment[n])
	}
	for _, n := range secretNames {
		inputs = append(inputs, a.Secrets[n])
	}
	return pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		image, group := v[0].(string), v[1].(string)
		rest := v[2:]
		env := make([]containerKV, 0, len(envNames))
		for i, n := range envNames {
			env = append(env, containerKV{Name: n, Value: rest[i].(string)})
		}
		rest = rest[len(envNames):]
		secrets := make([]containerKV, 0, len(secretNames))
		for i, n := range secretNames {
			secrets = append(secrets, containerKV{Name: n, From: rest[i].(string)})
		}
		def := map[string]any{
			"name":                   ServiceContainerName,
			"image":                  image,
			"essential":              true,
			"readonlyRootFilesystem": true,
			"user":                   ServiceContainerUser,
			"privileged":             false,
			"portMappings": []map[string]any{{
				"containerPort": a.ContainerPort, "protocol": "tcp", "appProtocol": "http",
			}},
			"environment": env,
			"secrets":     secrets,
			"linuxParameters": map[string]any{
				"capabilities":       map[string]any{"drop": []string{"ALL"}},
				"initProcessEnabled": true,
			},
			"stopTimeout": 30,
			"ulimits":     []map[string]any{{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}},
			"logConfiguration": map[string]any{
				"logDriver": "awslogs",
				"options": map[string]string{
					"awslogs-group":         group,
					"awslogs-region":        a.Account.Region,
					"awslogs-stream-prefix": ServiceContainerName,
					// Blocking: an audit record is never dropped to keep serving (AU-5).
					"mode": "blocking",
				},
			},
		}
		b, err := json.Marshal([]any{def})
		return string(b), err
	}).(pulumi.StringOutput)
}
