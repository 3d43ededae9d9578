package components

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegistryArgs configures the stack's private ECR repository.
type RegistryArgs struct {
	// KmsKeyArn is the data CMK that encrypts the images (SC-28). Required.
	KmsKeyArn pulumi.StringInput
	// KeepImages is how many images the lifecycle policy keeps. Defaults to 20,
	// enough to roll back well past the running deployment.
	KeepImages int
	// UntaggedExpiryDays expires images that lost their tag. Defaults to 7.
	UntaggedExpiryDays int
	// ForceDelete lets `pulumi destroy` delete a repository that still holds
	// images. Defaults to false: images are evidence of what ran.
	ForceDelete bool
	// Tags are added to the repository. Defaults to none.
	Tags map[string]string
}

// Registry is an ECR repository with KMS encryption, immutable tags, scan on
// push and a lifecycle policy (CM-2, CM-8, RA-5, SC-28).
type Registry struct {
	pulumi.ResourceState

	Repository    *ecr.Repository
	Arn           pulumi.StringOutput
	RepositoryUrl pulumi.StringOutput
	RegistryId    pulumi.StringOutput
}

func (a *RegistryArgs) withDefaults() RegistryArgs {
	out := *a
	if out.KeepImages == 0 {
		out.KeepImages = 20
	}
	if out.UntaggedExpiryDays == 0 {
		out.UntaggedExpiryDays = 7
	}
	return out
}

func (a *RegistryArgs) validate() error {
	var errs []error
	if a.KmsKeyArn == nil {
		errs = append(errs, errors.New("KmsKeyArn is required: images are encrypted with the data CMK"))
	}
	if a.KeepImages < 2 {
		errs = append(errs, fmt.Errorf("KeepImages is %d; keep at least 2 so a rollback target exists", a.KeepImages))
	}
	if a.UntaggedExpiryDays < 1 {
		errs = append(errs, fmt.Errorf("UntaggedExpiryDays is %d; use 1 or more", a.UntaggedExpiryDays))
	}
	return joinErrors("registry", errs)
}

// NewRegistry creates the repository and its lifecycle policy.
func NewRegistry(ctx *pulumi.Context, name string, args *RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	if args == nil {
		args = &RegistryArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	r := &Registry{}
	if err := ctx.RegisterComponentResource("gatehouse:registry:Registry", name, r, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(r)

	repo, err := ecr.NewRepository(ctx, name, &ecr.RepositoryArgs{
		Name:               physicalName(typeRepository, name),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{&ecr.RepositoryEncryptionConfigurationArgs{
			EncryptionType: pulumi.String("KMS"),
			KmsKey:         a.KmsKeyArn,
		}},
		ForceDelete: pulumi.Bool(a.ForceDelete),
		Tags:        pulumi.ToStringMap(a.Tags),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("components: registry %s: %w", name, err)
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name, &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(lifecyclePolicy(a.KeepImages, a.UntaggedExpiryDays)),
	}, child); err != nil {
		return nil, fmt.Errorf("components: registry %s: lifecycle policy: %w", name, err)
	}
	r.Repository, r.Arn, r.RepositoryUrl, r.RegistryId = repo, repo.Arn, repo.RepositoryUrl, repo.RegistryId

	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{
		"arn":           r.Arn,
		"repositoryUrl": r.RepositoryUrl,
	}); err != nil {
		return nil, err
	}
	return r, nil
}

func lifecyclePolicy(keep, untaggedDays int) string {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountUnit   string `json:"countUnit,omitempty"`
		CountNumber int    `json:"countNumber"`
	}
	type rule struct {
		RulePriority int               `json:"rulePriority"`
		Description  string            `json:"description"`
		Selection    selection         `json:"selection"`
		Action       map[string]string `json:"action"`
	}
	expire := map[string]string{"type": "expire"}
	doc := map[string][]rule{"rules": {
		{1, fmt.Sprintf("expire untagged images after %d days", untaggedDays),
			selection{TagStatus: "untagged", CountType: "sinceImagePushed", CountUnit: "days", CountNumber: untaggedDays}, expire},
		{2, fmt.Sprintf("keep the last %d images", keep),
			selection{TagStatus: "any", CountType: "imageCountMoreThan", CountNumber: keep}, expire},
	}}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("components: lifecycle policy: %v", err))
	}
	return string(b)
}

// RegistryAuth is a short-lived ECR login.
type RegistryAuth struct{ Username, Password string }

// ImagePusher uploads an image to a repository URL. It must be idempotent:
// every `pulumi up` calls it.
type ImagePusher func(ctx context.Context, repositoryUrl string, auth RegistryAuth) error

// PinnedImageArgs says which image the task runs and how it gets there.
type PinnedImageArgs struct {
	// Digest is the image digest (sha256:<hex>), computed before the push. Required.
	Digest string
	// Push uploads the image during `pulumi up`. Required.
	Push ImagePusher
	// FIPS pushes through the ECR FIPS endpoint (dkr.ecr-fips). Defaults to false.
	FIPS bool
}

// PinnedImage returns repositoryUrl@<digest>, the reference the task
// definition runs. The value is known at preview, so the plan shows the final
// image. Only `pulumi up` pushes (never preview, never a mock run), and the
// reference resolves after the push, so the service cannot roll out an image
// the registry lacks.
func (r *Registry) PinnedImage(ctx *pulumi.Context, args PinnedImageArgs) (pulumi.StringOutput, error) {
	return r.pinnedImage(ctx, args, !ctx.DryRun() && !ctx.RunningWithMocks())
}

func (r *Registry) pinnedImage(ctx *pulumi.Context, args PinnedImageArgs, push bool) (pulumi.StringOutput, error) {
	if !strings.HasPrefix(args.Digest, "sha256:") || len(args.Digest) != len("sha256:")+64 {
		return pulumi.StringOutput{}, fmt.Errorf("components: registry: digest %q is not sha256:<64 hex>", args.Digest)
	}
	if args.Push == nil {
		return pulumi.StringOutput{}, errors.New("components: registry: Push is required")
	}
	pin := func(url string) string { return url + "@" + args.Digest }
	if !push {
		return r.RepositoryUrl.ApplyT(pin).(pulumi.StringOutput), nil
	}
	token := ecr.GetAuthorizationTokenOutput(ctx, ecr.GetAuthorizationTokenOutputArgs{
		RegistryId: r.RegistryId,
	}, pulumi.Parent(r))
	pushed := pulumi.All(r.RepositoryUrl, token.UserName(), token.Password()).ApplyTWithContext(ctx.Context(),
		func(goctx context.Context, v []any) (string, error) {
			url := v[0].(string)
			target := url
			if args.FIPS {
				target = strings.Replace(url, ".dkr.ecr.", ".dkr.ecr-fips.", 1)
			}
			if err := args.Push(goctx, target, RegistryAuth{Username: v[1].(string), Password: v[2].(string)}); err != nil {
				return "", fmt.Errorf("components: registry: push to %s: %w", target, err)
			}
			return pin(url), nil
		}).(pulumi.StringOutput)
	// The reference holds no secret; the login that produced it does.
	return pulumi.Unsecret(pushed).(pulumi.StringOutput), nil
}
