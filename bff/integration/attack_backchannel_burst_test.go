//go:build attack

package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestAttackBackchannelBurstIsRateLimited: the IdP delivers back-channel
// logout tokens from its own few addresses, one POST per ended session, and
// does not retry a refused delivery (oidc-provider and Keycloak do not; the
// specification asks for none). When an administrator disables a group of
// accounts, or a user signs out everywhere, the IdP sends them in one burst.
// The per-address rate limit applies to that path like to any browser call,
// so with the default 20 requests a second (burst 40) the deliveries past
// the burst get 429, and the sessions they name live on until their
// absolute timeout. Every delivery of a genuine logout token must be
// judged: 200 when it verifies.
func TestAttackBackchannelBurstIsRateLimited(t *testing.T) {
	s := bfftest.Start(t, bfftest.Options{Store: "memory", Audit: audit, Env: map[string]string{
		"GATEHOUSE_RATE_LIMIT_PER_IP": "20",
	}})
	victim := loggedIn(t, s, "alice")
	const others = 60 // sessions of other users ended in the same burst
	tokens := make([]string, 0, others+1)
	for i := 0; i < others; i++ {
		tok, err := s.IdP.SignJWT(context.Background(), map[string]any{"typ": "logout+jwt"}, logoutClaims(s, fmt.Sprintf("disabled-user-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	last, err := s.IdP.SignJWT(context.Background(), map[string]any{"typ": "logout+jwt"}, logoutClaims(s, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	tokens = append(tokens, last)

	refused := 0
	var lastStatus int
	for _, tok := range tokens {
		res := postLogoutToken(t, s, s.URL, tok)
		lastStatus = res.Status
		if res.Status != http.StatusOK {
			refused++
		}
	}
	if refused > 0 {
		t.Errorf("%d of %d genuine logout tokens were not accepted (the last one, for alice: %d); a refused delivery is lost", refused, len(tokens), lastStatus)
	}
	if s.RecordExists(victim.SessionCookie()) {
		t.Errorf("alice's session survived the IdP's logout token")
	}
}
