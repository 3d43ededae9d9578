package repocheck

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The programs a case replaces with a fake, so that no case can reach the
// real one: nothing here installs or removes anything on this machine.
var faked = []string{"redis-server", "chromium", "strace", "apt-get", "sudo", "go", "npm"}

// depsRun is one run of .ci/deps with this machine's PATH minus the faked
// programs, plus a directory of fakes that apt-get "installs" into.
type depsRun struct {
	t        *testing.T
	bin      string // on PATH, first
	log      string // what apt-get, sudo, go and npm were asked
	aptGet   string // DEPS_APT_GET
	sudo     string // DEPS_SUDO
	env      []string
	exitCode int
	stderr   string
}

func newDepsRun(t *testing.T, farm string, uid string) *depsRun {
	t.Helper()
	dir := t.TempDir()
	r := &depsRun{t: t, bin: filepath.Join(dir, "bin"), log: filepath.Join(dir, "calls.log"),
		aptGet: filepath.Join(dir, "apt-get"), sudo: filepath.Join(dir, "sudo")}
	if err := os.Mkdir(r.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r.env = []string{
		"PATH=" + r.bin + string(os.PathListSeparator) + farm,
		"HOME=" + dir,
		"DEPS_UID=" + uid,
		"DEPS_APT_GET=" + r.aptGet,
		"DEPS_SUDO=" + r.sudo,
		"DEPS_RETRY_DELAY=0",
		"FAKE_LOG=" + r.log,
		"FAKE_BIN=" + r.bin,
	}
	return r
}

// script writes an executable shell script.
func (r *depsRun) script(path, body string) {
	r.t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		r.t.Fatal(err)
	}
}

// fakeAptGet installs a package by putting an executable of its name in bin,
// unless fail is set, when it answers as apt-get does for an unknown package.
func (r *depsRun) fakeAptGet(installs bool, fail bool) {
	body := `echo "apt-get $*" >> "$FAKE_LOG"`
	switch {
	case fail:
		body += "\n" + `echo "E: Unable to locate package $(eval echo \${$#})" >&2; exit 100`
	case installs:
		body += "\n" + `[ "$3" = install ] || [ "$4" = install ] || exit 0
for a in "$@"; do case "$a" in -*|install|update|DPkg*) ;; *) printf '#!/bin/sh\n' > "$FAKE_BIN/$a"; chmod +x "$FAKE_BIN/$a" ;; esac; done`
	}
	r.script(r.aptGet, body)
}

// fakeSudo runs the command (as `sudo -n` does for a user allowed to) or refuses.
func (r *depsRun) fakeSudo(allowed bool) {
	body := `echo "sudo $*" >> "$FAKE_LOG"; exit 1`
	if allowed {
		body = `[ "$1" = -n ] || exit 1; shift; [ "$1" = true ] && exit 0; echo "sudo -n $*" >> "$FAKE_LOG"; exec "$@"`
	}
	r.script(r.sudo, body)
}

// present puts a fake program on PATH, as if it were installed.
func (r *depsRun) present(programs ...string) {
	for _, p := range programs {
		r.script(filepath.Join(r.bin, p), "exit 0")
	}
}

func (r *depsRun) run(args ...string) {
	r.t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(r.t), ".ci", "deps"), args...)
	cmd.Env = r.env
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	err := cmd.Run()
	r.stderr = strings.TrimSpace(stderr.String())
	r.exitCode = 0
	if exit, ok := err.(*exec.ExitError); ok {
		r.exitCode = exit.ExitCode()
	} else if err != nil {
		r.t.Fatalf(".ci/deps %v: %v", args, err)
	}
}

func (r *depsRun) calls() string {
	b, _ := os.ReadFile(r.log)
	return string(b)
}

func (r *depsRun) installed(program string) bool {
	_, err := os.Stat(filepath.Join(r.bin, program))
	return err == nil
}

