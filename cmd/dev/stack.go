package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// todoAudience is the resource the local OpenID Provider issues JWT access
// tokens for; the ToDo API also accepts the BFF's client id in client_id.
const todoAudience = "urn:gatehouse:todo"

// GreetingGroup is the group the local stack requires for /api/greeting.
const GreetingGroup = "staff"

// StackOptions configure the local stack.
type StackOptions struct {
	// Root is the repository checkout. Defaults to the one holding the working directory.
	Root string
	// Host is the host name in the public URL. Defaults to "localhost": the
	// only host for which the BFF relaxes Secure cookies.
	Host string
	// Port is the BFF's port. Defaults to a free port.
	Port int
	// StateDir keeps the data key and built binaries. Defaults to <Root>/.gatehouse.
	StateDir string
	// SPADir receives the SPA build the BFF serves. Defaults to <Root>/frontend/dist.
	SPADir string
	// BFFPackage is the Go package of the BFF binary. Defaults to "./bff/cmd/bff".
	BFFPackage string
	// Log receives progress lines. Defaults to io.Discard.
	Log io.Writer
}

// Defaults fills unset fields.
func (o *StackOptions) Defaults() error {
	if o.Root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("dev: %w", err)
		}
		if o.Root, err = findRepoRoot(wd); err != nil {
			return err
		}
	}
	if o.Host == "" {
		o.Host = "localhost"
	}
	if o.Port == 0 {
		port, err := devservers.FreePort()
		if err != nil {
			return err
		}
		o.Port = port
	}
	if o.StateDir == "" {
		o.StateDir = filepath.Join(o.Root, ".gatehouse")
	}
	if o.SPADir == "" {
		o.SPADir = filepath.Join(o.Root, "frontend", "dist")
	}
	if o.BFFPackage == "" {
		o.BFFPackage = "./bff/cmd/bff"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return nil
}

// Validate reports every problem at once.
func (o *StackOptions) Validate() error {
	var errs []error
	if o.Host != "localhost" && o.Host != "127.0.0.1" {
		errs = append(errs, fmt.Errorf("host %q: the local stack serves plain http, which the BFF accepts only on localhost or 127.0.0.1", o.Host))
	}
	if o.Port < 1 || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not a TCP port", o.Port))
	}
	if len(errs) > 0 {
		return fmt.Errorf("dev: stack options: %w", errors.Join(errs...))
	}
	return nil
}

// Stack is the running local stack: the OpenID Provider, the ToDo API and the BFF.
type Stack struct {
	// URL is the app's origin, e.g. http://localhost:8080.
	URL   string
	Users []devservers.OIDCUser
	IdP   *devservers.OIDCProvider
	Todo  *devservers.Process
	BFF   *devservers.Process
}

