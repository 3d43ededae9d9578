package reliability

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// RefreshSkew is how long before expiry the BFF refreshes an access token.
const RefreshSkew = 60 * time.Second

// LoadOptions shape a load run.
type LoadOptions struct {
	// Users log in concurrently; each has its own session.
	Users int
	// CallsPerUser proxied calls, spread evenly over Rounds.
	CallsPerUser int
	// Rounds: before each, the run waits until every session's access token
	// is due for refresh, so each round holds exactly one expiry per session.
	Rounds int
	// Concurrency is how many calls each user keeps in flight. Defaults to 4.
	Concurrency int
	// AccessTokenTTL is the IdP's TTL; the refresh period is TTL-RefreshSkew.
	AccessTokenTTL time.Duration
	// Logf reports progress. Defaults to discarding it.
	Logf func(format string, args ...any)
}

// Figures are what a load run measured.
type Figures struct {
	Users, Rounds, Requests int
	// LostSessions counts users who were signed out (any 401, or no session
	// at the end).
	LostSessions int
	// BFF5xx counts 5xx answers the BFF wrote itself.
	BFF5xx int
	// OtherFailures are other non-200 answers and transport errors.
	OtherFailures int
	// Expiries is Users × Rounds; Refreshes and RefreshErrors are the IdP's
	// refresh_token grants and refusals during the rounds.
	Expiries, Refreshes, RefreshErrors int
	// TokenChanges is how many new access tokens reached the upstream;
	// SplitRounds counts (user, round) pairs that used more than one token.
	TokenChanges, SplitRounds int
	// LeakedCredentials counts upstream hits carrying a cookie or lacking
	// the bearer token.
	LeakedCredentials int
	LoginTime         time.Duration
	RoundTimes        []time.Duration
	P50, P99, Max     time.Duration
	Elapsed           time.Duration
	Failures          []string
}

// RefreshesPerExpiry is Refreshes / Expiries.
func (f Figures) RefreshesPerExpiry() float64 {
	if f.Expiries == 0 {
		return 0
	}
	return float64(f.Refreshes) / float64(f.Expiries)
}

// Problems lists every broken promise; empty means the run passed.
func (f Figures) Problems() []string {
	var p []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			p = append(p, fmt.Sprintf(format, args...))
		}
	}
	check(f.LostSessions == 0, "%d sessions lost, want 0", f.LostSessions)
	check(f.BFF5xx == 0, "%d 5xx answers from the BFF, want 0", f.BFF5xx)
	check(f.OtherFailures == 0, "%d other failures, want 0 (first: %s)", f.OtherFailures, first(f.Failures))
	check(f.Refreshes == f.Expiries && f.RefreshErrors == 0, "%d refreshes (%d refused) for %d expiries, want exactly one per expiry", f.Refreshes, f.RefreshErrors, f.Expiries)
	check(f.TokenChanges == f.Refreshes, "%d new access tokens reached the upstream for %d refreshes: a refresh was wasted or duplicated", f.TokenChanges, f.Refreshes)
	check(f.SplitRounds == 0, "%d (user, round) pairs used two tokens: a session refreshed twice within one expiry, or a round outlasted the refresh period", f.SplitRounds)
	check(f.LeakedCredentials == 0, "%d upstream calls carried the browser's cookie or lacked the bearer token", f.LeakedCredentials)
	return p
}

func first(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return s[0]
}

