package redis_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/redis"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

func sampleRecord(key string) *session.Record {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &session.Record{
		Key: key, Subject: "user-1", IdPSessionID: "sid-1",
		Claims: map[string]string{"email": "a@example.gov"}, Groups: []string{"staff"},
		SealedTokens: []byte("sealed"), CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(15 * time.Minute), AbsoluteExpiresAt: now.Add(12 * time.Hour),
	}
}

// TestOutageKeepsSessions pauses the real server (SIGSTOP keeps its data)
// and checks that every Manager path reports ErrUnavailable instead of
// ending the session, and that the session is intact once it resumes.
func TestOutageKeepsSessions(t *testing.T) {
	srv := devservers.RedisT(t)
	store, err := redis.New(newClient(t, srv), redis.Options{KeyPrefix: randomPrefix(t)})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, session.KeySize)
	sealer, _ := session.NewSealer(session.PurposeSessionTokens, key)
	// TouchInterval of a millisecond makes every Load attempt a write too.
	mgr, err := session.NewManager(store, sealer, session.Options{TouchInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	created, err := mgr.Create(context.Background(), rec, session.NewSession{Subject: "user-1", IdPSessionID: "sid-1", Tokens: session.Tokens{AccessToken: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	request := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/x", nil)
		r.AddCookie(cookie)
		return r
	}

	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			if err := srv.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(resume)

	bounded := func() context.Context {
		// The bound only keeps the paused call from hanging the test.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	// Only calls whose late execution cannot change the session: a write
	// that times out may still run when the server resumes, as on any network.
	calls := []struct {
		name string
		call func() error
	}{
		{"Load", func() error { _, err := mgr.Load(bounded(), request()); return err }},
		{"Reload", func() error { _, err := mgr.Reload(bounded(), created); return err }},
		{"Create", func() error {
			_, err := mgr.Create(bounded(), httptest.NewRecorder(), session.NewSession{Subject: "user-2"})
			return err
		}},
		{"Ping", func() error { return mgr.Ping(bounded()) }},
	}
	for _, tc := range calls {
		err := tc.call()
		if !errors.Is(err, session.ErrUnavailable) {
			t.Errorf("%s while redis is paused: %v, want ErrUnavailable", tc.name, err)
		}
		if errors.Is(err, session.ErrNoSession) {
			t.Errorf("%s while redis is paused reported the session gone: %v", tc.name, err)
		}
	}

	resume()
	got, err := mgr.Load(context.Background(), request())
	if err != nil {
		t.Fatalf("Load after redis resumed: %v", err)
	}
	tokens, err := mgr.Tokens(context.Background(), got)
	if err != nil || tokens.AccessToken != "a" {
		t.Fatalf("tokens after the outage = %q, %v; want the original", tokens.AccessToken, err)
	}
	if got.Subject() != "user-1" {
		t.Errorf("subject after the outage = %q", got.Subject())
	}
}

// A paused server must not hold a caller that set no deadline: the store's
// CallTimeout ends the call, although the client retries timed-out reads.
func TestCallTimeoutBoundsPausedServer(t *testing.T) {
	srv := devservers.RedisT(t)
	store, err := redis.New(newClient(t, srv), redis.Options{KeyPrefix: randomPrefix(t), CallTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Signal(syscall.SIGCONT) })
	safety, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = store.Get(safety, "key")
	if !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Get while paused = %v, want ErrUnavailable", err)
	}
	if safety.Err() != nil {
		t.Fatal("only the test's safety deadline ended the call")
	}
}

func TestOptionsRefuseNegativeCallTimeout(t *testing.T) {
	srv := devservers.RedisT(t)
	if _, err := redis.New(newClient(t, srv), redis.Options{CallTimeout: -time.Second}); err == nil {
		t.Fatal("a negative CallTimeout was accepted")
	}
}
