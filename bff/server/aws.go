package server

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/middleware"
	"github.com/gatehouse/gatehouse/bff/session"
	ddbstore "github.com/gatehouse/gatehouse/bff/session/dynamodb"
	"github.com/gatehouse/gatehouse/bff/session/memory"
	redisstore "github.com/gatehouse/gatehouse/bff/session/redis"
)

// AWSClients hands out AWS service clients built from the default chain
// (region and FIPS endpoint settings come from the environment).
type AWSClients interface {
	DynamoDB() (*dynamodb.Client, error)
	KMS() (*kms.Client, error)
	SecretsManager() (*secretsmanager.Client, error)
}

type awsClients struct {
	once sync.Once
	cfg  aws.Config
	err  error
}

// NewAWSClients loads the SDK configuration on first use; loading reads the
// environment and files only, never the network.
func NewAWSClients() AWSClients { return &awsClients{} }

func (a *awsClients) load() (aws.Config, error) {
	a.once.Do(func() { a.cfg, a.err = awsconfig.LoadDefaultConfig(context.Background()) })
	if a.err != nil {
		return aws.Config{}, fmt.Errorf("server: aws config: %w", a.err)
	}
	return a.cfg, nil
}

func (a *awsClients) DynamoDB() (*dynamodb.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(c), nil
}

func (a *awsClients) KMS() (*kms.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return kms.NewFromConfig(c), nil
}

func (a *awsClients) SecretsManager() (*secretsmanager.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(c), nil
}

func openStore(cfg *config.Config, deps Deps) (session.Store, func() error, error) {
	switch cfg.SessionStore {
	case "memory":
		s, err := memory.New(memory.Options{Clock: deps.Now})
		if err != nil {
			return nil, nil, fmt.Errorf("server: memory store: %w", err)
		}
		return s, s.Close, nil
	case "redis":
		s, err := redisstore.Open(cfg.RedisURL, redisstore.URLOptions{Options: redisstore.Options{Clock: deps.Now}})
		if err != nil {
			return nil, nil, fmt.Errorf("server: redis store: %w", err)
		}
		return s, s.Close, nil
	case "dynamodb":
		client, err := deps.AWS.DynamoDB()
		if err != nil {
			return nil, nil, err
		}
		s, err := ddbstore.New(client, ddbstore.Options{Table: cfg.SessionTable, Clock: deps.Now})
		if err != nil {
			return nil, nil, fmt.Errorf("server: dynamodb store: %w", err)
		}
		return s, func() error { return nil }, nil
	}
	return nil, nil, fmt.Errorf("server: unknown session store %q", cfg.SessionStore)
}

func keySource(cfg *config.Config, clients AWSClients) session.KeySource {
	if cfg.DataKeyFile != "" {
		return session.FileKeySource{Path: cfg.DataKeyFile}
	}
	return &lazyKMSKey{clients: clients, ciphertext: cfg.DataKeyCiphertext}
}

// lazyKMSKey builds the KMS client on first use, so start-up stays offline.
type lazyKMSKey struct {
	clients    AWSClients
	ciphertext []byte
	mu         sync.Mutex
	src        *session.KMSKeySource
}

func (l *lazyKMSKey) DataKey(ctx context.Context) ([]byte, error) {
	l.mu.Lock()
	if l.src == nil {
		client, err := l.clients.KMS()
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		src, err := session.NewKMSKeySourceBlob(client, l.ciphertext, session.KMSKeySourceOptions{})
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.src = src
	}
	src := l.src
	l.mu.Unlock()
	return src.DataKey(ctx)
}

// secretSource returns the literal value, or fetches the ARN from Secrets
// Manager once, on first use, caching only a success.
func secretSource(value config.Secret, arn string, clients AWSClients) middleware.SecretSource {
	if arn == "" {
		v := value.Reveal()
		return func(context.Context) (string, error) { return v, nil }
	}
	var mu sync.Mutex
	var cached string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if cached != "" {
			return cached, nil
		}
		client, err := clients.SecretsManager()
		if err != nil {
			return "", err
		}
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
		if err != nil {
			return "", fmt.Errorf("server: secret %s: %w", arn, err)
		}
		if out.SecretString == nil || *out.SecretString == "" {
			return "", errors.New("server: secret " + arn + " has no string value")
		}
		cached = *out.SecretString
		return cached, nil
	}
}
