package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
)

// FuzzLoginState feeds arbitrary login cookies and state parameters to the
// callback's state check. Only the genuine sealed state, with its own
// unexpired value, is accepted; a forged, altered or replayed one never is.
func FuzzLoginState(f *testing.F) {
	sealer, err := session.NewSealer(session.PurposeLoginState, bytes.Repeat([]byte{5}, session.KeySize))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	h := &Handler{opts: Options{Sealer: sealer, Now: func() time.Time { return now }}}
	seal := func(st loginState) string {
		raw, _ := json.Marshal(st)
		b, _ := sealer.Seal(raw, loginAAD)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	genuine := loginState{State: "state-value-1", Nonce: "n", Verifier: "v", ReturnTo: "/todos", Expires: now.Add(time.Minute)}
	expired := genuine
	expired.Expires = now.Add(-time.Second)
	otherAAD, _ := sealer.Seal([]byte(`{"s":"state-value-1","e":"2031-01-01T00:00:00Z"}`), []byte("another/purpose"))
	f.Add(seal(genuine), "state-value-1")
	f.Add(seal(genuine), "state-value-2")
	f.Add(seal(genuine), "")
	f.Add(seal(expired), "state-value-1")
	f.Add(base64.RawURLEncoding.EncodeToString(otherAAD), "state-value-1")
	f.Add("", "")
	f.Add("!!!", "x")
	f.Fuzz(func(t *testing.T, cookie, state string) {
		r := &http.Request{URL: &url.URL{RawQuery: url.Values{"state": {state}}.Encode()}, Header: http.Header{}}
		r.AddCookie(&http.Cookie{Name: h.loginCookieName(), Value: cookie})
		st, err := h.readLoginState(r)
		if err != nil {
			return
		}
		// Every accepted state was sealed above, under this key and purpose.
		if st.State != genuine.State || state != genuine.State || !st.Expires.After(now) {
			t.Fatalf("accepted cookie %q with state %q: %+v", cookie, state, st)
		}
	})
}
