package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/internal/bfftest"
)

// TestRefreshLeaseHeldOnce: an instance that outlives its refresh lease
// (its clock ran ahead, or it stalled) must not, when it finally lets go,
// free the lease another instance took over, or a third instance refreshes
// alongside the second and the IdP sees one rotating refresh token spent
// twice. Three instances share each store; the IdP gate holds their
// refresh grants so the order is the test's.
func TestRefreshLeaseHeldOnce(t *testing.T) {
	for _, store := range bfftest.Stores {
		t.Run(store, func(t *testing.T) {
			gate := startIdPGate(t)
			s := bfftest.Start(t, bfftest.Options{Store: store, Audit: audit, Deps: gate.use})
			second, third := s.NewInstance(), s.NewInstance()
			b := loggedIn(t, s, "alice")
			held := gate.holdRefreshes(t)
			before := mustStats(t, s)
			// Due for refresh, still valid for the rest of the test.
			s.Clock.Advance(4*time.Minute + 20*time.Second)

			call := func(base string) <-chan int {
				done := make(chan int, 1)
				go func() {
					res, err := b.APIWith(base, http.MethodGet, "/api/todos/items", "", nil)
					if err != nil {
						t.Error(err)
					}
					done <- res.Status
				}()
				return done
			}
			first := call(s.URL)
			stale := next(held, 10*time.Second)
			if stale == nil {
				t.Fatal("the first instance never asked the IdP to refresh")
			}
			// The first holder's lease lapses by the stores' clock.
			s.Clock.Advance(20 * time.Second)
			fromSecond := call(second)
			successor := next(held, time.Second)
			// The stale holder gives up: the IdP was unavailable, nothing spent.
			stale.answer(gateAnswer{Status: http.StatusServiceUnavailable})
			if successor == nil {
				// Redis expires leases in real time: the second instance waited for this release.
				if successor = next(held, 10*time.Second); successor == nil {
					t.Fatal("no instance took over the refresh")
				}
			}
			fromThird := call(third)
			// Give a doubled lease time to show: the third instance would be at the IdP within milliseconds.
			if dup := next(held, 500*time.Millisecond); dup != nil {
				t.Errorf("a third instance refreshed while the second held the lease")
				dup.forward()
			}
			successor.forward()
			for name, ch := range map[string]<-chan int{"first": first, "second": fromSecond, "third": fromThird} {
				if st := <-ch; st != http.StatusOK {
					t.Errorf("%s instance answered %d, want 200 (the current token is still valid)", name, st)
				}
			}
			after := mustStats(t, s)
			if got := after.Refresh - before.Refresh; got != 1 || after.RefreshErrors != before.RefreshErrors {
				t.Fatalf("%d refresh grants and %d refused, want exactly one and none refused", got, after.RefreshErrors-before.RefreshErrors)
			}
			if res := api(t, b, s, http.MethodGet, "/auth/user", "", nil); res.Status != http.StatusOK {
				t.Fatalf("/auth/user after the refresh: %d", res.Status)
			}
			registerTokens(t, s, b)
		})
	}
}
