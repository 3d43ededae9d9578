package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/cookie"
)

// ErrNoSession means the request carries no live session: no cookie, a
// malformed one, an unknown key, or a session past its idle or absolute
// deadline. Callers answer 401 (API) or start a login (navigation).
var ErrNoSession = errors.New("session: no session")

// Manager creates, loads, refreshes and ends sessions. It owns the cookie and
// the sealing of tokens; the Store only ever sees keys and sealed blobs.
// A Manager is safe for concurrent use.
type Manager struct {
	store  Store
	sealer Sealer
	opts   Options
}

// NewSession is what a completed login hands to Create.
type NewSession struct {
	Subject      string
	IdPSessionID string
	// Claims are display claims only (name, email, preferred_username).
	Claims map[string]string
	Groups []string
	Tokens Tokens
	// CertThumbprint binds the session to an mTLS client certificate; empty when not bound.
	CertThumbprint string
}

// preparer is implemented by sealers that fetch their key on first use, so
// the fetch runs under the request's context.
type preparer interface {
	Prepare(ctx context.Context) error
}

// NewManager validates opts (after Defaults) and returns a Manager.
func NewManager(store Store, sealer Sealer, opts Options) (*Manager, error) {
	opts.Defaults()
	err := opts.Validate()
	if store == nil {
		err = errors.Join(err, errors.New("session: store is nil"))
	}
	if sealer == nil {
		err = errors.Join(err, errors.New("session: sealer is nil"))
	}
	if err != nil {
		return nil, err
	}
	return &Manager{store: store, sealer: sealer, opts: opts}, nil
}

// Options returns the effective options.
func (m *Manager) Options() Options { return m.opts }

// Create starts a session: a new id, a record with sealed tokens, and the
// cookie on w.
func (m *Manager) Create(ctx context.Context, w http.ResponseWriter, ns NewSession) (*Session, error) {
	if ns.Subject == "" {
		return nil, errors.New("session: create: subject is empty")
	}
	now := m.now()
	for attempt := 0; ; attempt++ {
		id, err := NewID()
		if err != nil {
			return nil, err
		}
		rec := Record{
			Key:               Key(id),
			Subject:           ns.Subject,
			IdPSessionID:      ns.IdPSessionID,
			Claims:            cloneMap(ns.Claims),
			Groups:            cloneSlice(ns.Groups),
			AccessTokenExpiry: ns.Tokens.Expiry,
			CreatedAt:         now,
			LastSeenAt:        now,
			IdleExpiresAt:     now.Add(m.opts.IdleTimeout),
			AbsoluteExpiresAt: now.Add(m.opts.AbsoluteTimeout),
			CertThumbprint:    ns.CertThumbprint,
		}
		if rec.SealedTokens, err = m.seal(ctx, rec.Key, ns.Tokens); err != nil {
			return nil, err
		}
		err = m.store.Create(ctx, &rec)
		// A collision of 256-bit ids means a broken random source; retry once, then stop.
		if errors.Is(err, ErrConflict) && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("session: create: %w", err)
		}
		m.setCookie(w, id, rec.AbsoluteExpiresAt.Sub(now))
		return &Session{rec: &rec}, nil
	}
}

// Load returns the session named by the request's cookie. It refuses a
// malformed cookie before touching the store, deletes a session past its
// deadlines, and slides the idle deadline at most once per TouchInterval.
//
// Errors: ErrNoSession (wrapped, with the reason) when there is no live
// session; the caller should ClearCookie. ErrUnavailable (wrapped) when the
// store cannot answer; the session is kept and the caller answers 503.
func (m *Manager) Load(ctx context.Context, r *http.Request) (*Session, error) {
	id, found := cookie.Value(r.Header, m.opts.CookieName)
	if !found {
		return nil, fmt.Errorf("%w: no cookie", ErrNoSession)
	}
	if !ValidID(id) {
		return nil, fmt.Errorf("%w: malformed cookie", ErrNoSession)
	}
	return m.load(ctx, Key(id), true)
}

// Reload reads s again from the store, for example after Renew lost
// a race to another instance. It enforces the deadlines but does not touch.
func (m *Manager) Reload(ctx context.Context, s *Session) (*Session, error) {
	return m.load(ctx, s.rec.Key, false)
}

func (m *Manager) load(ctx context.Context, key string, touch bool) (*Session, error) {
	rec, err := m.store.Get(ctx, key)
	switch {
	case errors.Is(err, ErrExpired):
		m.deleteExpired(ctx, key)
		return nil, fmt.Errorf("%w: expired", ErrNoSession)
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: not found", ErrNoSession)
	case err != nil:
		return nil, fmt.Errorf("session: load: %w", err)
	}
	now := m.now()
	if reason := expiredReason(rec, now); reason != "" {
		m.deleteExpired(ctx, key)
		return nil, fmt.Errorf("%w: %s", ErrNoSession, reason)
	}
	if touch && now.Sub(rec.LastSeenAt) >= m.opts.TouchInterval {
		return m.touch(ctx, rec, now)
	}
	return &Session{rec: rec}, nil
}

// deleteExpired removes a record past its deadline so its sealed tokens do
// not linger until the backend evicts it. Failure changes nothing for the
// caller: the session has ended either way, and the store's TTL still applies.
func (m *Manager) deleteExpired(ctx context.Context, key string) {
	_ = m.store.Delete(ctx, key)
}

func expiredReason(rec *Record, now time.Time) string {
	switch {
	case !now.Before(rec.AbsoluteExpiresAt):
		return "absolute timeout"
	case !now.Before(rec.IdleExpiresAt):
		return "idle timeout"
	}
	return ""
}

