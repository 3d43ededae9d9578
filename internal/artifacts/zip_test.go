package artifacts

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

func TestReproducibleZipIgnoresOrderAndReadsBack(t *testing.T) {
	entries := []ZipEntry{
		{Name: "bootstrap", Mode: 0o755, Data: bytes.Repeat([]byte("bin"), 1000)},
		{Name: "config/a.json", Mode: 0o644, Data: []byte(`{"a":1}`)},
	}
	var first, second bytes.Buffer
	if err := WriteReproducibleZip(&first, entries); err != nil {
		t.Fatal(err)
	}
	if err := WriteReproducibleZip(&second, []ZipEntry{entries[1], entries[0]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatal("the same entries in another order gave different bytes")
	}

	zr, err := zip.NewReader(bytes.NewReader(first.Bytes()), int64(first.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range zr.File {
		want := entries[i]
		if f.Name != want.Name || f.Mode().Perm() != want.Mode || f.Method != zip.Deflate || !f.Modified.Equal(zipEpoch) {
			t.Errorf("entry %d: name %q mode %v method %d modified %v", i, f.Name, f.Mode(), f.Method, f.Modified)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(data, want.Data) {
			t.Errorf("entry %q: contents differ", f.Name)
		}
	}
}

func TestReproducibleZipRefusesDuplicates(t *testing.T) {
	err := WriteReproducibleZip(io.Discard, []ZipEntry{{Name: "a"}, {Name: "a"}})
	if err == nil {
		t.Fatal("duplicate entries accepted")
	}
}
