// Package bfftest runs the whole BFF against real peers for integration
// tests: oidc-provider, redis-server or dynalite, and a recording upstream,
// and drives it with a cookie-jar browser through the real login pages.
package bfftest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Audit collects every log line the BFF writes and every secret the tests
// see (tokens, cookies, client secrets, data keys), so a final scan can prove
// that no secret reached a log.
type Audit struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	secrets map[string]string // value -> label
}

// NewAudit returns an empty audit.
func NewAudit() *Audit { return &Audit{secrets: map[string]string{}} }

// Write receives log output.
func (a *Audit) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logs.Write(p)
}

// Secret registers a value that must never be logged. Short values are
// ignored: they would match by accident.
func (a *Audit) Secret(label, value string) {
	if len(value) < 12 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.secrets[value] = label
}

// SecretBytes registers raw key material in the encodings a log might show.
func (a *Audit) SecretBytes(label string, b []byte) {
	a.Secret(label+" (hex)", hex.EncodeToString(b))
	a.Secret(label+" (base64)", base64.StdEncoding.EncodeToString(b))
	a.Secret(label+" (base64url)", base64.RawURLEncoding.EncodeToString(b))
}

// Lines returns how many log lines were collected.
func (a *Audit) Lines() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return bytes.Count(a.logs.Bytes(), []byte("\n"))
}

// Secrets returns how many secrets are registered.
func (a *Audit) Secrets() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.secrets)
}

// Scan returns one finding per (secret, line) hit.
func (a *Audit) Scan() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var findings []string
	lines := strings.Split(a.logs.String(), "\n")
	for value, label := range a.secrets {
		for i, line := range lines {
			if strings.Contains(line, value) {
				findings = append(findings, fmt.Sprintf("log line %d contains %s: %.200s", i+1, label, line))
			}
		}
	}
	sort.Strings(findings)
	return findings
}

// Logs returns the collected log output, for failure messages.
func (a *Audit) Logs() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logs.String()
}
