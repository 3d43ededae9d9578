package devservers

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// debianPackages names the Debian package of each program a peer or a
// test runs from PATH; `make deps` (.ci/deps) installs the same ones.
var debianPackages = map[string]string{
	"redis-server": "redis-server",
	"chromium":     "chromium",
	"strace":       "strace",
}

// LookPath finds program on PATH. When it is missing, the error is a
// *MissingProgramError: one line naming the program and how to install it.
func LookPath(program string) (string, error) {
	path, err := exec.LookPath(program)
	if err != nil {
		return "", &MissingProgramError{Program: program}
	}
	return path, nil
}

// RequireT fails the test at once, one line per missing program, when any
// of programs is not on PATH: never a skip, because the tests that need a
// real peer are the only proof that the code works with it.
func RequireT(t testing.TB, programs ...string) {
	t.Helper()
	var missing []string
	for _, p := range programs {
		if _, err := LookPath(p); err != nil {
			missing = append(missing, err.Error())
		}
	}
	if len(missing) > 0 {
		t.Fatal(strings.Join(missing, "\n"))
	}
}

// MissingProgramError is a program a peer or a test needs that this machine
// lacks. Its message says how to install it.
type MissingProgramError struct{ Program string }

func (e *MissingProgramError) Error() string {
	switch pkg, known := debianPackages[e.Program]; {
	case e.Program == "node" || e.Program == "npm":
		return e.Program + " is not installed (not on PATH): install Node.js 20 or newer"
	case known:
		return fmt.Sprintf("%s is not installed (not on PATH): run `make deps`, or `%sapt-get install -y --no-install-recommends %s`", e.Program, sudo(), pkg)
	case strings.ContainsRune(e.Program, os.PathSeparator):
		return e.Program + " does not exist or is not executable"
	default:
		return e.Program + " is not on PATH"
	}
}

// sudo is the prefix the install command needs for the user running it.
func sudo() string {
	if os.Geteuid() == 0 {
		return ""
	}
	return "sudo "
}

// nodeDirRel is NodeDir relative to the repository root, as `make deps` names it.
const nodeDirRel = "internal/devservers/node"

// missingNodeModule says that an npm package of NodeDir is not installed.
func missingNodeModule(rel string) error {
	return fmt.Errorf("devservers: %s is not installed in %s/node_modules: run `make deps`", rel, nodeDirRel)
}

// nodeModule is NodeModule for the peer name, which node runs: a missing
// node is named before a missing package, as installing one needs the other.
func nodeModule(name, rel string) (string, error) {
	if _, err := LookPath("node"); err != nil {
		return "", fmt.Errorf("devservers: %s: %w", name, err)
	}
	return NodeModule(rel)
}
