package session

import (
	"crypto/subtle"
	"maps"
	"slices"
	"time"
)

// Session is one loaded session. It exposes the record's identity and
// deadlines; tokens come only through Manager.Tokens and Manager.AccessToken.
// A Session belongs to one request and is not safe for concurrent use.
type Session struct {
	// rec is owned by this Session (Store.Get returns a copy) and never
	// modified in place: a change replaces it.
	rec *Record
}

// Record returns a deep copy of the stored record (tokens stay sealed).
// Unlike Record.Clone it copies SealedTokens too: the copy leaves the
// package, where nothing enforces that the blob is never written in place.
func (s *Session) Record() Record {
	r := *s.rec
	r.Claims = cloneMap(s.rec.Claims)
	r.Groups = cloneSlice(s.rec.Groups)
	r.SealedTokens = slices.Clone(s.rec.SealedTokens)
	return r
}

// Key is the store key, Key(cookie id); safe to log as a session reference.
func (s *Session) Key() string                  { return s.rec.Key }
func (s *Session) Subject() string              { return s.rec.Subject }
func (s *Session) IdPSessionID() string         { return s.rec.IdPSessionID }
func (s *Session) Claims() map[string]string    { return cloneMap(s.rec.Claims) }
func (s *Session) Groups() []string             { return cloneSlice(s.rec.Groups) }
func (s *Session) CertThumbprint() string       { return s.rec.CertThumbprint }
func (s *Session) AccessTokenExpiry() time.Time { return s.rec.AccessTokenExpiry }
func (s *Session) CreatedAt() time.Time         { return s.rec.CreatedAt }
func (s *Session) IdleExpiresAt() time.Time     { return s.rec.IdleExpiresAt }
func (s *Session) AbsoluteExpiresAt() time.Time { return s.rec.AbsoluteExpiresAt }
func (s *Session) Version() int64               { return s.rec.Version }

// Claim returns one display claim, or "" when absent, without copying the
// claims as Claims does.
func (s *Session) Claim(name string) string { return s.rec.Claims[name] }

// ExpiresAt is when the session ends unless it is used again.
func (s *Session) ExpiresAt() time.Time { return s.rec.ExpiresAt() }

// InGroup reports whether the user belongs to group.
func (s *Session) InGroup(group string) bool { return slices.Contains(s.rec.Groups, group) }

// BoundTo reports whether the session may be used with the client
// certificate of the given thumbprint: an unbound session accepts none, a
// bound one only its own (compared in constant time).
func (s *Session) BoundTo(thumbprint string) bool {
	if s.rec.CertThumbprint == "" {
		return thumbprint == ""
	}
	return subtle.ConstantTimeCompare([]byte(s.rec.CertThumbprint), []byte(thumbprint)) == 1
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	return maps.Clone(m)
}

func cloneSlice(s []string) []string {
	if s == nil {
		return nil
	}
	return slices.Clone(s)
}
