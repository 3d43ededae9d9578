package proxy

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/bff/middleware"
)

// Upgrade policy. A switch of protocols turns an API call into a tunnel in
// which none of the per-call guards holds any more: the route's prefix, the
// groups and scopes, the body limit, the rate limits, the timeout. So by
// default the proxy drops Upgrade and HTTP2-Settings (they are not on the
// allow-list) and refuses a 101 from the upstream. A route with WebSocket
// set forwards a WebSocket handshake (and nothing else: no h2c), and the
// tunnel it opens lives no longer than the session that opened it: it is
// closed when the session's deadline passes, and when a periodic re-read
// of the session finds it ended (logout, back-channel logout, expiry, a
// new login, another client certificate).

// ErrSessionEnded is what Options.SessionCheck returns when the session is
// gone; an open tunnel is then closed.
var ErrSessionEnded = errors.New("proxy: session ended")

var (
	errUnexpectedSwitch = errors.New("proxy: upstream switched protocols on a route that allows no tunnel")
	errTunnelExpired    = errors.New("proxy: tunnel closed at the session's deadline")
	errTunnelEnded      = errors.New("proxy: tunnel closed: the session ended")
)

// tunnel is one WebSocket tunnel's state, from ServeHTTP to its watcher.
type tunnel struct {
	// expires is when the session ends unless it is used again.
	expires time.Time
	close   context.CancelCauseFunc
}

// watchTunnel closes the tunnel when its session ends. It wakes at the
// session's deadline and every TunnelRecheck, and asks SessionCheck: the
// deadline may have moved on (the user was active elsewhere), or the
// session may be gone. While the store cannot answer, the tunnel lives on
// until the last deadline the proxy knows, never longer. It returns when
// ctx ends, which is when the tunnel closes for any reason.
func (p *Proxy) watchTunnel(ctx context.Context, rt Route, t *tunnel) {
	log := middleware.Logger(ctx, p.opts.Logger)
	recheck := time.NewTicker(p.opts.TunnelRecheck)
	defer recheck.Stop()
	deadline := time.NewTimer(t.expires.Sub(p.opts.Now()))
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-recheck.C:
		case <-deadline.C:
		}
		cctx, cancel := context.WithTimeout(ctx, p.opts.TunnelRecheck)
		expires, err := p.opts.SessionCheck(cctx)
		cancel()
		now := p.opts.Now()
		switch {
		case errors.Is(err, ErrSessionEnded):
			log.Info("tunnel closed: the session ended", "route", rt.Name, "reason", err.Error())
			t.close(errTunnelEnded)
			return
		case err != nil:
			if !now.Before(t.expires) {
				log.Warn("tunnel closed at the session's last known deadline; the session store did not answer", "route", rt.Name, "error", err)
				t.close(errTunnelExpired)
				return
			}
			log.Warn("tunnel kept until the session's last known deadline; the session store did not answer", "route", rt.Name, "error", err)
		case !now.Before(expires):
			log.Info("tunnel closed at the session's deadline", "route", rt.Name)
			t.close(errTunnelExpired)
			return
		default:
			t.expires = expires
		}
		deadline.Reset(t.expires.Sub(now))
	}
}
