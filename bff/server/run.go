package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServeOptions bound the HTTP server.
type ServeOptions struct {
	// ReadHeaderTimeout defaults to 10s; ReadTimeout (whole request) to 2m;
	// IdleTimeout to 2m. WriteTimeout stays 0 so event streams can run; each
	// API route bounds its upstream instead.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	// DrainTimeout bounds the graceful shutdown. Defaults to 25s, inside
	// ECS's 30s stop timeout.
	DrainTimeout time.Duration
	// DrainDelay keeps serving (with /readyz failing) so the load balancer
	// deregisters the task before connections close. Defaults to 0.
	DrainDelay time.Duration
}

// Defaults fills unset fields.
func (o *ServeOptions) Defaults() {
	if o.ReadHeaderTimeout == 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = 2 * time.Minute
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = 25 * time.Second
	}
}

// Serve runs app on l until ctx ends (SIGTERM in main), then stops accepting,
// lets in-flight requests finish within DrainTimeout, and returns.
func Serve(ctx context.Context, l net.Listener, app *App, logger *slog.Logger, opts ServeOptions) error {
	opts.Defaults()
	srv := &http.Server{
		Handler:           closeAfterTransferEncoding(app.Handler),
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	logger.Info("listening", "addr", l.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	app.SetDraining()
	logger.Info("draining", "delay", opts.DrainDelay.String(), "timeout", opts.DrainTimeout.String())
	time.Sleep(opts.DrainDelay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("server: drain: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// closeAfterTransferEncoding closes the connection after a request framed
// with Transfer-Encoding. net/http reads Content-Length plus
// Transfer-Encoding by the latter but keeps the connection open; RFC 9112
// section 6.1 requires closing it, so bytes a front end counted as body are
// never read here as a second, smuggled request.
func closeAfterTransferEncoding(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
