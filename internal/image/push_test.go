package image

import (
	"archive/tar"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/gatehouse/gatehouse/internal/artifacts"
	"github.com/gatehouse/gatehouse/internal/devservers"
	"github.com/gatehouse/gatehouse/internal/pkitest"
)

// bffPackage is the program the image test runs from the unpacked image.
const bffPackage = "./bff/cmd/bff"

// taskEnv is what the task definition (and Fargate) add to the image's
// environment in regional mode. Nothing here is contacted before a login: the BFF makes no
// network calls at start-up, and /healthz and the SPA need neither the IdP,
// DynamoDB nor KMS.
var taskEnv = []string{
	"GATEHOUSE_PUBLIC_URL=https://app.example.gov",
	"GATEHOUSE_OIDC_ISSUER=https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_TEST",
	"GATEHOUSE_OIDC_CLIENT_ID=test-client",
	"GATEHOUSE_OIDC_CLIENT_SECRET=test-secret",
	"GATEHOUSE_SESSION_STORE=dynamodb",
	"GATEHOUSE_SESSION_TABLE=sessions",
	"GATEHOUSE_DATA_KEY_CIPHERTEXT=" + base64.StdEncoding.EncodeToString([]byte("kms ciphertext, decrypted on first use")),
	"AWS_REGION=us-gov-west-1",
	// Fargate points the SDK at its credential endpoint; nothing here asks it
	// for credentials before a login, so a loopback address that never
	// answers stands in for it.
	"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/v2/credentials",
}

func moduleDir(t *testing.T) string {
	t.Helper()
	dir, err := artifacts.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPushPullRun is the end-to-end check of the image: built twice to the
// same digest, pushed to a real (in-process) OCI registry, pulled back by
// digest, unpacked, and the binary from it serves /healthz and the SPA.
// The binary is built for the host architecture because the arm64 build
// cannot run on this machine; everything else is the production path.
func TestPushPullRun(t *testing.T) {
	ctx := context.Background()
	work := t.TempDir()
	bin := filepath.Join(work, "bff")
	if err := BuildBinary(ctx, BinaryOptions{ModuleDir: moduleDir(t), Package: bffPackage, Arch: runtime.GOARCH, Out: bin}); err != nil {
		t.Fatal(err)
	}
	// The real SPA, built by the same step `pulumi up` uses.
	spa, err := artifacts.EnsureSPA(ctx, artifacts.SPABuild{Dir: filepath.Join(moduleDir(t), "frontend")})
	if err != nil {
		t.Fatal(err)
	}
	indexHTML, asset, assetBody := spaFiles(t, spa)
	opts := Options{BinaryFile: bin, SPADir: spa, Arch: runtime.GOARCH}

	first, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Digest != second.Digest {
		t.Fatalf("two builds differ: %s vs %s", first.Digest, second.Digest)
	}

	srv := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	t.Cleanup(srv.Close)
	repository := strings.TrimPrefix(srv.URL, "http://") + "/gatehouse/bff"

	for attempt := range 2 { // the second push finds the tag and uploads nothing
		pinned, err := Push(ctx, first, repository, PushOptions{Insecure: true})
		if err != nil {
			t.Fatalf("push %d: %v", attempt, err)
		}
		if want := repository + "@" + first.Digest.String(); pinned != want {
			t.Fatalf("pinned = %s, want %s", pinned, want)
		}
	}

	ref, err := name.ParseReference(PinnedRef(repository, first.Digest), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref, remote.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := pulled.Digest(); d != first.Digest {
		t.Fatalf("pulled digest %s, want %s", d, first.Digest)
	}
	tagged, err := remote.Head(mustTag(t, repository+":"+Tag(first.Digest)))
	if err != nil || tagged.Digest != first.Digest {
		t.Fatalf("tag %s: %v %v", Tag(first.Digest), tagged, err)
	}

	root := filepath.Join(work, "rootfs")
	if err := unpack(pulled, root); err != nil {
		t.Fatal(err)
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	clientCert := pkitest.ALBEncode(pkitest.SelfSigned(t, "DOE.JANE.1234567890", false)) // the verified leaf, as the ALB passes it
	runs := []struct {
		mtls     string
		requests []imageRequest
	}{
		{mtls: "off", requests: []imageRequest{
			{path: "/healthz", status: http.StatusOK},
			{path: "/", accept: "text/html", status: http.StatusOK, body: indexHTML},
			{path: asset, status: http.StatusOK, body: assetBody},
		}},
		{mtls: "verify", requests: []imageRequest{
			{path: "/healthz", status: http.StatusOK}, // the ALB health check has no certificate
			{path: "/", accept: "text/html", status: http.StatusForbidden},
			{path: "/", accept: "text/html", cert: clientCert, status: http.StatusOK, body: indexHTML},
		}},
	}
	for _, run := range runs {
		t.Run("mtls "+run.mtls, func(t *testing.T) {
			port, err := devservers.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			addr := devservers.LoopbackAddr(port)
			env := append(rebaseEnv(cfg.Config.Env, root, addr), taskEnv...)
			proc, err := devservers.Start(ctx, devservers.Spec{
				Name:  "bff from image",
				Path:  filepath.Join(root, strings.TrimPrefix(cfg.Config.Entrypoint[0], "/")),
				Env:   append(env, "GATEHOUSE_MTLS="+run.mtls),
				Dir:   root,
				Ready: devservers.DialReady(addr),
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(proc.Stop)
			for _, req := range run.requests {
				req.check(t, ctx, addr, proc)
			}
		})
	}
}

type imageRequest struct {
	path, accept, cert string
	status             int
	body               string
}

func (tc imageRequest) check(t *testing.T, ctx context.Context, addr string, proc *devservers.Process) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+tc.path, nil)
	if tc.accept != "" {
		req.Header.Set("Accept", tc.accept)
	}
	if tc.cert != "" {
		req.Header.Set("X-Amzn-Mtls-Clientcert-Leaf", tc.cert)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != tc.status {
		t.Fatalf("GET %s (cert %v): status %d, want %d: %s\n%s", tc.path, tc.cert != "", resp.StatusCode, tc.status, body, proc.Output())
	}
	if tc.body != "" && string(body) != tc.body {
		t.Fatalf("GET %s: body %q, want %q", tc.path, body, tc.body)
	}
}

// rebaseEnv takes the image's environment and points its absolute paths into
// the unpacked root, as the container runtime would by chroot.
func rebaseEnv(env []string, root, addr string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GATEHOUSE_SPA_DIR", "SSL_CERT_FILE":
			v = filepath.Join(root, v)
		case "GATEHOUSE_LISTEN_ADDR":
			v = addr
		}
		out = append(out, k+"="+v)
	}
	return out
}

// unpack writes the flattened filesystem of img under root, refusing any
// entry that would land outside it.
func unpack(img v1.Image, root string) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(root, filepath.FromSlash(hdr.Name))
		if !strings.HasPrefix(target, filepath.Clean(root)+string(os.PathSeparator)) {
			return fmt.Errorf("entry %q escapes the root", hdr.Name)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(hdr.Mode).Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %q has unexpected type %c", hdr.Name, hdr.Typeflag)
		}
	}
}

// spaFiles returns the built SPA's index.html and one of its hashed assets
// (URL path and content).
func spaFiles(t *testing.T, spa string) (index, assetPath, asset string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(spa, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(spa, "assets"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("the built SPA has no assets: %v", err)
	}
	a, err := os.ReadFile(filepath.Join(spa, "assets", entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), "/assets/" + entries[0].Name(), string(a)
}

func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
