package components

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewSessionDataKey wraps a random session data key under the sessions CMK and
// returns it as a kms.Ciphertext, whose blob is what the BFF decrypts (one KMS
// Decrypt) into the key that seals tokens. The plaintext never reaches a
// runtime's configuration. It is drawn once: later runs ignore the fresh
// random value, so deployments keep every sealed session readable; `pulumi up
// --replace` on this resource rotates it. The BFF needs exactly 32 bytes; 32
// printable characters carry about 205 bits. opts go to the invoke and the
// resource alike (parent, provider).
func NewSessionDataKey(ctx *pulumi.Context, name string, sessionsKeyArn pulumi.StringInput, opts ...pulumi.ResourceOrInvokeOption) (*kms.Ciphertext, error) {
	invokeOpts := make([]pulumi.InvokeOption, len(opts))
	resourceOpts := make([]pulumi.ResourceOption, len(opts), len(opts)+1)
	for i, o := range opts {
		invokeOpts[i], resourceOpts[i] = o, o
	}
	random := secretsmanager.GetRandomPasswordOutput(ctx, secretsmanager.GetRandomPasswordOutputArgs{
		PasswordLength:    pulumi.IntPtr(32),
		ExcludeCharacters: pulumi.StringPtr(" "),
		IncludeSpace:      pulumi.BoolPtr(false),
	}, invokeOpts...)
	key, err := kms.NewCiphertext(ctx, name, &kms.CiphertextArgs{
		KeyId:     sessionsKeyArn,
		Plaintext: pulumi.ToSecret(random.RandomPassword()).(pulumi.StringOutput),
	}, append(resourceOpts, pulumi.IgnoreChanges([]string{"plaintext"}))...)
	if err != nil {
		return nil, fmt.Errorf("components: session data key %s: %w", name, err)
	}
	return key, nil
}
