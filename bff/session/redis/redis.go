// Package redis is a session store on Redis (ElastiCache, cluster mode
// disabled): one hash per session holding the version and the encoded
// record, expiring at the record's deadline, plus per-subject and
// per-IdP-session index sets for back-channel logout.
//
// Writes run as Lua scripts, so conditional updates need no WATCH and the
// record and its indexes change together. Those scripts reach several keys,
// so Redis Cluster (sharded) mode is not supported.
package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/gatehouse/gatehouse/bff/session"
)

// Options configure a Store.
type Options struct {
	// KeyPrefix namespaces every key the store writes. Defaults to "gh:sess:".
	KeyPrefix string
	// Clock returns the current time; records past their deadline by this
	// clock are not returned even if Redis has not evicted them yet.
	// Defaults to time.Now.
	Clock func() time.Time
	// CallTimeout bounds each store operation, the client's retries
	// included, so a hung server answers ErrUnavailable instead of holding
	// the request. Defaults to 3s.
	CallTimeout time.Duration
}

// Defaults fills every unset field with its default.
func (o *Options) Defaults() {
	if o.KeyPrefix == "" {
		o.KeyPrefix = "gh:sess:"
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = 3 * time.Second
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var problems []error
	if o.KeyPrefix == "" {
		problems = append(problems, errors.New("key prefix is empty: leave it unset for \"gh:sess:\""))
	}
	if o.Clock == nil {
		problems = append(problems, errors.New("clock is nil: leave it unset for time.Now"))
	}
	if o.CallTimeout < 0 {
		problems = append(problems, errors.New("call timeout is negative: leave it unset for 3s"))
	}
	if len(problems) > 0 {
		return fmt.Errorf("redis: invalid options: %w", errors.Join(problems...))
	}
	return nil
}

// Store is a session.Store on a go-redis client. It is safe for concurrent use.
type Store struct {
	client goredis.UniversalClient
	closer func() error
	opts   Options
}

var _ session.Store = (*Store)(nil)

// New returns a Store on client, which the caller keeps owning. Enable
// ContextTimeoutEnabled on the client so request deadlines bound each call.
func New(client goredis.UniversalClient, opts Options) (*Store, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("redis: client is nil")
	}
	return &Store{client: client, opts: opts}, nil
}

// URLOptions govern Open.
type URLOptions struct {
	Options
	// AllowPlaintext permits redis:// (no TLS) to a host other than loopback.
	// Defaults to false: remote servers need rediss://.
	AllowPlaintext bool
	// RootCAs verify a rediss:// server. Defaults to the system roots
	// (which hold the Amazon roots ElastiCache chains to).
	RootCAs *x509.CertPool
}

// Open connects to a redis:// or rediss:// URL. Plain redis:// is accepted
// for loopback hosts only unless AllowPlaintext is set; rediss:// requires
// TLS 1.2 or later. No network I/O happens until the first call.
func Open(rawURL string, opts URLOptions) (*Store, error) {
	copts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: session store URL: %w", err)
	}
	u, _ := url.Parse(rawURL)
	if u.Scheme == "redis" && !opts.AllowPlaintext && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("redis: session store URL %s://%s is unencrypted: use rediss:// (ElastiCache in-transit encryption)", u.Scheme, u.Host)
	}
	if copts.TLSConfig != nil {
		copts.TLSConfig.MinVersion = tls.VersionTLS12
		copts.TLSConfig.RootCAs = opts.RootCAs
	}
	copts.ContextTimeoutEnabled = true
	copts.DisableIdentity = true
	client := goredis.NewClient(copts)
	s, err := New(client, opts.Options)
	if err != nil {
		client.Close()
		return nil, err
	}
	s.closer = client.Close
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Close closes the client when Open created it.
func (s *Store) Close() error {
	if s.closer != nil {
		return s.closer()
	}
	return nil
}

func (s *Store) recordKey(key string) string  { return s.opts.KeyPrefix + "s:" + key }
func (s *Store) subjectKey(sub string) string { return s.opts.KeyPrefix + "u:" + sub }
func (s *Store) sidKey(sid string) string     { return s.opts.KeyPrefix + "i:" + sid }
func (s *Store) leaseKey(key string) string   { return s.opts.KeyPrefix + "l:" + key }

func (s *Store) writeKeys(r *session.Record) []string {
	keys := []string{s.recordKey(r.Key), s.subjectKey(r.Subject)}
	if r.IdPSessionID != "" {
		keys = append(keys, s.sidKey(r.IdPSessionID))
	}
	return keys
}

