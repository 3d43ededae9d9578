package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/memory"
)

// fakeClock is a settable clock shared by the manager and the store.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// countingStore records which calls reach the backend.
type countingStore struct {
	session.Store
	mu      sync.Mutex
	gets    int
	updates int
	deletes int
}

func (c *countingStore) Get(ctx context.Context, key string) (*session.Record, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Store.Get(ctx, key)
}

func (c *countingStore) Update(ctx context.Context, r *session.Record) error {
	c.mu.Lock()
	c.updates++
	c.mu.Unlock()
	return c.Store.Update(ctx, r)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.mu.Lock()
	c.deletes++
	c.mu.Unlock()
	return c.Store.Delete(ctx, key)
}

type harness struct {
	clock *fakeClock
	store *countingStore
	mgr   *session.Manager
}

func newHarness(t *testing.T, opts session.Options) *harness {
	t.Helper()
	clock := &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	mem, err := memory.New(memory.Options{Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	sealer, err := session.NewSealer(session.PurposeSessionTokens, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: mem}
	opts.Clock = clock.Now
	mgr, err := session.NewManager(store, sealer, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{clock: clock, store: store, mgr: mgr}
}

func testKey(b byte) []byte {
	k := make([]byte, session.KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

var sampleTokens = session.Tokens{
	AccessToken:  "access-token",
	RefreshToken: "refresh-token",
	IDToken:      "id-token",
	Expiry:       time.Date(2030, 1, 2, 4, 4, 5, 0, time.UTC),
}

// login creates a session and returns the cookie the browser would send back.
func (h *harness) login(t *testing.T) (*session.Session, *http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	s, err := h.mgr.Create(context.Background(), rec, session.NewSession{
		Subject: "user-1", IdPSessionID: "sid-1",
		Claims: map[string]string{"email": "a@example.gov"}, Groups: []string{"staff"},
		Tokens: sampleTokens,
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Create set %d cookies, want 1", len(cookies))
	}
	return s, cookies[0]
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/x", nil)
	if c != nil {
		r.AddCookie(c)
	}
	return r
}

func TestCreateSetsHardenedCookie(t *testing.T) {
	h := newHarness(t, session.Options{})
	s, c := h.login(t)
	checks := []struct {
		name string
		ok   bool
	}{
		{"name is __Host-gh_session", c.Name == "__Host-gh_session"},
		{"value is a valid id", session.ValidID(c.Value)},
		{"store key is the hash of the id", s.Key() == session.Key(c.Value)},
		{"HttpOnly", c.HttpOnly},
		{"Secure", c.Secure},
		{"SameSite=Strict", c.SameSite == http.SameSiteStrictMode},
		{"Path=/", c.Path == "/"},
		{"no Domain", c.Domain == ""},
		{"Max-Age within the absolute timeout", c.MaxAge > 0 && c.MaxAge <= int((12*time.Hour)/time.Second)},
	}
	for _, tc := range checks {
		if !tc.ok {
			t.Errorf("cookie: want %s; got %+v", tc.name, c)
		}
	}
}

func TestLoadRoundTrip(t *testing.T) {
	h := newHarness(t, session.Options{})
	_, c := h.login(t)
	s, err := h.mgr.Load(context.Background(), requestWith(c))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if s.Subject() != "user-1" || s.IdPSessionID() != "sid-1" || !s.InGroup("staff") || s.Claims()["email"] != "a@example.gov" {
		t.Errorf("loaded session lost fields: %+v", s.Record())
	}
	got, err := h.mgr.Tokens(context.Background(), s)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	if got != sampleTokens {
		t.Errorf("Tokens = %#v, want the created set", got)
	}
}

func TestLoadRefusesBadCookiesBeforeTheStore(t *testing.T) {
	id, _ := session.NewID()
	cases := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"empty", &http.Cookie{Name: "__Host-gh_session", Value: ""}},
		{"short", &http.Cookie{Name: "__Host-gh_session", Value: "abc"}},
		{"bad alphabet", &http.Cookie{Name: "__Host-gh_session", Value: id[:42] + "+"}},
		{"too long", &http.Cookie{Name: "__Host-gh_session", Value: id + "A"}},
		{"other cookie name", &http.Cookie{Name: "gh_session", Value: id}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, session.Options{})
			_, err := h.mgr.Load(context.Background(), requestWith(tc.cookie))
			if !errors.Is(err, session.ErrNoSession) {
				t.Fatalf("Load err = %v, want ErrNoSession", err)
			}
			if h.store.gets != 0 {
				t.Errorf("store was asked %d times for a bad cookie", h.store.gets)
			}
		})
	}
}

func TestDeadlines(t *testing.T) {
	opts := session.Options{IdleTimeout: 15 * time.Minute, AbsoluteTimeout: time.Hour, TouchInterval: time.Minute}
	cases := []struct {
		name    string
		steps   []time.Duration // advance, then Load, for each step
		wantErr bool
	}{
		{"active within idle", []time.Duration{10 * time.Minute, 10 * time.Minute, 10 * time.Minute}, false},
		{"idle timeout", []time.Duration{15 * time.Minute}, true},
		{"absolute timeout despite activity", []time.Duration{14 * time.Minute, 14 * time.Minute, 14 * time.Minute, 14 * time.Minute, 5 * time.Minute}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, opts)
			s0, c := h.login(t)
			var err error
			for _, d := range tc.steps {
				h.clock.Advance(d)
				_, err = h.mgr.Load(context.Background(), requestWith(c))
				if err != nil {
					break
				}
			}
			if tc.wantErr != (err != nil) {
				t.Fatalf("Load err = %v, wantErr %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if !errors.Is(err, session.ErrNoSession) {
					t.Errorf("err = %v, want ErrNoSession", err)
				}
				// The record is gone server-side, not merely ignored.
				if _, gerr := h.store.Store.Get(context.Background(), s0.Key()); !errors.Is(gerr, session.ErrNotFound) {
					t.Errorf("expired record still in store: %v", gerr)
				}
			}
		})
	}
}

