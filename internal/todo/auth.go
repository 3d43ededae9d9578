package todo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var (
	// ErrInvalidToken means the bearer token is missing, malformed, expired,
	// not signed by the issuer, or not an access token for this API.
	ErrInvalidToken = errors.New("todo: invalid access token")
	// ErrIssuerUnavailable means the issuer's discovery document could not be
	// fetched, so no token can be checked yet.
	ErrIssuerUnavailable = errors.New("todo: token issuer unavailable")
)

// Principal is the caller, as the verified access token names them.
type Principal struct {
	Subject string
	// Name is the best display name the token carries, falling back to the subject.
	Name   string
	Groups []string
}

// TokenVerifier turns a raw bearer token into the caller it was issued to.
type TokenVerifier interface {
	Verify(ctx context.Context, rawToken string) (Principal, error)
}

// VerifierOptions configure an OIDCVerifier.
type VerifierOptions struct {
	// Issuer is the exact `iss` expected (TODO_ISSUER); its discovery document
	// gives the JWKS URL.
	Issuer string
	// Audience is the BFF's client id (TODO_AUDIENCE). A token is accepted
	// when its `aud` contains it or, as in Cognito access tokens, which carry
	// no `aud`, when its `client_id` equals it.
	Audience string
	// HTTPClient fetches discovery and keys. Defaults to a client with a 10s timeout.
	HTTPClient *http.Client
	// Now is the clock for expiry checks. Defaults to time.Now.
	Now func() time.Time
}

// Defaults fills unset optional fields.
func (o *VerifierOptions) Defaults() {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Validate reports every missing or malformed field at once.
func (o *VerifierOptions) Validate() error {
	var errs []error
	if o.Issuer == "" {
		errs = append(errs, errors.New("issuer is required: set TODO_ISSUER to the OIDC issuer URL"))
	} else if !strings.HasPrefix(o.Issuer, "https://") && !strings.HasPrefix(o.Issuer, "http://") {
		errs = append(errs, fmt.Errorf("issuer %q must be an http(s) URL", o.Issuer))
	}
	if o.Audience == "" {
		errs = append(errs, errors.New("audience is required: set TODO_AUDIENCE to the BFF's OIDC client id"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("todo: verifier options: %w", errors.Join(errs...))
	}
	return nil
}

// OIDCVerifier checks JWT access tokens against an OIDC issuer: signature by
// the issuer's JWKS, `iss`, `exp`/`nbf`, audience or client id, and that the
// token is an access token, not an ID token replayed as one.
//
// Discovery happens on first use, not at start, so a cold start makes no
// network call and a briefly unreachable issuer heals on the next request.
type OIDCVerifier struct {
	opts     VerifierOptions
	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

// NewOIDCVerifier validates opts and returns a verifier.
func NewOIDCVerifier(opts VerifierOptions) (*OIDCVerifier, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return &OIDCVerifier{opts: opts}, nil
}

func (v *OIDCVerifier) idTokenVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, nil
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, v.opts.HTTPClient), v.opts.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIssuerUnavailable, err)
	}
	// The key set outlives this request, so it gets a context of its own.
	keysCtx := oidc.ClientContext(context.Background(), v.opts.HTTPClient)
	v.verifier = provider.VerifierContext(keysCtx, &oidc.Config{
		// The audience rule differs from an ID token's (client_id may stand in
		// for aud), so it is checked below.
		SkipClientIDCheck: true,
		Now:               v.opts.Now,
	})
	return v.verifier, nil
}

type accessClaims struct {
	Subject           string          `json:"sub"`
	Audience          json.RawMessage `json:"aud"`
	ClientID          string          `json:"client_id"`
	TokenUse          string          `json:"token_use"`
	Name              string          `json:"name"`
	PreferredUsername string          `json:"preferred_username"`
	Username          string          `json:"username"`
	Email             string          `json:"email"`
	Groups            []string        `json:"groups"`
	CognitoGroups     []string        `json:"cognito:groups"`
}

func (c accessClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Audience, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(c.Audience, &many)
	return many
}

// Verify implements TokenVerifier.
func (v *OIDCVerifier) Verify(ctx context.Context, rawToken string) (Principal, error) {
	verifier, err := v.idTokenVerifier(ctx)
	if err != nil {
		return Principal{}, err
	}
	token, err := verifier.Verify(ctx, rawToken)
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	var claims accessClaims
	if err := token.Claims(&claims); err != nil {
		return Principal{}, fmt.Errorf("%w: claims: %w", ErrInvalidToken, err)
	}
	if err := checkAccessToken(rawToken, claims); err != nil {
		return Principal{}, err
	}
	if !slices.Contains(claims.audiences(), v.opts.Audience) && claims.ClientID != v.opts.Audience {
		return Principal{}, fmt.Errorf("%w: token is for another audience", ErrInvalidToken)
	}
	if claims.Subject == "" {
		return Principal{}, fmt.Errorf("%w: token has no subject", ErrInvalidToken)
	}
	return Principal{
		Subject: claims.Subject,
		Name:    firstNonEmpty(claims.Name, claims.PreferredUsername, claims.Username, claims.Email, claims.Subject),
		Groups:  append(claims.CognitoGroups, claims.Groups...),
	}, nil
}

// checkAccessToken refuses ID tokens: their `aud` is the same client id, so
// the audience check alone would let one through. Cognito marks its tokens
// with `token_use`; other issuers type access tokens `at+jwt` (RFC 9068).
func checkAccessToken(rawToken string, claims accessClaims) error {
	if claims.TokenUse != "" {
		if claims.TokenUse != "access" {
			return fmt.Errorf("%w: token_use is %q, want access", ErrInvalidToken, claims.TokenUse)
		}
		return nil
	}
	header, _, _ := strings.Cut(rawToken, ".")
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return fmt.Errorf("%w: header: %w", ErrInvalidToken, err)
	}
	var h struct {
		Type string `json:"typ"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("%w: header: %w", ErrInvalidToken, err)
	}
	typ := strings.TrimPrefix(strings.ToLower(h.Type), "application/")
	if typ != "at+jwt" {
		return fmt.Errorf("%w: token type %q is not an access token (want at+jwt)", ErrInvalidToken, h.Type)
	}
	return nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
