// Command todo-api is the sample downstream API behind the BFF: a per-user
// ToDo list that verifies the bearer access token itself. It runs under AWS
// Lambda when AWS_LAMBDA_RUNTIME_API is set, and as an HTTP server otherwise.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gatehouse/gatehouse/internal/todo"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(logger); err != nil {
		logger.Error("todo-api stopped", "err", err)
		os.Exit(1)
	}
}

func run(logger *slog.Logger) error {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	handler, err := newHandler(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		lambda.StartWithOptions(lambdaHandler(handler), lambda.WithContext(ctx))
		return nil
	}
	return serve(ctx, cfg.ListenAddr, handler, logger)
}

func newHandler(ctx context.Context, cfg Config, logger *slog.Logger) (http.Handler, error) {
	var store todo.Store = todo.NewMemoryStore()
	if cfg.Store == "dynamodb" {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("todo-api: aws config: %w", err)
		}
		if store, err = todo.NewDynamoDBStore(dynamodb.NewFromConfig(awsCfg), cfg.Table); err != nil {
			return nil, err
		}
	}
	verifier, err := todo.NewOIDCVerifier(todo.VerifierOptions{Issuer: cfg.Issuer, Audience: cfg.Audience})
	if err != nil {
		return nil, err
	}
	return todo.NewHandler(todo.HandlerOptions{Store: store, Verifier: verifier, Logger: logger})
}

func serve(ctx context.Context, addr string, handler http.Handler, logger *slog.Logger) error {
	server := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- server.ListenAndServe() }()
	logger.Info("todo-api listening", "addr", addr)
	select {
	case err := <-errc:
		return fmt.Errorf("todo-api: listen: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("todo-api: shutdown: %w", err)
	}
	return nil
}
