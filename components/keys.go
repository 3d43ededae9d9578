package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// KeysArgs configures the stack's customer-managed KMS keys.
type KeysArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// DeletionWindowDays is the waiting period before a deleted key is gone.
	// Defaults to 30 (the maximum), so a mistaken destroy can be undone.
	DeletionWindowDays int
	// AllowCloudFrontDecrypt lets CloudFront distributions of this account read
	// SSE-KMS objects encrypted with the data key (needed by the edge topology's
	// origin access control). Defaults to false.
	AllowCloudFrontDecrypt bool
	// Tags are added to every key. Defaults to none beyond the provider's.
	Tags map[string]string
}

// Keys holds one CMK per purpose, each with rotation on and an alias:
//   - Data: S3, DynamoDB, Secrets Manager, ECR and Lambda environments.
//   - Logs: CloudWatch log groups (WAF, API, Lambda, ECS, VPC flow logs).
//   - Sessions: wraps the BFF's session data key.
//
// Separate keys keep blast radius small and let audit scope key use (SC-12, SC-28).
type Keys struct {
	pulumi.ResourceState

	Data, Logs, Sessions          *kms.Key
	DataArn, LogsArn, SessionsArn pulumi.StringOutput
}

func (a *KeysArgs) withDefaults() KeysArgs {
	out := *a
	if out.DeletionWindowDays == 0 {
		out.DeletionWindowDays = 30
	}
	return out
}

func (a *KeysArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	if a.DeletionWindowDays < 7 || a.DeletionWindowDays > 30 {
		errs = append(errs, fmt.Errorf("DeletionWindowDays is %d; KMS accepts 7 to 30", a.DeletionWindowDays))
	}
	return joinErrors("keys", errs)
}

// NewKeys creates the data, logs and sessions keys.
func NewKeys(ctx *pulumi.Context, name string, args *KeysArgs, opts ...pulumi.ResourceOption) (*Keys, error) {
	if args == nil {
		args = &KeysArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	k := &Keys{}
	if err := ctx.RegisterComponentResource("gatehouse:security:Keys", name, k, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(k)
	acct := a.Account

	dataStatements := []Statement{}
	if a.AllowCloudFrontDecrypt {
		dataStatements = append(dataStatements, Statement{
			Sid:       "AllowCloudFrontOriginAccessControl",
			Effect:    "Allow",
			Principal: map[string]any{"Service": acct.ServicePrincipal("cloudfront")},
			Action:    []string{"kms:Decrypt"},
			Resource:  "*",
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:SourceAccount": acct.AccountID},
				"ArnLike":      {"aws:SourceArn": acct.Arn("cloudfront", "", "distribution/*")},
			},
		})
	}
	logsStatements := []Statement{{
		Sid:       "AllowCloudWatchLogs",
		Effect:    "Allow",
		Principal: map[string]any{"Service": acct.ServicePrincipal("logs")},
		Action:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		Resource:  "*",
		Condition: map[string]map[string]any{
			"ArnLike": {"kms:EncryptionContext:aws:logs:arn": acct.Arn("logs", acct.Region, "log-group:*")},
		},
	}}

	var err error
	if k.Data, err = newKey(ctx, name+"-data", "Gatehouse data at rest (S3, DynamoDB, Secrets Manager, ECR, Lambda env)", acct, a, dataStatements, child); err != nil {
		return nil, err
	}
	if k.Logs, err = newKey(ctx, name+"-logs", "Gatehouse log groups", acct, a, logsStatements, child); err != nil {
		return nil, err
	}
	if k.Sessions, err = newKey(ctx, name+"-sessions", "Gatehouse BFF session data key", acct, a, nil, child); err != nil {
		return nil, err
	}
	k.DataArn, k.LogsArn, k.SessionsArn = k.Data.Arn, k.Logs.Arn, k.Sessions.Arn

	if err := ctx.RegisterResourceOutputs(k, pulumi.Map{
		"dataKeyArn":     k.DataArn,
		"logsKeyArn":     k.LogsArn,
		"sessionsKeyArn": k.SessionsArn,
	}); err != nil {
		return nil, err
	}
	return k, nil
}

// newKey creates one rotating key whose policy delegates to IAM in this account
// (so role policies decide who uses it) plus any service statements.
func newKey(ctx *pulumi.Context, name, description string, acct *Account, a KeysArgs, extra []Statement, opts ...pulumi.ResourceOption) (*kms.Key, error) {
	statements := append([]Statement{{
		Sid:       "EnableIAMPoliciesInThisAccount",
		Effect:    "Allow",
		Principal: map[string]any{"AWS": acct.RootArn()},
		Action:    []string{"kms:*"},
		Resource:  "*",
	}}, extra...)
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:          pulumi.String(description),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(a.DeletionWindowDays),
		Policy:               pulumi.String(NewPolicy(statements...).JSON()),
		Tags:                 pulumi.ToStringMap(a.Tags),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: key %s: %w", name, err)
	}
	if _, err := kms.NewAlias(ctx, name, &kms.AliasArgs{
		Name:        physicalName(typeKmsAlias, name),
		TargetKeyId: key.KeyId,
	}, opts...); err != nil {
		return nil, fmt.Errorf("components: alias %s: %w", name, err)
	}
	return key, nil
}
