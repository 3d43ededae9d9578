// Package artifacts builds what the Pulumi program deploys: the Lambda zips
// (bootstrap binaries cross-compiled for arm64, zipped byte-for-byte
// reproducibly) and the SPA bundle with its upload manifest. Everything is
// built from the checkout the program runs in, so a bare `pulumi up` works on a
// clean clone and an unchanged source tree previews with no diff.
package artifacts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ModuleRoot walks up from dir to the directory holding go.mod.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("artifacts: looking for go.mod in %s: %w", d, err)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("artifacts: no go.mod in %s or any parent; run the program from inside the Gatehouse checkout", abs)
		}
	}
}
