package session

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// HostPrefix is the cookie-name prefix that makes browsers insist on Secure,
// Path=/ and no Domain, so no subdomain can plant or read the cookie.
const HostPrefix = "__Host-"

// Options configure a Manager. The zero value, after Defaults, is the secure
// production setting.
type Options struct {
	// CookieName names the session cookie. Defaults to "__Host-gh_session".
	// It must keep the "__Host-" prefix unless Insecure is set.
	CookieName string
	// Insecure drops the Secure attribute so the cookie works over plain
	// http://localhost. Only for local development; the name must then not
	// carry a "__Host-" or "__Secure-" prefix. Defaults to false.
	Insecure bool
	// IdleTimeout ends a session after this long without a request (AC-11).
	// Defaults to 15m.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in, whatever its
	// activity (AC-12). Defaults to 12h.
	AbsoluteTimeout time.Duration
	// TouchInterval is how often the idle deadline is slid forward, so not
	// every request writes to the store. Defaults to 1m.
	TouchInterval time.Duration
	// Clock returns the current time. Defaults to time.Now.
	Clock func() time.Time
}

// Defaults fills every unset field with its default.
func (o *Options) Defaults() {
	if o.CookieName == "" {
		o.CookieName = HostPrefix + "gh_session"
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 15 * time.Minute
	}
	if o.AbsoluteTimeout == 0 {
		o.AbsoluteTimeout = 12 * time.Hour
	}
	if o.TouchInterval == 0 {
		o.TouchInterval = time.Minute
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
}

// Validate reports every problem at once, each with how to fix it.
func (o *Options) Validate() error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if o.CookieName == "" {
		add("cookie name is empty: set it, or leave it unset for %q", HostPrefix+"gh_session")
	} else if err := (&http.Cookie{Name: o.CookieName, Value: "x"}).Valid(); err != nil {
		add("cookie name %q is not a valid cookie name: use letters, digits and -_", o.CookieName)
	}
	hasHost := strings.HasPrefix(o.CookieName, HostPrefix)
	hasSecure := strings.HasPrefix(o.CookieName, "__Secure-")
	switch {
	case !o.Insecure && !hasHost:
		add("cookie name %q lacks the %q prefix that a Secure session cookie keeps: rename it to %q", o.CookieName, HostPrefix, HostPrefix+strings.TrimPrefix(o.CookieName, "__Secure-"))
	case o.Insecure && (hasHost || hasSecure):
		add("cookie name %q has a prefix browsers reject without Secure: drop the prefix while cookies are insecure", o.CookieName)
	}
	if o.IdleTimeout <= 0 {
		add("idle timeout %s must be positive", o.IdleTimeout)
	}
	if o.AbsoluteTimeout <= 0 {
		add("absolute timeout %s must be positive", o.AbsoluteTimeout)
	}
	if o.IdleTimeout > 0 && o.AbsoluteTimeout > 0 && o.IdleTimeout > o.AbsoluteTimeout {
		add("idle timeout %s exceeds absolute timeout %s: lower the idle timeout or raise the absolute one", o.IdleTimeout, o.AbsoluteTimeout)
	}
	if o.TouchInterval <= 0 {
		add("touch interval %s must be positive", o.TouchInterval)
	} else if o.IdleTimeout > 0 && o.TouchInterval >= o.IdleTimeout {
		add("touch interval %s must be shorter than the idle timeout %s, or active sessions would time out", o.TouchInterval, o.IdleTimeout)
	}
	if o.Clock == nil {
		add("clock is nil: leave it unset for time.Now")
	}
	if len(problems) > 0 {
		return fmt.Errorf("session: invalid options: %w", errors.Join(problems...))
	}
	return nil
}
