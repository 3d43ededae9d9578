package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

// A BFF wires one Manager at start-up (no network I/O until the first
// request: a KMS-backed LazySealer decrypts its key then), creates the
// session in the login callback and loads it on every API call.
func Example() {
	store, _ := memory.New(memory.Options{})
	defer store.Close()
	// In the cloud: session.NewLazySealer(session.PurposeSessionTokens, kmsSource),
	// with kmsSource from session.NewKMSKeySource(kms.NewFromConfig(cfg), ciphertext, opts).
	sealer, _ := session.NewSealer(session.PurposeSessionTokens, make([]byte, session.KeySize))
	mgr, err := session.NewManager(store, sealer, session.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The OIDC callback, after verifying the ID token:
	login := httptest.NewRecorder()
	_, err = mgr.Create(context.Background(), login, session.NewSession{
		Subject: "user-1", IdPSessionID: "sid-1", Groups: []string{"staff"},
		Tokens: session.Tokens{AccessToken: "at", RefreshToken: "rt"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// A later API call carrying the cookie:
	api := httptest.NewRequest(http.MethodGet, "/api/todos", nil)
	api.AddCookie(login.Result().Cookies()[0])
	s, err := mgr.Load(context.Background(), api)
	switch {
	case errors.Is(err, session.ErrNoSession):
		fmt.Println("401: sign in again")
	case errors.Is(err, session.ErrUnavailable):
		fmt.Println("503: keep the session, retry")
	case err == nil:
		tokens, _ := mgr.Tokens(context.Background(), s)
		fmt.Println(s.Subject(), s.InGroup("staff"), tokens.AccessToken)
	}
	// Output: user-1 true at
}
