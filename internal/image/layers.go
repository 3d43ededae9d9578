package image

import (
	"fmt"
	"os"
	"strconv"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

type namedLayer struct {
	what  string
	layer v1.Layer
}

// buildLayers orders layers from least to most often changed, so a push after
// a code change uploads only the binary layer.
func buildLayers(opts Options) ([]namedLayer, error) {
	base, err := baseLayer(opts)
	if err != nil {
		return nil, fmt.Errorf("base layer: %w", err)
	}
	spa, err := spaLayer(opts)
	if err != nil {
		return nil, fmt.Errorf("spa layer: %w", err)
	}
	bin, err := binaryLayer(opts)
	if err != nil {
		return nil, fmt.Errorf("binary layer: %w", err)
	}
	return []namedLayer{
		{what: "ca roots and non-root user", layer: base},
		{what: "spa " + SPADir, layer: spa},
		{what: "bff " + BinaryPath, layer: bin},
	}, nil
}

// The only account in the image is the non-root one the task runs as; root
// exists in /etc/passwd so that tools reading the files do not trip, but has
// no shell.
func passwdFile() []byte {
	uid, gid := strconv.Itoa(UID), strconv.Itoa(GID)
	return []byte("root:x:0:0:root:/root:/sbin/nologin\n" +
		"nonroot:x:" + uid + ":" + gid + ":nonroot:/home/nonroot:/sbin/nologin\n")
}

func groupFile() []byte {
	return []byte("root:x:0:\nnonroot:x:" + strconv.Itoa(GID) + ":\n")
}

func baseLayer(opts Options) (v1.Layer, error) {
	roots, err := os.ReadFile(opts.CARoots)
	if err != nil {
		return nil, err
	}
	b := newLayerBuilder(opts.Created)
	b.addFile("/etc/passwd", 0o644, passwdFile())
	b.addFile("/etc/group", 0o644, groupFile())
	b.addFile(CARootsPath, 0o644, roots)
	b.addDir("/home/nonroot", 0o755)
	b.addDir("/tmp", 0o1777)
	return b.layer()
}

func spaLayer(opts Options) (v1.Layer, error) {
	b := newLayerBuilder(opts.Created)
	if err := b.addTree(os.DirFS(opts.SPADir), SPADir); err != nil {
		return nil, err
	}
	return b.layer()
}

func binaryLayer(opts Options) (v1.Layer, error) {
	bin, err := os.ReadFile(opts.BinaryFile)
	if err != nil {
		return nil, err
	}
	b := newLayerBuilder(opts.Created)
	b.addFile(BinaryPath, 0o755, bin)
	return b.layer()
}
