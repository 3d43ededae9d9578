package main

import (
	"errors"
	"fmt"
	"strings"
)

// Config is the ToDo API's environment.
type Config struct {
	// Issuer is TODO_ISSUER: the OIDC issuer whose access tokens are accepted.
	Issuer string
	// Audience is TODO_AUDIENCE: the BFF's client id (matched against `aud` or `client_id`).
	Audience string
	// Store is TODO_STORE: "memory" or "dynamodb". Defaults to "memory".
	Store string
	// Table is TODO_TABLE: the DynamoDB table, required when Store is "dynamodb".
	Table string
	// ListenAddr is TODO_LISTEN_ADDR. Defaults to ":8081".
	ListenAddr string
}

// LoadConfig reads the environment through getenv and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Issuer:     strings.TrimSpace(getenv("TODO_ISSUER")),
		Audience:   strings.TrimSpace(getenv("TODO_AUDIENCE")),
		Store:      strings.TrimSpace(getenv("TODO_STORE")),
		Table:      strings.TrimSpace(getenv("TODO_TABLE")),
		ListenAddr: strings.TrimSpace(getenv("TODO_LISTEN_ADDR")),
	}
	c.Defaults()
	return c, c.Validate()
}

// Defaults fills unset optional fields.
func (c *Config) Defaults() {
	if c.Store == "" {
		c.Store = "memory"
	}
	if c.ListenAddr == "" {
		c.ListenAddr = ":8081"
	}
}

// Validate reports every problem and how to fix it.
func (c *Config) Validate() error {
	var errs []error
	if c.Issuer == "" {
		errs = append(errs, errors.New("TODO_ISSUER is required: the OIDC issuer URL, e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>"))
	} else if !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
		errs = append(errs, fmt.Errorf("TODO_ISSUER=%q must be an http(s) URL", c.Issuer))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("TODO_AUDIENCE is required: the BFF's OIDC client id"))
	}
	switch c.Store {
	case "memory":
	case "dynamodb":
		if c.Table == "" {
			errs = append(errs, errors.New("TODO_TABLE is required when TODO_STORE=dynamodb: the DynamoDB table name"))
		}
	default:
		errs = append(errs, fmt.Errorf("TODO_STORE=%q is not supported: use memory or dynamodb", c.Store))
	}
	if len(errs) > 0 {
		return fmt.Errorf("todo-api: configuration: %w", errors.Join(errs...))
	}
	return nil
}
