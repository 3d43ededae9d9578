package artifacts

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"
)

// zipEpoch is the modification time stamped on every entry. Zip's DOS dates
// start in 1980, so this is the earliest time every unzip tool shows as set.
var zipEpoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// ZipEntry is one file of a reproducible zip.
type ZipEntry struct {
	Name string      // slash-separated path inside the archive
	Mode fs.FileMode // permission bits; the file type is always regular
	Data []byte
}

// WriteReproducibleZip writes entries sorted by name, all stamped with the
// same time, with fixed permissions and Deflate at the best compression, so
// the same entries always give the same bytes whatever the host, umask or
// file times.
func WriteReproducibleZip(w io.Writer, entries []ZipEntry) error {
	sorted := append([]ZipEntry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			return fmt.Errorf("artifacts: zip entry %q appears twice", sorted[i].Name)
		}
	}

	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	for _, e := range sorted {
		header := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: zipEpoch}
		header.SetMode(e.Mode.Perm())
		fw, err := zw.CreateHeader(header)
		if err != nil {
			return fmt.Errorf("artifacts: zip entry %q: %w", e.Name, err)
		}
		if _, err := io.Copy(fw, bytes.NewReader(e.Data)); err != nil {
			return fmt.Errorf("artifacts: zip entry %q: %w", e.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("artifacts: closing zip: %w", err)
	}
	return nil
}
