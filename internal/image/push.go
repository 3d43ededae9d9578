package image

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Tag is the tag an image is pushed under. It is derived from the digest, so
// an IMMUTABLE repository never sees one tag with two contents, and the image
// stays tagged (the lifecycle policy expires only untagged images early).
func Tag(digest v1.Hash) string {
	return digest.Algorithm + "-" + digest.Hex
}

// PinnedRef is what the task definition runs: repository@sha256:<hex>.
func PinnedRef(repository string, digest v1.Hash) string {
	return repository + "@" + digest.String()
}

// PushOptions configure Push.
type PushOptions struct {
	// Auth authenticates to the registry. Defaults to anonymous.
	Auth authn.Authenticator
	// Insecure allows a plain-HTTP registry (an in-process test registry).
	// Defaults to false.
	Insecure bool
	// Transport is the HTTP transport. Defaults to remote.DefaultTransport.
	Transport http.RoundTripper
}

// Push uploads img to repository under Tag(digest) and returns the pinned
// reference. When the tag already holds this digest nothing is uploaded, so
// every `pulumi up` may call it.
func Push(ctx context.Context, img *Image, repository string, opts PushOptions) (string, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	tag, err := name.NewTag(repository+":"+Tag(img.Digest), nameOpts...)
	if err != nil {
		return "", fmt.Errorf("image: push: repository %q: %w", repository, err)
	}
	remoteOpts := []remote.Option{remote.WithContext(ctx)}
	if opts.Auth != nil {
		remoteOpts = append(remoteOpts, remote.WithAuth(opts.Auth))
	}
	if opts.Transport != nil {
		remoteOpts = append(remoteOpts, remote.WithTransport(opts.Transport))
	}

	existing, err := remote.Head(tag, remoteOpts...)
	switch {
	case err == nil && existing.Digest == img.Digest:
		return PinnedRef(repository, img.Digest), nil
	case err == nil:
		return "", fmt.Errorf("image: push: tag %s already holds %s, not %s", tag, existing.Digest, img.Digest)
	case !isNotFound(err):
		return "", fmt.Errorf("image: push: check %s: %w", tag, err)
	}
	if err := remote.Write(tag, img.Image, remoteOpts...); err != nil {
		return "", fmt.Errorf("image: push %s: %w", tag, err)
	}
	return PinnedRef(repository, img.Digest), nil
}

func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}
