package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecretArgs configures a Secrets Manager secret.
type SecretArgs struct {
	// Description says what the secret is for. Defaults to empty.
	Description string
	// KmsKeyArn is the data CMK. Required: secrets are never left on the AWS-managed key (SC-28).
	KmsKeyArn pulumi.StringInput
	// Value is the secret string; Pulumi keeps it encrypted in state. Required.
	Value pulumi.StringInput
	// RecoveryWindowDays is how long a deleted secret can be restored. Defaults to 30.
	RecoveryWindowDays int
}

// NewSecret stores a value in Secrets Manager under the data CMK and returns
// the secret (its ARN is what runtimes are given, never the value).
func NewSecret(ctx *pulumi.Context, name string, args *SecretArgs, opts ...pulumi.ResourceOption) (*secretsmanager.Secret, error) {
	if args == nil {
		args = &SecretArgs{}
	}
	var errs []error
	if args.KmsKeyArn == nil {
		errs = append(errs, errors.New("KmsKeyArn is required"))
	}
	if args.Value == nil {
		errs = append(errs, errors.New("Value is required"))
	}
	if err := joinErrors("secret "+name, errs); err != nil {
		return nil, err
	}
	window := args.RecoveryWindowDays
	if window == 0 {
		window = 30
	}
	secret, err := secretsmanager.NewSecret(ctx, name, &secretsmanager.SecretArgs{
		Description:          pulumi.String(args.Description),
		KmsKeyId:             args.KmsKeyArn,
		RecoveryWindowInDays: pulumi.Int(window),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: secret %s: %w", name, err)
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, name, &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(args.Value).(pulumi.StringOutput),
	}, opts...); err != nil {
		return nil, fmt.Errorf("components: secret version %s: %w", name, err)
	}
	return secret, nil
}