// StartStack builds the SPA and the binaries, then starts the three services
// on loopback. On error everything already started is stopped.
func StartStack(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	if err := opts.Defaults(); err != nil {
		return nil, err
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	// Fail before minutes of building, not after.
	probe, err := net.Listen("tcp", devservers.LoopbackAddr(opts.Port))
	if err != nil {
		return nil, fmt.Errorf("dev: port %d is in use (%w): stop what holds it, or pick another port with -port", opts.Port, err)
	}
	probe.Close()
	s := &Stack{URL: fmt.Sprintf("http://%s:%d", opts.Host, opts.Port)}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()

	spaDir, err := buildSPA(ctx, opts.Log, opts.Root, opts.SPADir)
	if err != nil {
		return nil, err
	}
	binDir := filepath.Join(opts.StateDir, "bin")
	bffBin, err := buildBinary(ctx, opts.Log, opts.Root, binDir, opts.BFFPackage)
	if err != nil {
		return nil, err
	}
	todoBin, err := buildBinary(ctx, opts.Log, opts.Root, binDir, "./cmd/todo-api")
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(opts.StateDir, "session.key")
	if err := ensureDataKey(keyFile); err != nil {
		return nil, err
	}
	if err := requireNodeModules(devservers.NodeDir()); err != nil {
		return nil, err
	}

	users, err := demoUsers()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(opts.Log, "dev: starting the OpenID Provider")
	s.IdP, err = devservers.StartOIDCProvider(ctx, devservers.OIDCProviderOptions{
		RedirectURIs:           []string{s.URL + "/auth/callback"},
		PostLogoutRedirectURIs: []string{s.URL + "/"},
		BackchannelLogoutURI:   s.URL + "/auth/backchannel-logout",
		APIAudience:            todoAudience,
		Users:                  users,
	})
	if err != nil {
		return nil, err
	}
	s.Users = s.IdP.Users

	todoPort, err := devservers.FreePort()
	if err != nil {
		return nil, err
	}
	todoAddr := devservers.LoopbackAddr(todoPort)
	fmt.Fprintln(opts.Log, "dev: starting the ToDo API")
	s.Todo, err = devservers.Start(ctx, devservers.Spec{
		Name: "todo-api",
		Path: todoBin,
		Env: cleanEnv(map[string]string{
			"TODO_ISSUER":      s.IdP.Issuer,
			"TODO_AUDIENCE":    s.IdP.ClientID,
			"TODO_STORE":       "memory",
			"TODO_LISTEN_ADDR": todoAddr,
		}),
		Ready: devservers.HTTPReady("http://" + todoAddr + "/healthz"),
	})
	if err != nil {
		return nil, err
	}

	routes, _ := json.Marshal([]map[string]any{
		{"name": "todos", "upstream": "http://" + todoAddr + "/todos", "timeout": "5s", "maxBodyBytes": 16384},
		// Only the staff group may fetch the greeting, so the demo shows
		// the BFF's per-route group check (and the SPA's 403 message).
		{"name": "greeting", "upstream": "http://" + todoAddr + "/greeting", "groups": []string{GreetingGroup}, "timeout": "5s", "maxBodyBytes": 0},
	})
	fmt.Fprintln(opts.Log, "dev: starting the BFF")
	s.BFF, err = devservers.Start(ctx, devservers.Spec{
		Name: "bff",
		Path: bffBin,
		Env: cleanEnv(map[string]string{
			"GATEHOUSE_MODE":               "local",
			"GATEHOUSE_PUBLIC_URL":         s.URL,
			"GATEHOUSE_LISTEN_ADDR":        devservers.LoopbackAddr(opts.Port),
			"GATEHOUSE_OIDC_ISSUER":        s.IdP.Issuer,
			"GATEHOUSE_OIDC_CLIENT_ID":     s.IdP.ClientID,
			"GATEHOUSE_OIDC_CLIENT_SECRET": s.IdP.ClientSecret,
			"GATEHOUSE_SESSION_STORE":      "memory",
			"GATEHOUSE_INSECURE_COOKIES":   "true",
			"GATEHOUSE_DATA_KEY_FILE":      keyFile,
			"GATEHOUSE_ROUTES":             string(routes),
			"GATEHOUSE_SPA_DIR":            spaDir,
		}),
		Ready: devservers.HTTPReady("http://" + devservers.LoopbackAddr(opts.Port) + "/healthz"),
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Stop ends the services in the reverse order of their start.
func (s *Stack) Stop() {
	for _, p := range []*devservers.Process{s.BFF, s.Todo} {
		if p != nil {
			p.Stop()
		}
	}
	if s.IdP != nil {
		s.IdP.Stop()
	}
}

// Processes lists the running children by name, for logs.
func (s *Stack) Processes() []*devservers.Process {
	var out []*devservers.Process
	if s.IdP != nil {
		out = append(out, s.IdP.Process)
	}
	for _, p := range []*devservers.Process{s.Todo, s.BFF} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// demoUsers are the two accounts of the local stack: one in a group, one in
// none. Their passwords are new on every start, short enough to type, from
// an alphabet without look-alike characters (about 78 bits each).
func demoUsers() ([]devservers.OIDCUser, error) {
	alice, err := demoPassword()
	if err != nil {
		return nil, err
	}
	bob, err := demoPassword()
	if err != nil {
		return nil, err
	}
	return []devservers.OIDCUser{
		{Username: "alice", Password: alice, Email: "alice@example.com", Name: "Alice Example", Groups: []string{"staff"}},
		{Username: "bob", Password: bob, Email: "bob@example.com", Name: "Bob Example", Groups: []string{}},
	}, nil
}

func demoPassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 16)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("dev: demo password: %w", err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}

// cleanEnv blanks every Gatehouse, ToDo and Lambda setting inherited from
// the caller's environment, so that a stray variable (a KMS ciphertext, a
// Lambda runtime address) cannot change what the local stack runs, then sets vars.
func cleanEnv(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GATEHOUSE_") || strings.HasPrefix(name, "TODO_") || name == "AWS_LAMBDA_RUNTIME_API" {
			if _, set := vars[name]; !set {
				env = append(env, name+"=")
			}
		}
	}
	for name, value := range vars {
		env = append(env, name+"="+value)
	}
	return env
}
