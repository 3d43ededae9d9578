// Package image builds the regional container image without a Docker daemon:
// an empty base plus the static BFF binary, the built SPA, CA roots and a
// non-root user. The build is deterministic, so the digest is known offline
// and the task definition can pin it before anything is pushed.
package image

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths and identities inside the image; the task definition relies on them.
const (
	BinaryPath  = "/bff"
	SPADir      = "/srv/spa"
	CARootsPath = "/etc/ssl/certs/ca-certificates.crt"
	UID         = 65532
	GID         = 65532
	User        = "65532:65532"
	Port        = 8080
)

// DefaultCARoots is the build machine's CA bundle (Debian/Ubuntu layout).
const DefaultCARoots = "/etc/ssl/certs/ca-certificates.crt"

// Options describe one image. Zero values are replaced by Defaults.
type Options struct {
	// BinaryFile is the static BFF binary built for Arch. Required.
	BinaryFile string
	// SPADir is the built SPA (the directory holding index.html). Required.
	SPADir string
	// CARoots is the PEM bundle copied to /etc/ssl/certs/ca-certificates.crt.
	// Defaults to /etc/ssl/certs/ca-certificates.crt of the build machine.
	CARoots string
	// Arch is the GOARCH of the binary and the image platform. Defaults to "arm64".
	Arch string
	// Created is the timestamp of every file and of the image config.
	// Defaults to SOURCE_DATE_EPOCH when set, else the Unix epoch.
	Created time.Time
	// Env is added to the image environment after the fixed entries
	// (GATEHOUSE_MODE, GATEHOUSE_SPA_DIR, GATEHOUSE_LISTEN_ADDR, SSL_CERT_FILE).
	// Defaults to none. Never put secrets here: image config is readable by
	// anyone who can pull the image.
	Env map[string]string
}

// Defaults fills zero fields.
func (o *Options) Defaults() error {
	if o.CARoots == "" {
		o.CARoots = DefaultCARoots
	}
	if o.Arch == "" {
		o.Arch = "arm64"
	}
	if o.Created.IsZero() {
		created, err := sourceDateEpoch()
		if err != nil {
			return err
		}
		o.Created = created
	}
	return nil
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var errs []error
	if o.BinaryFile == "" {
		errs = append(errs, errors.New("BinaryFile is required: build bff/cmd/bff first"))
	} else if st, err := os.Stat(o.BinaryFile); err != nil || !st.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("BinaryFile %q is not a readable file", o.BinaryFile))
	}
	if o.SPADir == "" {
		errs = append(errs, errors.New("SPADir is required: build the SPA first (frontend/dist)"))
	} else if st, err := os.Stat(o.SPADir + "/index.html"); err != nil || !st.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("SPADir %q has no index.html: build the SPA first", o.SPADir))
	}
	if st, err := os.Stat(o.CARoots); err != nil || !st.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("CARoots %q is not a readable file: install ca-certificates or set CARoots", o.CARoots))
	}
	switch o.Arch {
	case "arm64", "amd64":
	default:
		errs = append(errs, fmt.Errorf("Arch %q is not supported: use arm64 (Fargate Graviton) or amd64", o.Arch))
	}
	for k := range o.Env {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			errs = append(errs, fmt.Errorf("Env key %q is not a valid variable name", k))
		}
	}
	return errors.Join(errs...)
}

func sourceDateEpoch() (time.Time, error) {
	raw := os.Getenv("SOURCE_DATE_EPOCH")
	if raw == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	secs, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("image: SOURCE_DATE_EPOCH %q is not a non-negative integer", raw)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// Image is a built image and its digest.
type Image struct {
	Image    v1.Image
	Digest   v1.Hash
	Platform v1.Platform
}

// Build assembles the image. It reads the binary, the SPA and the CA bundle
// and nothing else from the build machine.
func Build(opts Options) (*Image, error) {
	if err := opts.Defaults(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	layers, err := buildLayers(opts)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}

	created := v1.Time{Time: opts.Created}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	adds := make([]mutate.Addendum, 0, len(layers))
	for _, l := range layers {
		adds = append(adds, mutate.Addendum{
			Layer:     l.layer,
			MediaType: types.OCILayer,
			History:   v1.History{Created: created, CreatedBy: "gatehouse: " + l.what},
		})
	}
	img, err = mutate.Append(img, adds...)
	if err != nil {
		return nil, fmt.Errorf("image: append layers: %w", err)
	}

	cfgFile, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image: read config: %w", err)
	}
	cfgFile = cfgFile.DeepCopy()
	platform := v1.Platform{OS: "linux", Architecture: opts.Arch}
	cfgFile.Architecture = platform.Architecture
	cfgFile.OS = platform.OS
	cfgFile.Created = created
	cfgFile.Author = ""
	cfgFile.Config = v1.Config{
		User:         User,
		Entrypoint:   []string{BinaryPath},
		WorkingDir:   "/",
		Env:          imageEnv(opts.Env),
		ExposedPorts: map[string]struct{}{strconv.Itoa(Port) + "/tcp": {}},
		StopSignal:   "SIGTERM",
		Labels: map[string]string{
			"org.opencontainers.image.title":   "gatehouse-bff",
			"org.opencontainers.image.created": opts.Created.Format(time.RFC3339),
		},
	}
	img, err = mutate.ConfigFile(img, cfgFile)
	if err != nil {
		return nil, fmt.Errorf("image: write config: %w", err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("image: digest: %w", err)
	}
	return &Image{Image: img, Digest: digest, Platform: platform}, nil
}

func imageEnv(extra map[string]string) []string {
	env := []string{
		"GATEHOUSE_MODE=regional",
		"GATEHOUSE_SPA_DIR=" + SPADir,
		"GATEHOUSE_LISTEN_ADDR=:" + strconv.Itoa(Port),
		"SSL_CERT_FILE=" + CARootsPath,
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}