func TestTouchWritesAtMostOncePerInterval(t *testing.T) {
	h := newHarness(t, session.Options{TouchInterval: time.Minute})
	_, c := h.login(t)
	for range 5 {
		h.clock.Advance(10 * time.Second)
		if _, err := h.mgr.Load(context.Background(), requestWith(c)); err != nil {
			t.Fatal(err)
		}
	}
	if h.store.updates != 0 {
		t.Fatalf("%d writes within one touch interval, want 0", h.store.updates)
	}
	h.clock.Advance(20 * time.Second)
	s, err := h.mgr.Load(context.Background(), requestWith(c))
	if err != nil {
		t.Fatal(err)
	}
	if h.store.updates != 1 {
		t.Fatalf("%d writes after the interval, want 1", h.store.updates)
	}
	if want := h.clock.Now().Add(15 * time.Minute); !s.IdleExpiresAt().Equal(want) {
		t.Errorf("idle deadline = %v, want %v", s.IdleExpiresAt(), want)
	}
}

func TestRenewConflict(t *testing.T) {
	h := newHarness(t, session.Options{})
	_, c := h.login(t)
	ctx := context.Background()
	a, _ := h.mgr.Load(ctx, requestWith(c))
	b, _ := h.mgr.Load(ctx, requestWith(c))
	refreshed := sampleTokens
	refreshed.AccessToken = "access-2"
	if err := h.mgr.Renew(ctx, a, session.Renewal{Tokens: refreshed}); err != nil {
		t.Fatalf("first Renew: %v", err)
	}
	if err := h.mgr.Renew(ctx, b, session.Renewal{Tokens: sampleTokens}); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("stale Renew err = %v, want ErrConflict", err)
	}
	b, err := h.mgr.Reload(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.mgr.Tokens(ctx, b)
	if err != nil || got.AccessToken != "access-2" {
		t.Fatalf("after reload Tokens = %v, %v; want the winner's tokens", got.AccessToken, err)
	}
}

// TestRenewPrincipal: a renewal that carries claims and groups replaces
// them; one without leaves them as they were.
func TestRenewPrincipal(t *testing.T) {
	cases := []struct {
		name       string
		renewal    session.Renewal
		wantClaims map[string]string
		wantGroups []string
	}{
		{"tokens only", session.Renewal{Tokens: sampleTokens}, map[string]string{"email": "a@example.gov"}, []string{"staff"}},
		{"removed from every group", session.Renewal{Tokens: sampleTokens, Groups: []string{}}, map[string]string{"email": "a@example.gov"}, []string{}},
		{"new claims and groups", session.Renewal{Tokens: sampleTokens, Claims: map[string]string{"email": "b@example.gov", "scope": "openid"}, Groups: []string{"admins"}},
			map[string]string{"email": "b@example.gov", "scope": "openid"}, []string{"admins"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, session.Options{})
			s, _ := h.login(t)
			ctx := context.Background()
			if err := h.mgr.Renew(ctx, s, tc.renewal); err != nil {
				t.Fatal(err)
			}
			for _, got := range []*session.Session{s, mustReload(t, h, s)} {
				if !reflect.DeepEqual(got.Claims(), tc.wantClaims) || !reflect.DeepEqual(got.Groups(), tc.wantGroups) {
					t.Fatalf("claims %v groups %v, want %v %v", got.Claims(), got.Groups(), tc.wantClaims, tc.wantGroups)
				}
			}
		})
	}
}

func mustReload(t *testing.T, h *harness, s *session.Session) *session.Session {
	t.Helper()
	r, err := h.mgr.Reload(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDestroy(t *testing.T) {
	h := newHarness(t, session.Options{})
	s, c := h.login(t)
	rec := httptest.NewRecorder()
	if err := h.mgr.Destroy(context.Background(), rec, s); err != nil {
		t.Fatal(err)
	}
	cleared := rec.Result().Cookies()
	if len(cleared) != 1 || cleared[0].MaxAge >= 0 || cleared[0].Value != "" {
		t.Errorf("Destroy cookie = %+v, want an expired empty cookie", cleared)
	}
	if _, err := h.mgr.Load(context.Background(), requestWith(c)); !errors.Is(err, session.ErrNoSession) {
		t.Errorf("Load after Destroy err = %v, want ErrNoSession", err)
	}
}
