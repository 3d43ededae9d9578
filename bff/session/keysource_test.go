package session_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/gatehouse/gatehouse/bff/session"
)

func TestFileKeySource(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name    string
		path    string
		wantErr []string // every problem must be reported
	}{
		{"32 bytes, 0600", write("good", testKey(1), 0o600), nil},
		{"32 bytes, 0400", write("readonly", testKey(1), 0o400), nil},
		{"group readable", write("group", testKey(1), 0o640), []string{"chmod 600"}},
		{"world readable and short", write("world", testKey(1)[:16], 0o644), []string{"chmod 600", "holds 16 bytes"}},
		{"hex text instead of raw bytes", write("hex", []byte(strings.Repeat("ab", 32)+"\n"), 0o600), []string{"holds 65 bytes"}},
		{"missing", filepath.Join(dir, "nope"), []string{"no such file"}},
		{"a directory", dir, []string{"not a regular file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, err := session.FileKeySource{Path: tc.path}.DataKey(context.Background())
			if tc.wantErr == nil {
				if err != nil || len(key) != session.KeySize {
					t.Fatalf("DataKey = %d bytes, %v", len(key), err)
				}
				return
			}
			if err == nil {
				t.Fatal("DataKey accepted a bad key file")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// fakeKMS stands in for KMS, which has no local emulator here. It checks
// the ciphertext and counts calls.
type fakeKMS struct {
	mu        sync.Mutex
	calls     int
	failFirst bool
	plaintext []byte
	wantBlob  []byte
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.failFirst && f.calls == 1 {
		return nil, errors.New("kms: throttled")
	}
	if string(in.CiphertextBlob) != string(f.wantBlob) {
		return nil, errors.New("kms: InvalidCiphertextException")
	}
	return &kms.DecryptOutput{Plaintext: f.plaintext, KeyId: aws.String("key")}, nil
}

func TestKMSKeySource(t *testing.T) {
	blob := []byte("ciphertext-blob")
	b64 := base64.StdEncoding.EncodeToString(blob)
	cases := []struct {
		name      string
		kms       *fakeKMS
		input     string
		wantNew   bool // NewKMSKeySource fails
		wantErr   bool // first DataKey fails
		wantCalls int  // after three DataKey calls
	}{
		{"decrypts once and caches", &fakeKMS{plaintext: testKey(1), wantBlob: blob}, b64, false, false, 1},
		{"retries after a failure", &fakeKMS{plaintext: testKey(1), wantBlob: blob, failFirst: true}, b64, false, true, 2},
		{"wrong plaintext length is refused every time", &fakeKMS{plaintext: make([]byte, 16), wantBlob: blob}, b64, false, true, 3},
		{"not base64", &fakeKMS{}, "%%%", true, false, 0},
		{"empty", &fakeKMS{}, "", true, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := session.NewKMSKeySource(tc.kms, tc.input, session.KMSKeySourceOptions{})
			if err == nil {
				// The decoded-blob constructor must behave the same.
				raw, _ := base64.StdEncoding.DecodeString(tc.input)
				if _, berr := session.NewKMSKeySourceBlob(tc.kms, raw, session.KMSKeySourceOptions{}); berr != nil {
					t.Fatalf("NewKMSKeySourceBlob: %v", berr)
				}
			}
			if tc.wantNew {
				if err == nil {
					t.Fatal("NewKMSKeySource accepted bad input")
				}
				if tc.kms.calls != 0 {
					t.Fatal("NewKMSKeySource called KMS")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.kms.calls != 0 {
				t.Fatal("KMS was called before first use")
			}
			_, err = src.DataKey(context.Background())
			if (err != nil) != tc.wantErr {
				t.Fatalf("first DataKey err = %v, wantErr %v", err, tc.wantErr)
			}
			src.DataKey(context.Background())
			src.DataKey(context.Background())
			if tc.kms.calls != tc.wantCalls {
				t.Errorf("KMS called %d times, want %d", tc.kms.calls, tc.wantCalls)
			}
		})
	}
}

type failingSource struct{ err error }

func (f failingSource) DataKey(context.Context) ([]byte, error) { return nil, f.err }

type staticSource []byte

func (s staticSource) DataKey(context.Context) ([]byte, error) { return s, nil }

func TestLazySealerRotationAndFailure(t *testing.T) {
	oldSealer, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	sealedOld, _ := oldSealer.Seal([]byte("x"), []byte("aad"))
	lazy := session.NewLazySealer(session.PurposeSessionTokens, staticSource(testKey(2)), staticSource(testKey(1)))
	if got, err := lazy.Open(nil, sealedOld, []byte("aad")); err != nil || string(got) != "x" {
		t.Fatalf("lazy sealer with the previous key: %q, %v", got, err)
	}

	down := session.NewLazySealer(session.PurposeSessionTokens, failingSource{errors.New("kms: unreachable")})
	mgr, err := session.NewManager(newMemStore(t), down, session.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mgr.Create(context.Background(), nopWriter{}, session.NewSession{Subject: "u"})
	if !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Create without a data key: %v, want ErrUnavailable", err)
	}
}

func TestTokensCodec(t *testing.T) {
	cases := []session.Tokens{
		{},
		{AccessToken: "a", RefreshToken: "r", IDToken: "i", Expiry: time.Date(2030, 1, 1, 0, 0, 0, 5, time.UTC)},
		{AccessToken: strings.Repeat("x", 4096)},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := session.UnmarshalTokens(session.MarshalTokens(tc))
			if err != nil || got != tc {
				t.Fatalf("round trip = %v, %v", got, err)
			}
		})
	}
	good := session.MarshalTokens(cases[1])
	for i := range len(good) {
		if _, err := session.UnmarshalTokens(good[:i]); err == nil {
			t.Fatalf("truncation to %d bytes decoded", i)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, session.Tokens{AccessToken: "secret-access"}); strings.Contains(s, "secret-access") {
			t.Errorf("%s prints the access token: %s", verb, s)
		}
	}
}