func TestDepsInstallsMissingProgramsOrSaysHow(t *testing.T) {
	const install = "-o DPkg::Lock::Timeout=300 install -y --no-install-recommends redis-server chromium"
	for _, tc := range []struct {
		name      string
		uid       string
		sudo      bool // sudo -n is allowed
		apt       string
		present   []string
		wantExit  int
		wantCalls []string // substrings of the call log, in order
		noCalls   bool
		wantErr   []string // substrings of stderr
		oneLine   bool
	}{
		{
			name: "root: apt-get installs what is missing", uid: "0", apt: "installs",
			wantCalls: []string{"apt-get -qq -o DPkg::Lock::Timeout=300 update", "apt-get -qq " + install},
			wantErr:   []string{"installing redis-server chromium with "},
		},
		{
			name: "a user allowed sudo -n: apt-get through sudo", uid: "1000", sudo: true, apt: "installs",
			wantCalls: []string{"sudo -n ", "apt-get -qq -o DPkg::Lock::Timeout=300 update", "sudo -n ", "apt-get -qq " + install},
			wantErr:   []string{"installing redis-server chromium with "},
		},
		{
			name: "a user who cannot install: one line with the exact command", uid: "1000", apt: "installs",
			wantExit: 1, noCalls: true, oneLine: true,
			wantErr: []string{"redis-server and chromium are not installed",
				"`sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server chromium`"},
		},
		{
			name: "one program missing", uid: "1000", apt: "installs", present: []string{"chromium"},
			wantExit: 1, noCalls: true, oneLine: true,
			wantErr: []string{"redis-server is not installed", "install -y --no-install-recommends redis-server`"},
		},
		{
			name: "everything present: nothing runs", uid: "0", apt: "installs", present: []string{"redis-server", "chromium"},
			noCalls: true,
		},
		{
			name: "apt-get fails: its output, then the command to run", uid: "0", apt: "fails",
			wantExit: 1, wantCalls: []string{"update"},
			wantErr: []string{"E: Unable to locate package", "installing redis-server chromium failed", "sudo apt-get install -y --no-install-recommends redis-server chromium"},
		},
		{
			name: "the package does not provide the program", uid: "0", apt: "installs nothing",
			wantExit: 1, wantErr: []string{"redis-server is still not on PATH after installing redis-server"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newDepsRun(t, farm, tc.uid)
			r.fakeAptGet(tc.apt == "installs", tc.apt == "fails")
			r.fakeSudo(tc.sudo)
			r.present(tc.present...)
			r.run("tools", "redis-server", "chromium")

			if r.exitCode != tc.wantExit {
				t.Fatalf("exit %d, want %d; output:\n%s", r.exitCode, tc.wantExit, r.stderr)
			}
			calls := r.calls()
			if tc.noCalls && strings.Contains(calls, "apt-get") {
				t.Errorf("apt-get ran:\n%s", calls)
			}
			rest := calls
			for _, want := range tc.wantCalls {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("calls lack %q (in order):\n%s", want, calls)
				}
				rest = rest[i+len(want):]
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("output lacks %q:\n%s", want, r.stderr)
				}
			}
			if tc.oneLine && strings.Contains(r.stderr, "\n") {
				t.Errorf("want one line, got:\n%s", r.stderr)
			}
			if tc.wantExit == 0 && (!r.installed("redis-server") || !r.installed("chromium")) {
				t.Errorf("after success redis-server and chromium must be on PATH")
			}
		})
	}
}

// TestDepsRetriesTheModuleProxy: the Go module proxy sometimes answers 403
// for a version it serves a moment later, so module downloads are retried.
func TestDepsRetriesTheModuleProxy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int
		wantExit int
		wantRuns int
	}{
		{"served at once", 0, 0, 2},
		{"403 twice, then served", 2, 0, 6}, // three attempts for each module
		{"403 every time", 99, 1, 10},       // five attempts for each module
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newDepsRun(t, farm, "0")
			// Fails the first n calls in each module like the proxy does, then
			// succeeds. The two modules download at once, so each counts its own.
			r.script(filepath.Join(r.bin, "go"), `echo "go $* in $(pwd)" >> "$FAKE_LOG"
n=$(grep -c "^go .* in $(pwd)\$" "$FAKE_LOG")
if [ "$n" -le `+strconv.Itoa(tc.failures)+` ]; then
  echo "go: example.com/m@v1.0.0: reading https://proxy.golang.org/example.com/m/@v/v1.0.0.zip: 403 Forbidden" >&2; exit 1
fi`)
			r.run("go")
			if r.exitCode == 0 != (tc.wantExit == 0) {
				t.Fatalf("exit %d, want %d; output:\n%s", r.exitCode, tc.wantExit, r.stderr)
			}
			if got := strings.Count(r.calls(), "go mod download"); got != tc.wantRuns {
				t.Errorf("go mod download ran %d times, want %d:\n%s", got, tc.wantRuns, r.calls())
			}
			if tc.wantExit == 0 && !strings.Contains(r.calls(), filepath.Join("internal", "tools")) {
				t.Errorf("the tools module's modules were not downloaded:\n%s", r.calls())
			}
			if tc.failures > 0 && !strings.Contains(r.stderr, "retrying") {
				t.Errorf("a retry is not announced:\n%s", r.stderr)
			}
		})
	}
}

func TestDepsRunsNpmCIFromTheLockfile(t *testing.T) {
	r := newDepsRun(t, farm, "0")
	r.script(filepath.Join(r.bin, "npm"), `echo "npm $*" >> "$FAKE_LOG"`)
	r.run("npm", "frontend", "internal/devservers/node")
	if r.exitCode != 0 {
		t.Fatalf("exit %d:\n%s", r.exitCode, r.stderr)
	}
	for _, dir := range []string{"frontend", "internal/devservers/node"} {
		if want := "npm ci --prefix " + dir + " "; !strings.Contains(r.calls(), want) {
			t.Errorf("calls lack %q:\n%s", want, r.calls())
		}
	}
}

func TestDepsRejectsAnUnknownStep(t *testing.T) {
	r := newDepsRun(t, farm, "0")
	r.run("everything")
	if r.exitCode == 0 || !strings.Contains(r.stderr, "unknown step") {
		t.Fatalf("exit %d, output %q; want a refusal naming the steps", r.exitCode, r.stderr)
	}
}

// farm is a PATH directory holding a link to every program on this
// machine's PATH except the faked ones, so a case runs as if they were not
// installed without uninstalling anything. TestMain makes it.
var farm string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-repocheck-path-")
	if err == nil {
		err = linkPathWithout(dir, faked...)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "repocheck:", err)
		os.Exit(1)
	}
	farm = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func linkPathWithout(farm string, programs ...string) error {
	skip := map[string]bool{}
	for _, p := range programs {
		skip[p] = true
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if skip[name] {
				continue
			}
			link := filepath.Join(farm, name)
			if _, err := os.Lstat(link); err == nil {
				continue // an earlier PATH entry wins, as in a lookup
			}
			target := filepath.Join(dir, name)
			if info, err := os.Stat(target); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
				continue
			}
			if err := os.Symlink(target, link); err != nil {
				return err
			}
		}
	}
	return nil
}
