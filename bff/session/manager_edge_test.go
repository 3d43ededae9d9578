package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// scriptedStore fails chosen operations, to drive the Manager's error paths.
type scriptedStore struct {
	session.Store
	getErr, updateErr error
	deletes           int
}

func (s *scriptedStore) Get(ctx context.Context, key string) (*session.Record, error) {
	if s.getErr != nil {
		return nil, s.getErr
	}
	return s.Store.Get(ctx, key)
}

func (s *scriptedStore) Update(ctx context.Context, r *session.Record) error {
	if s.updateErr != nil {
		return s.updateErr
	}
	return s.Store.Update(ctx, r)
}

func (s *scriptedStore) Delete(ctx context.Context, key string) error {
	s.deletes++
	return s.Store.Delete(ctx, key)
}

func TestLoadStoreFailures(t *testing.T) {
	unavailable := fmt.Errorf("backend: %w: connection refused", session.ErrUnavailable)
	cases := []struct {
		name        string
		getErr      error
		updateErr   error
		wantErr     error // nil: Load succeeds
		wantDeletes int
	}{
		{"store down on read: 503, session kept", unavailable, nil, session.ErrUnavailable, 0},
		{"store down on touch: request proceeds", nil, unavailable, nil, 0},
		{"touch loses a race: not an error", nil, fmt.Errorf("x: %w", session.ErrConflict), nil, 0},
		{"ended while touching", nil, fmt.Errorf("x: %w", session.ErrNotFound), session.ErrNoSession, 0},
		{"store reports expired: record deleted", session.ErrExpired, nil, session.ErrNoSession, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, session.Options{TouchInterval: time.Second})
			_, c := h.login(t)
			scripted := &scriptedStore{Store: h.store, getErr: tc.getErr, updateErr: tc.updateErr}
			sealer, _ := session.NewSealer(session.PurposeSessionTokens, testKey(1))
			mgr, err := session.NewManager(scripted, sealer, session.Options{TouchInterval: time.Second, Clock: h.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(2 * time.Second)
			s, err := mgr.Load(context.Background(), requestWith(c))
			if tc.wantErr == nil {
				if err != nil || s.Subject() != "user-1" {
					t.Fatalf("Load = %v, want the session", err)
				}
			} else if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Load err = %v, want %v", err, tc.wantErr)
			}
			if errors.Is(tc.wantErr, session.ErrUnavailable) && errors.Is(err, session.ErrNoSession) {
				t.Fatalf("an outage was reported as the session ending: %v", err)
			}
			if scripted.deletes != tc.wantDeletes {
				t.Errorf("%d deletes, want %d", scripted.deletes, tc.wantDeletes)
			}
		})
	}
}

func TestExpiredSessionIsDeletedNotJustHidden(t *testing.T) {
	h := newHarness(t, session.Options{})
	_, c := h.login(t)
	h.clock.Advance(16 * time.Minute)
	if _, err := h.mgr.Load(context.Background(), requestWith(c)); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Load = %v, want ErrNoSession", err)
	}
	if h.store.deletes != 1 {
		t.Fatalf("%d deletes of the expired record, want 1", h.store.deletes)
	}
}

func TestIdleSlideStopsAtAbsoluteDeadline(t *testing.T) {
	h := newHarness(t, session.Options{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: time.Hour})
	_, c := h.login(t)
	var s *session.Session
	for range 5 {
		h.clock.Advance(11 * time.Minute)
		var err error
		if s, err = h.mgr.Load(context.Background(), requestWith(c)); err != nil {
			t.Fatal(err)
		}
	}
	if s.IdleExpiresAt().After(s.AbsoluteExpiresAt()) {
		t.Fatalf("idle deadline %v slid past the absolute deadline %v", s.IdleExpiresAt(), s.AbsoluteExpiresAt())
	}
}

func TestTokensAfterKeyRotation(t *testing.T) {
	h := newHarness(t, session.Options{})
	created, _ := h.login(t)
	cases := []struct {
		name    string
		sealer  func() session.Sealer
		wantErr error
	}{
		{"new key with the old one kept", func() session.Sealer {
			s, _ := session.NewSealer(session.PurposeSessionTokens, testKey(9), testKey(1))
			return s
		}, nil},
		{"old key retired", func() session.Sealer { s, _ := session.NewSealer(session.PurposeSessionTokens, testKey(9)); return s }, session.ErrNoSession},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mgr, err := session.NewManager(h.store, tc.sealer(), session.Options{Clock: h.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := mgr.Tokens(context.Background(), created)
			if tc.wantErr == nil {
				if err != nil || tok != sampleTokens {
					t.Fatalf("Tokens = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Tokens err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestSealedTokensCannotMoveBetweenSessions(t *testing.T) {
	h := newHarness(t, session.Options{})
	a, _ := h.login(t)
	b, _ := h.login(t)
	// Graft a's sealed tokens onto b's record, as someone with store write access might.
	rec := b.Record()
	rec.SealedTokens = a.Record().SealedTokens
	if err := h.store.Update(context.Background(), &rec); err != nil {
		t.Fatal(err)
	}
	grafted, err := h.mgr.Reload(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.Tokens(context.Background(), grafted); !errors.Is(err, session.ErrUnsealable) {
		t.Fatalf("Tokens of grafted record: %v, want ErrUnsealable", err)
	}
}

func TestCertificateBinding(t *testing.T) {
	h := newHarness(t, session.Options{})
	bound, err := h.mgr.Create(context.Background(), httptest.NewRecorder(), session.NewSession{Subject: "u", CertThumbprint: "aa11"})
	if err != nil {
		t.Fatal(err)
	}
	unbound, _ := h.login(t)
	cases := []struct {
		name string
		s    *session.Session
		tp   string
		want bool
	}{
		{"bound, same certificate", bound, "aa11", true},
		{"bound, other certificate", bound, "bb22", false},
		{"bound, no certificate", bound, "", false},
		{"unbound, no certificate", unbound, "", true},
		{"unbound, a certificate appears", unbound, "aa11", false},
	}
	for _, tc := range cases {
		if got := tc.s.BoundTo(tc.tp); got != tc.want {
			t.Errorf("%s: BoundTo = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEndByBackChannel(t *testing.T) {
	h := newHarness(t, session.Options{})
	_, c1 := h.login(t)
	_, c2 := h.login(t)
	ctx := context.Background()
	if _, err := h.mgr.EndSubject(ctx, ""); err == nil {
		t.Error("EndSubject accepted an empty subject")
	}
	if _, err := h.mgr.EndIdPSession(ctx, ""); err == nil {
		t.Error("EndIdPSession accepted an empty sid")
	}
	n, err := h.mgr.EndIdPSession(ctx, "sid-1")
	if err != nil || n != 2 {
		t.Fatalf("EndIdPSession = %d, %v; want 2", n, err)
	}
	for _, c := range []*http.Cookie{c1, c2} {
		if _, err := h.mgr.Load(ctx, requestWith(c)); !errors.Is(err, session.ErrNoSession) {
			t.Errorf("Load after back-channel logout: %v", err)
		}
	}
}

func TestConcurrentLoadsOfOneSession(t *testing.T) {
	h := newHarness(t, session.Options{TouchInterval: time.Second})
	_, c := h.login(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%8 == 0 {
				h.clock.Advance(time.Second)
			}
			if _, err := h.mgr.Load(context.Background(), requestWith(c)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Load: %v", err)
	}
}
