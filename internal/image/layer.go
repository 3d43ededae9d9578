package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// entry is one file or directory of a layer. Owner and mode are fixed by the
// builder, never taken from the build machine, so the layer bytes depend only
// on the content.
type entry struct {
	name string // absolute path inside the image, e.g. /etc/passwd
	dir  bool
	mode int64
	data []byte
}

// layerBuilder collects entries and writes them as a tar sorted by path, with
// every parent directory present, root ownership and one fixed timestamp.
type layerBuilder struct {
	entries map[string]entry
	mtime   time.Time
}

func newLayerBuilder(mtime time.Time) *layerBuilder {
	return &layerBuilder{entries: map[string]entry{}, mtime: mtime}
}

func (b *layerBuilder) addFile(name string, mode int64, data []byte) {
	name = path.Clean("/" + name)
	b.addParents(name)
	b.entries[name] = entry{name: name, mode: mode, data: data}
}

func (b *layerBuilder) addDir(name string, mode int64) {
	name = path.Clean("/" + name)
	if name == "/" {
		return
	}
	b.addParents(name)
	b.entries[name] = entry{name: name, dir: true, mode: mode}
}

func (b *layerBuilder) addParents(name string) {
	for dir := path.Dir(name); dir != "/"; dir = path.Dir(dir) {
		if _, ok := b.entries[dir]; !ok {
			b.entries[dir] = entry{name: dir, dir: true, mode: 0o755}
		}
	}
}

// addTree copies a directory tree (regular files and directories only) under
// prefix. Symlinks and special files are refused: the SPA is static content.
func (b *layerBuilder) addTree(fsys fs.FS, prefix string) error {
	b.addDir(prefix, 0o755)
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		target := path.Join(prefix, p)
		switch {
		case d.IsDir():
			b.addDir(target, 0o755)
			return nil
		case d.Type().IsRegular():
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			b.addFile(target, 0o644, data)
			return nil
		default:
			return fmt.Errorf("%s: only regular files and directories are allowed (found %s)", p, d.Type())
		}
	})
}

func (b *layerBuilder) tarBytes() ([]byte, error) {
	names := make([]string, 0, len(b.entries))
	for name := range b.entries {
		names = append(names, name)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range names {
		e := b.entries[name]
		hdr := &tar.Header{
			Name:    strings.TrimPrefix(e.name, "/"),
			Mode:    e.mode,
			ModTime: b.mtime,
			Uid:     0,
			Gid:     0,
			Uname:   "root",
			Gname:   "root",
		}
		if e.dir {
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", name, err)
		}
		if !e.dir {
			if _, err := tw.Write(e.data); err != nil {
				return nil, fmt.Errorf("tar write %s: %w", name, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// layer turns the entries into an OCI gzip layer. compress/gzip writes no
// timestamp or name into its header, so equal tars give equal digests.
func (b *layerBuilder) layer() (v1.Layer, error) {
	data, err := b.tarBytes()
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
