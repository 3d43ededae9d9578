package todo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync/atomic"
	"time"
)

// MaxBodyBytes bounds request bodies; a title fits many times over.
const MaxBodyBytes = 16 << 10

// HandlerOptions configure the HTTP API.
type HandlerOptions struct {
	Store    Store
	Verifier TokenVerifier
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Defaults fills unset optional fields.
func (o *HandlerOptions) Defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Validate reports every missing field at once.
func (o *HandlerOptions) Validate() error {
	var errs []error
	if o.Store == nil {
		errs = append(errs, errors.New("a store is required"))
	}
	if o.Verifier == nil {
		errs = append(errs, errors.New("a token verifier is required"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("todo: handler options: %w", errors.Join(errs...))
	}
	return nil
}

type principalKey struct{}

// PrincipalFrom returns the verified caller of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type api struct {
	opts      HandlerOptions
	greetings atomic.Int64
}

// NewHandler returns the API as seen by the BFF's upstream calls:
//
//	GET /todos, POST /todos, GET|PATCH|DELETE /todos/{id}, GET /greeting, GET /healthz
func NewHandler(opts HandlerOptions) (http.Handler, error) {
	opts.Defaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	a := &api{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /greeting", a.authenticated(a.greeting))
	mux.Handle("GET /todos", a.authenticated(a.list))
	mux.Handle("POST /todos", a.authenticated(a.create))
	// The BFF joins the route's rest onto the upstream base, so /api/todos
	// with an upstream of <api>/todos arrives as /todos/ (and /api/greeting
	// as /greeting/): serve those too rather than 404.
	mux.Handle("GET /greeting/{$}", a.authenticated(a.greeting))
	mux.Handle("GET /todos/{$}", a.authenticated(a.list))
	mux.Handle("POST /todos/{$}", a.authenticated(a.create))
	mux.Handle("GET /todos/{id}", a.authenticated(a.get))
	mux.Handle("PATCH /todos/{id}", a.authenticated(a.update))
	mux.Handle("DELETE /todos/{id}", a.authenticated(a.delete))
	return withResponseHeaders(unmatchedAsJSON(mux)), nil
}

func withResponseHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// unmatchedAsJSON keeps the mux's 404 or 405 status (and Allow header) for
// requests no route matches, but answers with the JSON error every caller
// expects instead of the mux's plain text.
func unmatchedAsJSON(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here")
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	})
}

type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(status int)      { s.status = status }

func (a *api) authenticated(next func(http.ResponseWriter, *http.Request, Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer`)
			writeError(w, http.StatusUnauthorized, "missing_token", "a bearer access token is required")
			return
		}
		principal, err := a.opts.Verifier.Verify(r.Context(), strings.TrimSpace(token))
		switch {
		case errors.Is(err, ErrIssuerUnavailable):
			a.opts.Logger.Error("todo: cannot reach the token issuer", "err", err)
			writeError(w, http.StatusServiceUnavailable, "issuer_unavailable", "the token issuer cannot be reached; try again shortly")
			return
		case err != nil:
			a.opts.Logger.Info("todo: token refused", "reason", err.Error())
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "invalid_token", "the access token is not valid for this API")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, principal)), principal)
	})
}

func (a *api) greeting(w http.ResponseWriter, _ *http.Request, p Principal) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      a.greetings.Add(1),
		"content": "Hello, " + p.Name + "!",
	})
}

func (a *api) list(w http.ResponseWriter, r *http.Request, p Principal) {
	items, err := a.opts.Store.List(r.Context(), p.Subject)
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (a *api) get(w http.ResponseWriter, r *http.Request, p Principal) {
	id, ok := itemID(w, r)
	if !ok {
		return
	}
	item, err := a.opts.Store.Get(r.Context(), p.Subject, id)
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func (a *api) create(w http.ResponseWriter, r *http.Request, p Principal) {
	var body struct {
		Title *string `json:"title"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Title == nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "title is required")
		return
	}
	title, err := NormalizeTitle(*body.Title)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		return
	}
	existing, err := a.opts.Store.List(r.Context(), p.Subject)
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	if len(existing) >= MaxItemsPerOwner {
		writeError(w, http.StatusConflict, "too_many_items", fmt.Sprintf("a list holds at most %d items; delete some first", MaxItemsPerOwner))
		return
	}
	now := a.opts.Now().UTC()
	id, err := NewID(now)
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	item := Item{ID: id, Title: title, CreatedAt: now, UpdatedAt: now}
	if err := a.opts.Store.Create(r.Context(), p.Subject, item); err != nil {
		a.storeFailed(w, err)
		return
	}
	w.Header().Set("Location", relativeItemURL(r.URL.Path, id))
	writeJSON(w, http.StatusCreated, item)
}

func (a *api) update(w http.ResponseWriter, r *http.Request, p Principal) {
	id, ok := itemID(w, r)
	if !ok {
		return
	}
	var patch Patch
	if !decodeBody(w, r, &patch) {
		return
	}
	if err := patch.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		return
	}
	item, err := a.opts.Store.Update(r.Context(), p.Subject, id, patch, a.opts.Now().UTC())
	if err != nil {
		a.storeFailed(w, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func (a *api) delete(w http.ResponseWriter, r *http.Request, p Principal) {
	id, ok := itemID(w, r)
	if !ok {
		return
	}
	if err := a.opts.Store.Delete(r.Context(), p.Subject, id); err != nil {
		a.storeFailed(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// relativeItemURL is relative so that it stays right behind a proxy that
// serves this API under another prefix (the BFF's /api/todos).
func relativeItemURL(collectionPath, id string) string {
	if strings.HasSuffix(collectionPath, "/") {
		return id
	}
	return path.Base(collectionPath) + "/" + id
}

// itemID answers 404 for ids NewID could not have made: they cannot exist.
func itemID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !ValidID(id) {
		writeError(w, http.StatusNotFound, "not_found", "no such item")
		return "", false
	}
	return id, true
}

func (a *api) storeFailed(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no such item")
	case errors.Is(err, ErrExists):
		writeError(w, http.StatusConflict, "conflict", "the item was created twice; try again")
	default:
		a.opts.Logger.Error("todo: store failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "store_unavailable", "the list cannot be reached right now; try again shortly")
	}
}

func decodeBody(w http.ResponseWriter, r *http.Request, into any) bool {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body must be at most %d bytes", MaxBodyBytes))
			return false
		}
		writeError(w, http.StatusBadRequest, "invalid_json", "the body is not the expected JSON object: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "invalid_json", "the body must hold exactly one JSON object")
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error": code, "message": message})
}