// Get reads the record in one round trip.
func (s *Store) Get(ctx context.Context, key string) (*session.Record, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	vals, err := s.client.HMGet(ctx, s.recordKey(key), "v", "r").Result()
	if err != nil {
		return nil, unavailable("get", err)
	}
	version, vok := vals[0].(string)
	data, dok := vals[1].(string)
	if !vok || !dok {
		return nil, session.ErrNotFound
	}
	r, err := session.UnmarshalRecord([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("redis: get: %w", err)
	}
	if r.Version, err = strconv.ParseInt(version, 10, 64); err != nil {
		return nil, fmt.Errorf("redis: get: bad version %q: %w", version, session.ErrBadEncoding)
	}
	if !s.opts.Clock().Before(r.ExpiresAt()) {
		return nil, session.ErrExpired
	}
	return r, nil
}

func (s *Store) Create(ctx context.Context, r *session.Record) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if r.Key == "" || r.Subject == "" {
		return errors.New("redis: create: record key and subject are required")
	}
	n, err := createScript.Run(ctx, s.client, s.writeKeys(r),
		session.MarshalRecord(r), r.ExpiresAt().UnixMilli(), r.Key).Int64()
	if err != nil {
		return unavailable("create", err)
	}
	if n == 0 {
		return fmt.Errorf("redis: create: %w", session.ErrConflict)
	}
	r.Version = 1
	return nil
}

func (s *Store) Update(ctx context.Context, r *session.Record) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if r.Key == "" || r.Subject == "" {
		return errors.New("redis: update: record key and subject are required")
	}
	if !s.opts.Clock().Before(r.ExpiresAt()) {
		// Writing a past deadline would evict the record; to callers it is already gone.
		if _, err := s.Get(ctx, r.Key); err != nil && !errors.Is(err, session.ErrNotFound) {
			return err
		}
		return fmt.Errorf("redis: update: %w", session.ErrNotFound)
	}
	n, err := updateScript.Run(ctx, s.client, s.writeKeys(r),
		session.MarshalRecord(r), r.ExpiresAt().UnixMilli(), r.Key, strconv.FormatInt(r.Version, 10)).Int64()
	if err != nil {
		return unavailable("update", err)
	}
	switch {
	case n == -1:
		return fmt.Errorf("redis: update: %w", session.ErrNotFound)
	case n == 0:
		return fmt.Errorf("redis: update: %w", session.ErrConflict)
	}
	r.Version = n
	return nil
}

func (s *Store) Delete(ctx context.Context, key string) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	if err := s.client.Del(ctx, s.recordKey(key)).Err(); err != nil {
		return unavailable("delete", err)
	}
	return nil
}

func (s *Store) DeleteBySubject(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, nil
	}
	return s.deleteIndexed(ctx, s.subjectKey(subject))
}

func (s *Store) DeleteByIdPSession(ctx context.Context, sid string) (int, error) {
	if sid == "" {
		return 0, nil
	}
	return s.deleteIndexed(ctx, s.sidKey(sid))
}

func (s *Store) deleteIndexed(ctx context.Context, index string) (int, error) {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	n, err := deleteIndexedScript.Run(ctx, s.client, []string{index}, s.opts.KeyPrefix+"s:").Int64()
	if err != nil {
		return 0, unavailable("delete indexed", err)
	}
	return int(n), nil
}

func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	return unavailable("ping", s.client.Ping(ctx).Err())
}

// Lease is SET NX PX: Redis itself expires the lease, so an expired lease
// is simply absent and taking it is the same atomic SET NX as taking a
// new one. The holder's token guards the release (releaseLeaseScript).
func (s *Store) Lease(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	token, err := session.NewLeaseToken(key, ttl)
	if err != nil {
		return nil, err
	}
	bctx, cancel := s.bounded(ctx)
	defer cancel()
	lk := s.leaseKey(key)
	taken, err := s.client.SetNX(bctx, lk, token, ttl).Result()
	if err != nil {
		return nil, unavailable("lease", err)
	}
	if !taken {
		return nil, fmt.Errorf("redis: lease: %w", session.ErrLeaseHeld)
	}
	return func(ctx context.Context) error {
		ctx, cancel := s.bounded(ctx)
		defer cancel()
		return unavailable("release lease", releaseLeaseScript.Run(ctx, s.client, []string{lk}, token).Err())
	}, nil
}

// bounded gives one store operation its deadline. The client's own read
// timeout is not enough: it retries a timed-out command, several times over.
func (s *Store) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.CallTimeout)
}

// unavailable marks a backend failure so callers keep the session and answer 503.
func unavailable(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redis: %s: %w: %w", op, session.ErrUnavailable, err)
}
