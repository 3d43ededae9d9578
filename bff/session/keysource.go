package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KeySource yields the 32-byte data key that seals session tokens.
type KeySource interface {
	DataKey(ctx context.Context) ([]byte, error)
}

// FileKeySource reads the data key from a local file holding exactly 32 raw
// bytes, readable by its owner only. For local development; the cloud uses
// KMSKeySource. Create one with:
//
//	head -c 32 /dev/urandom > session.key && chmod 600 session.key
type FileKeySource struct {
	Path string
}

// DataKey reads and checks the key file on every call; a LazySealer reads
// it once.
func (f FileKeySource) DataKey(context.Context) ([]byte, error) {
	info, err := os.Stat(f.Path)
	if err != nil {
		return nil, fmt.Errorf("session: data key file: %w", err)
	}
	var problems []error
	if !info.Mode().IsRegular() {
		problems = append(problems, fmt.Errorf("%s is not a regular file", f.Path))
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		problems = append(problems, fmt.Errorf("%s has mode %#o, readable beyond its owner: run `chmod 600 %s`", f.Path, perm, f.Path))
	}
	if info.Size() != KeySize {
		problems = append(problems, fmt.Errorf("%s holds %d bytes, want exactly %d raw bytes: create it with `head -c %d /dev/urandom > %s`", f.Path, info.Size(), KeySize, KeySize, f.Path))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("session: data key file: %w", errors.Join(problems...))
	}
	key, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("session: data key file: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("session: data key file: %s changed while being read", f.Path)
	}
	return key, nil
}

// Decrypter is the one KMS call a KMSKeySource makes; *kms.Client satisfies it.
type Decrypter interface {
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMSKeySource decrypts a KMS-encrypted data key once, on first use, and
// caches the plaintext. A failed call is not cached, so the next request
// retries. No network call happens before the first DataKey.
type KMSKeySource struct {
	client     Decrypter
	ciphertext []byte
	keyID      string
	encContext map[string]string

	mu  sync.Mutex
	key []byte
}

// KMSKeySourceOptions name the key and context the ciphertext was made with.
type KMSKeySourceOptions struct {
	// KeyID pins the KMS key expected to decrypt the ciphertext, so a blob
	// made under another key is refused. Defaults to "" (KMS infers it).
	KeyID string
	// EncryptionContext must match the one used at encryption. Defaults to none.
	EncryptionContext map[string]string
}

// NewKMSKeySource checks that ciphertextB64 is base64 (standard encoding, as
// the KMS CLI prints it) without calling KMS.
func NewKMSKeySource(client Decrypter, ciphertextB64 string, opts KMSKeySourceOptions) (*KMSKeySource, error) {
	var problems []error
	if client == nil {
		problems = append(problems, errors.New("KMS client is nil"))
	}
	ct, err := base64.StdEncoding.DecodeString(ciphertextB64)
	switch {
	case ciphertextB64 == "":
		problems = append(problems, errors.New("data key ciphertext is empty: set it to the base64 CiphertextBlob of `aws kms generate-data-key --key-spec AES_256`"))
	case err != nil:
		problems = append(problems, fmt.Errorf("data key ciphertext is not standard base64: %w", err))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("session: kms key source: %w", errors.Join(problems...))
	}
	return NewKMSKeySourceBlob(client, ct, opts)
}

// NewKMSKeySourceBlob is NewKMSKeySource for an already decoded CiphertextBlob.
func NewKMSKeySourceBlob(client Decrypter, ciphertext []byte, opts KMSKeySourceOptions) (*KMSKeySource, error) {
	var problems []error
	if client == nil {
		problems = append(problems, errors.New("KMS client is nil"))
	}
	if len(ciphertext) == 0 {
		problems = append(problems, errors.New("data key ciphertext is empty: set it to the CiphertextBlob of `aws kms generate-data-key --key-spec AES_256`"))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("session: kms key source: %w", errors.Join(problems...))
	}
	return &KMSKeySource{client: client, ciphertext: bytes.Clone(ciphertext), keyID: opts.KeyID, encContext: opts.EncryptionContext}, nil
}

// DataKey returns the cached plaintext key, decrypting it on the first call.
func (k *KMSKeySource) DataKey(ctx context.Context) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key != nil {
		return k.key, nil
	}
	in := &kms.DecryptInput{CiphertextBlob: k.ciphertext, EncryptionContext: k.encContext}
	if k.keyID != "" {
		in.KeyId = &k.keyID
	}
	out, err := k.client.Decrypt(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("session: kms decrypt data key: %w", err)
	}
	if len(out.Plaintext) != KeySize {
		return nil, fmt.Errorf("session: kms decrypt data key: plaintext is %d bytes, want %d (generate it with --key-spec AES_256)", len(out.Plaintext), KeySize)
	}
	k.key = out.Plaintext
	return k.key, nil
}

// LazySealer is an AEADSealer for one purpose whose data keys come from
// KeySources, fetched on first use under the caller's context (the Manager
// prepares it per request). Sealers of several purposes may share the
// sources; KMSKeySource decrypts once for all of them.
type LazySealer struct {
	purpose  Purpose
	current  KeySource
	previous []KeySource

	mu sync.Mutex // held while fetching keys
	// sealer is read without the lock: every request opens tokens, and a
	// shared mutex there is contended for nothing once the keys are in.
	sealer atomic.Pointer[AEADSealer]
}

// NewLazySealer returns a sealer for purpose that seals under the key
// derived from current's data key and also opens blobs sealed under the
// keys derived from any previous one.
func NewLazySealer(purpose Purpose, current KeySource, previous ...KeySource) *LazySealer {
	return &LazySealer{purpose: purpose, current: current, previous: previous}
}

// Prepare fetches the keys once; a failure is retried on the next call.
func (l *LazySealer) Prepare(ctx context.Context) error {
	_, err := l.get(ctx)
	return err
}

func (l *LazySealer) get(ctx context.Context) (*AEADSealer, error) {
	if s := l.sealer.Load(); s != nil {
		return s, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.sealer.Load(); s != nil {
		return s, nil
	}
	cur, err := l.current.DataKey(ctx)
	if err != nil {
		return nil, err
	}
	prev := make([][]byte, 0, len(l.previous))
	for _, src := range l.previous {
		k, err := src.DataKey(ctx)
		if err != nil {
			return nil, err
		}
		prev = append(prev, k)
	}
	s, err := NewSealer(l.purpose, cur, prev...)
	if err != nil {
		return nil, err
	}
	l.sealer.Store(s)
	return s, nil
}

// Seal prepares with a background context when the caller has not.
func (l *LazySealer) Seal(plaintext, aad []byte) ([]byte, error) {
	s, err := l.get(context.Background())
	if err != nil {
		return nil, err
	}
	return s.Seal(plaintext, aad)
}

// Open prepares with a background context when the caller has not.
func (l *LazySealer) Open(dst, sealed, aad []byte) ([]byte, error) {
	s, err := l.get(context.Background())
	if err != nil {
		return nil, err
	}
	return s.Open(dst, sealed, aad)
}
