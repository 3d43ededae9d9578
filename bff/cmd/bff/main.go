// Command bff is the Gatehouse backend-for-frontend. It runs under AWS Lambda
// (API Gateway HTTP API events) when AWS_LAMBDA_RUNTIME_API is set, and as an
// HTTP server otherwise. All configuration comes from GATEHOUSE_* variables;
// see bff/README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/server"
)

func main() {
	os.Exit(run(os.Getenv, os.Stdout, os.Stderr))
}

func run(getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	logger := middleware.NewLogger(stdout, cfg.LogLevel)
	app, err := server.Build(cfg, server.Deps{Logger: logger})
	if err != nil {
		logger.Error("start-up failed", "error", err)
		return 1
	}
	defer app.Close()

	if getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		logger.Info("starting", "runtime", "lambda", "mode", string(cfg.Mode))
		lambda.Start(server.LambdaHandler(app.Handler))
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	l, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		logger.Error("listen failed", "addr", cfg.ListenAddr, "error", err)
		return 1
	}
	logger.Info("starting", "runtime", "http", "mode", string(cfg.Mode))
	if err := server.Serve(ctx, l, app, logger, server.ServeOptions{}); err != nil {
		logger.Error("server failed", "error", err)
		return 1
	}
	return 0
}