// touch slides the idle deadline with a conditional write. Losing the race
// to another request is fine: that request slid it.
func (m *Manager) touch(ctx context.Context, rec *Record, now time.Time) (*Session, error) {
	next := *rec
	next.LastSeenAt = now
	next.IdleExpiresAt = minTime(now.Add(m.opts.IdleTimeout), rec.AbsoluteExpiresAt)
	err := m.store.Update(ctx, &next)
	switch {
	case err == nil:
		return &Session{rec: &next}, nil
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: ended concurrently", ErrNoSession)
	case errors.Is(err, ErrConflict):
		if fresh, gerr := m.store.Get(ctx, rec.Key); gerr == nil && expiredReason(fresh, now) == "" {
			return &Session{rec: fresh}, nil
		}
		return &Session{rec: rec}, nil
	default:
		// The read succeeded and the deadlines hold; a failed slide only
		// shortens the idle window, so the request may proceed.
		return &Session{rec: rec}, nil
	}
}

// Renewal is what a token refresh hands to Renew.
type Renewal struct {
	Tokens Tokens
	// Claims, when not nil, replace the display claims, and Groups, when
	// not nil, the groups: the IdP vouched for the user again, and a user
	// removed from a group must lose it at the next refresh, not at the
	// absolute timeout.
	Claims map[string]string
	Groups []string
}

// Renew stores a refresh's outcome with a conditional write. On
// ErrConflict another request or instance wrote first: Reload, and either
// use its tokens or Renew the reloaded session. On success s holds the new
// version.
func (m *Manager) Renew(ctx context.Context, s *Session, r Renewal) error {
	sealed, err := m.seal(ctx, s.rec.Key, r.Tokens)
	if err != nil {
		return err
	}
	next := *s.rec
	next.SealedTokens = sealed
	next.AccessTokenExpiry = r.Tokens.Expiry
	if r.Claims != nil {
		next.Claims = cloneMap(r.Claims)
	}
	if r.Groups != nil {
		next.Groups = cloneSlice(r.Groups)
	}
	if err := m.store.Update(ctx, &next); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("session: renew: %w", errors.Join(ErrNoSession, err))
		}
		return fmt.Errorf("session: renew: %w", err)
	}
	s.rec = &next
	return nil
}

// Destroy deletes the session and expires the cookie. The cookie is expired
// even when the store fails, and the error is returned.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, s *Session) error {
	m.ClearCookie(w)
	return m.End(ctx, s)
}

// End deletes the session's record and leaves the cookie alone, for a
// session that ends where its browser's answer is not being written, such
// as a refresh the IdP refused. Ending a session already gone is no error.
func (m *Manager) End(ctx context.Context, s *Session) error {
	if err := m.store.Delete(ctx, s.rec.Key); err != nil {
		return fmt.Errorf("session: end: %w", err)
	}
	return nil
}

// EndReplaced ends the session r's cookie names, unless it is current: a
// new sign-in in a browser replaces the session it had before. A missing
// or malformed cookie names nothing and is no error.
func (m *Manager) EndReplaced(ctx context.Context, r *http.Request, current *Session) error {
	id, found := cookie.Value(r.Header, m.opts.CookieName)
	if !found || !ValidID(id) {
		return nil
	}
	key := Key(id)
	if current != nil && key == current.rec.Key {
		return nil
	}
	if err := m.store.Delete(ctx, key); err != nil {
		return fmt.Errorf("session: end replaced: %w", err)
	}
	return nil
}

// EndSubject and EndIdPSession delete every session of a user or of an IdP
// session (back-channel logout) and return how many ended.
func (m *Manager) EndSubject(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, errors.New("session: end subject: subject is empty")
	}
	n, err := m.store.DeleteBySubject(ctx, subject)
	if err != nil {
		return n, fmt.Errorf("session: end subject: %w", err)
	}
	return n, nil
}

func (m *Manager) EndIdPSession(ctx context.Context, sid string) (int, error) {
	if sid == "" {
		return 0, errors.New("session: end idp session: sid is empty")
	}
	n, err := m.store.DeleteByIdPSession(ctx, sid)
	if err != nil {
		return n, fmt.Errorf("session: end idp session: %w", err)
	}
	return n, nil
}

// Ping checks the store, for readiness probes.
func (m *Manager) Ping(ctx context.Context) error {
	if err := m.store.Ping(ctx); err != nil {
		return fmt.Errorf("session: ping: %w", err)
	}
	return nil
}

// ClearCookie expires the session cookie in the browser.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, m.cookie("", -1))
}

func (m *Manager) setCookie(w http.ResponseWriter, id string, life time.Duration) {
	http.SetCookie(w, m.cookie(id, int(life/time.Second)))
}

func (m *Manager) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     m.opts.CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   !m.opts.Insecure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

func (m *Manager) seal(ctx context.Context, key string, t Tokens) ([]byte, error) {
	if err := m.prepare(ctx); err != nil {
		return nil, err
	}
	sealed, err := m.sealer.Seal(marshalTokens(t), []byte(key))
	if err != nil {
		return nil, fmt.Errorf("session: seal tokens: %w", err)
	}
	return sealed, nil
}

func (m *Manager) prepare(ctx context.Context) error {
	if p, ok := m.sealer.(preparer); ok {
		if err := p.Prepare(ctx); err != nil {
			// Without the key no session can be read or written; answer 503, keep sessions.
			return fmt.Errorf("session: data key: %w: %w", ErrUnavailable, err)
		}
	}
	return nil
}

func (m *Manager) now() time.Time { return m.opts.Clock().UTC().Truncate(time.Millisecond) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
