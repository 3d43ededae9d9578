package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

func retrieveError(status int, code string) error {
	return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code, Body: []byte(`{"error":"` + code + `","refresh_token":"echoed-refresh-token"}`)}
}

func TestTokenEndpointRefusals(t *testing.T) {
	cases := []struct {
		name                         string
		err                          error
		invalidGrant, loginIsRefused bool
		summary                      string
	}{
		{"400 invalid_grant", retrieveError(400, "invalid_grant"), true, true, "status 400 invalid_grant"},
		{"401 invalid_grant", retrieveError(401, "invalid_grant"), true, true, "status 401 invalid_grant"},
		{"403 invalid_grant", retrieveError(403, "invalid_grant"), false, false, "status 403 invalid_grant"},
		{"200 invalid_grant", retrieveError(200, "invalid_grant"), false, false, "status 200 invalid_grant"},
		{"429 invalid_grant", retrieveError(429, "invalid_grant"), false, false, "status 429 invalid_grant"},
		{"400 Invalid_Grant", retrieveError(400, "Invalid_Grant"), false, true, "status 400 Invalid_Grant"},
		{"401 invalid_client", retrieveError(401, "invalid_client"), false, false, "status 401 invalid_client"},
		{"400 invalid_request", retrieveError(400, "invalid_request"), false, true, "status 400 invalid_request"},
		{"403 without a code (WAF)", retrieveError(403, ""), false, false, "status 403"},
		{"400 without a code", retrieveError(400, ""), false, false, "status 400"},
		{"a code with control characters", retrieveError(400, "bad\n\x1b[2Jcode"), false, true, "status 400 bad[2Jcode"},
		{"no response", &oauth2.RetrieveError{}, false, false, "no answer"},
		{"transport error", errors.New("dial tcp: connection refused"), false, false, "dial tcp: connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := refusedAs(tc.err, "invalid_grant"); got != tc.invalidGrant {
				t.Errorf("refusedAs invalid_grant = %v, want %v", got, tc.invalidGrant)
			}
			if got := loginRefused(tc.err); got != tc.loginIsRefused {
				t.Errorf("loginRefused = %v, want %v", got, tc.loginIsRefused)
			}
			if got := tokenErrorSummary(tc.err); got != tc.summary {
				t.Errorf("summary = %q, want %q", got, tc.summary)
			}
		})
	}
}

// rotatingSecret hands out old until reloaded, then new.
type rotatingSecret struct {
	old, new string
	reloads  int
	reloaded bool
}

func (r *rotatingSecret) Secret(context.Context) (string, error) {
	if r.reloaded {
		return r.new, nil
	}
	return r.old, nil
}

func (r *rotatingSecret) Reload(_ context.Context, refused string) (string, error) {
	r.reloads++
	if refused == r.old {
		r.reloaded = true
	}
	return r.Secret(context.Background())
}

func TestWithClientSecretRetriesOnceWithTheReloadedSecret(t *testing.T) {
	cases := []struct {
		name        string
		secret      *rotatingSecret
		accepts     string
		wantCalls   int
		wantReloads int
		wantErr     bool
	}{
		{"accepted at once", &rotatingSecret{old: "s1", new: "s2"}, "s1", 1, 0, false},
		{"rotated: reload and retry", &rotatingSecret{old: "s1", new: "s2"}, "s2", 2, 1, false},
		{"nothing newer: no second call", &rotatingSecret{old: "s1", new: "s1"}, "s3", 1, 1, true},
		{"refused again after the reload", &rotatingSecret{old: "s1", new: "s2"}, "s3", 2, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &Handler{opts: Options{
				IdP:          NewIdP(IdPOptions{Issuer: "https://cognito-idp.us-gov-west-1.amazonaws.com/pool", CognitoDomain: "https://app.auth-fips.us-gov-west-1.amazoncognito.com", ClientID: "client"}),
				ClientSecret: tc.secret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}}
			calls := 0
			err := h.withClientSecret(context.Background(), func(cfg *oauth2.Config) error {
				calls++
				if cfg.ClientSecret != tc.accepts {
					return retrieveError(401, "invalid_client")
				}
				return nil
			})
			if (err != nil) != tc.wantErr || calls != tc.wantCalls || tc.secret.reloads != tc.wantReloads {
				t.Fatalf("err %v after %d calls and %d reloads; want error %v, %d calls, %d reloads", err, calls, tc.secret.reloads, tc.wantErr, tc.wantCalls, tc.wantReloads)
			}
		})
	}
}
