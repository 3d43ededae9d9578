package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

func newMemStore(t *testing.T) session.Store {
	t.Helper()
	s, err := memory.New(memory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

type nopWriter struct{}

func (nopWriter) Header() http.Header         { return http.Header{} }
func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (nopWriter) WriteHeader(int)             {}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name    string
		opts    session.Options
		wantErr []string
	}{
		{"defaults", session.Options{}, nil},
		{"insecure local name", session.Options{Insecure: true, CookieName: "gh_session"}, nil},
		{"secure without __Host-", session.Options{CookieName: "gh_session"}, []string{`"__Host-gh_session"`}},
		{"insecure keeps __Host-", session.Options{Insecure: true}, []string{"prefix browsers reject"}},
		{"insecure keeps __Secure-", session.Options{Insecure: true, CookieName: "__Secure-x"}, []string{"prefix browsers reject"}},
		{"invalid name", session.Options{CookieName: "__Host-a b"}, []string{"not a valid cookie name"}},
		{"idle beyond absolute", session.Options{IdleTimeout: 2 * time.Hour, AbsoluteTimeout: time.Hour}, []string{"exceeds absolute"}},
		{"touch not below idle", session.Options{IdleTimeout: time.Minute, TouchInterval: time.Minute}, []string{"shorter than the idle"}},
		{"every problem at once", session.Options{CookieName: "x", IdleTimeout: -1, AbsoluteTimeout: -1, TouchInterval: -1},
			[]string{`"__Host-x"`, "idle timeout -1ns must be positive", "absolute timeout -1ns must be positive", "touch interval -1ns must be positive"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Defaults()
			err := opts.Validate()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted bad options")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestNewManagerReportsEveryProblem(t *testing.T) {
	_, err := session.NewManager(nil, nil, session.Options{CookieName: "plain"})
	for _, want := range []string{"store is nil", "sealer is nil", "__Host-"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewManager error %v does not mention %q", err, want)
		}
	}
}

func TestInsecureCookie(t *testing.T) {
	sealer, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	mgr, err := session.NewManager(newMemStore(t), sealer, session.Options{Insecure: true, CookieName: "gh_session"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := mgr.Create(context.Background(), rec, session.NewSession{Subject: "u"}); err != nil {
		t.Fatal(err)
	}
	c := rec.Result().Cookies()[0]
	if c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Name != "gh_session" {
		t.Errorf("insecure cookie = %+v, want only Secure dropped", c)
	}
}

func newBenchStore(b *testing.B) (session.Store, func()) {
	s, err := memory.New(memory.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, func() { s.Close() }
}