// String is the one-paragraph report cmd/load and the tests print.
func (f Figures) String() string {
	rounds := make([]string, len(f.RoundTimes))
	for i, d := range f.RoundTimes {
		rounds[i] = d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("users=%d requests=%d rounds=%d lost_sessions=%d bff_5xx=%d other_failures=%d expiries=%d refreshes=%d refresh_errors=%d refreshes_per_expiry=%.2f token_changes=%d split_rounds=%d leaked_credentials=%d login=%s round_times=[%s] p50=%s p99=%s max=%s elapsed=%s",
		f.Users, f.Requests, f.Rounds, f.LostSessions, f.BFF5xx, f.OtherFailures, f.Expiries, f.Refreshes, f.RefreshErrors, f.RefreshesPerExpiry(),
		f.TokenChanges, f.SplitRounds, f.LeakedCredentials, f.LoginTime.Round(time.Millisecond), strings.Join(rounds, " "),
		f.P50, f.P99, f.Max, f.Elapsed.Round(time.Millisecond))
}

// The local oidc-provider keeps its grants and tokens in its MemoryAdapter,
// an LRU of 1000 records. A login writes about 6 (interaction, session,
// code, grant, access and refresh token) and each refresh 2 more; past the
// budget the IdP forgets refresh tokens and refuses them, and the BFF then
// rightly ends those sessions. At 200 users over 2 rounds it forgot 66.
const (
	idpRecordBudget     = 1000
	idpRecordsPerLogin  = 6
	idpRecordsPerExpiry = 2
)

// CheckIdPCapacity refuses a run the local IdP cannot remember.
func CheckIdPCapacity(users, rounds int) error {
	if need := users * (idpRecordsPerLogin + idpRecordsPerExpiry*rounds); need > idpRecordBudget {
		return fmt.Errorf("reliability: %d users over %d rounds need about %d IdP records, but the local oidc-provider keeps %d in memory and would forget refresh tokens; lower users or rounds (users × (6 + 2 × rounds) ≤ %d)",
			users, rounds, need, idpRecordBudget, idpRecordBudget)
	}
	return nil
}

// RunLoad signs in o.Users users on h and drives their proxied calls
// through o.Rounds access-token expiries.
func RunLoad(ctx context.Context, h *Harness, o LoadOptions) (Figures, error) {
	if o.Users < 1 || o.Rounds < 1 || o.CallsPerUser < o.Rounds || o.Users > h.opts.Users {
		return Figures{}, fmt.Errorf("reliability: load needs 1 ≤ users ≤ %d, rounds ≥ 1 and calls ≥ rounds", h.opts.Users)
	}
	if err := CheckIdPCapacity(o.Users, o.Rounds); err != nil {
		return Figures{}, err
	}
	period := o.AccessTokenTTL - RefreshSkew
	if period <= 0 {
		return Figures{}, errors.New("reliability: AccessTokenTTL must exceed the BFF's 60s refresh skew")
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	f := Figures{Users: o.Users, Rounds: o.Rounds, Expiries: o.Users * o.Rounds}
	var mu sync.Mutex
	var latencies []time.Duration
	lost := map[string]bool{}
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		f.OtherFailures++
		if len(f.Failures) < 20 {
			f.Failures = append(f.Failures, fmt.Sprintf(format, args...))
		}
	}

	start := time.Now()
	clients := make([]*Client, o.Users)
	loginErrs := make([]error, o.Users)
	parallel(o.Users, 8, func(i int) {
		clients[i] = h.NewClient(UserName(i))
		loginErrs[i] = clients[i].Login(ctx)
	})
	if err := errors.Join(loginErrs...); err != nil {
		return f, fmt.Errorf("reliability: login: %w", err)
	}
	f.LoginTime = time.Since(start)
	o.Logf("%d users signed in in %s", o.Users, f.LoginTime.Round(time.Millisecond))
	before, err := h.IdP.Stats(ctx)
	if err != nil {
		return f, err
	}
	hitsBefore := len(h.Upstream.Hits())
	lastIssue := time.Now()
	perRound := o.CallsPerUser / o.Rounds
	for round := 1; round <= o.Rounds; round++ {
		// Every token was issued before lastIssue; wait until all are due.
		wait := time.Until(lastIssue.Add(period + 500*time.Millisecond))
		o.Logf("round %d: waiting %s for the access tokens to come due", round, wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return f, ctx.Err()
		case <-time.After(wait):
		}
		roundStart := time.Now()
		parallel(o.Users, o.Users, func(u int) {
			c := clients[u]
			parallel(perRound, o.Concurrency, func(i int) {
				t0 := time.Now()
				res, err := c.API(ctx, http.MethodGet, fmt.Sprintf("/api/data/r%d/%s/%d", round, c.User, i))
				d := time.Since(t0)
				mu.Lock()
				f.Requests++
				latencies = append(latencies, d)
				mu.Unlock()
				switch {
				case err != nil:
					fail("%s round %d: %v", c.User, round, err)
				case res.Status == http.StatusUnauthorized:
					mu.Lock()
					lost[c.User] = true
					mu.Unlock()
				case res.Status >= 500 && !res.FromUpstream():
					mu.Lock()
					f.BFF5xx++
					mu.Unlock()
					fail("%s round %d: %d %s", c.User, round, res.Status, res.ErrorCode())
				case res.Status != http.StatusOK:
					fail("%s round %d: %d %s", c.User, round, res.Status, res.ErrorCode())
				}
			})
		})
		f.RoundTimes = append(f.RoundTimes, time.Since(roundStart))
		lastIssue = time.Now()
		o.Logf("round %d: %d calls in %s", round, o.Users*perRound, f.RoundTimes[round-1].Round(time.Millisecond))
	}
	parallel(o.Users, 8, func(u int) {
		res, err := clients[u].API(ctx, http.MethodGet, "/auth/user")
		if err != nil || res.Status != http.StatusOK {
			mu.Lock()
			lost[clients[u].User] = true
			mu.Unlock()
		}
	})
	f.LostSessions = len(lost)
	after, err := h.IdP.Stats(ctx)
	if err != nil {
		return f, err
	}
	f.Refreshes, f.RefreshErrors = after.Refresh-before.Refresh, after.RefreshErrors-before.RefreshErrors
	f.TokenChanges, f.SplitRounds, f.LeakedCredentials = tokenUse(h.Upstream.Hits()[hitsBefore:])
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		f.P50, f.P99, f.Max = latencies[n/2], latencies[(n*99)/100], latencies[n-1]
	}
	f.Elapsed = time.Since(start)
	return f, nil
}

// tokenUse reads the upstream's record: the access tokens each user
// presented, in order, per round.
func tokenUse(hits []Hit) (changes, splitRounds, leaked int) {
	type key struct{ user, round string }
	perRound := map[key]map[string]bool{}
	perUser := map[string]map[string]bool{}
	for _, h := range hits {
		parts := strings.Split(strings.TrimPrefix(h.Path, "/data/"), "/")
		if len(parts) < 2 {
			continue
		}
		if h.Cookie != "" || !strings.HasPrefix(h.Authorization, "Bearer ") {
			leaked++
		}
		k := key{parts[1], parts[0]}
		if perRound[k] == nil {
			perRound[k] = map[string]bool{}
		}
		perRound[k][h.Authorization] = true
		if perUser[k.user] == nil {
			perUser[k.user] = map[string]bool{}
		}
		perUser[k.user][h.Authorization] = true
	}
	for _, tokens := range perRound {
		if len(tokens) > 1 {
			splitRounds++
		}
	}
	// Every round starts with all tokens due, so the login tokens never reach
	// the upstream: each distinct token there came from one refresh.
	for _, tokens := range perUser {
		changes += len(tokens)
	}
	return changes, splitRounds, leaked
}

// parallel runs fn(0..n-1) with at most width at a time.
func parallel(n, width int, fn func(i int)) {
	sem := make(chan struct{}, width)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}(i)
	}
	wg.Wait()
}
