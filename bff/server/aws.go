package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
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

// AWSClients hands out AWS service clients configured from the environment
// that Lambda and ECS provide (region, credentials, FIPS endpoints).
type AWSClients interface {
	DynamoDB() (*dynamodb.Client, error)
	KMS() (*kms.Client, error)
	SecretsManager() (*secretsmanager.Client, error)
}

type awsClients struct {
	getenv func(string) string
	once   sync.Once
	cfg    aws.Config
	env    awsEnv
	err    error
}

// NewAWSClients reads the configuration on first use, from the environment
// only. The SDK's full default chain (profiles, SSO, STS) is left out on
// purpose: the BFF runs only where Lambda or ECS supply credentials, and the
// chain would push the Lambda artifact past its size budget.
func NewAWSClients(getenv func(string) string) AWSClients { return &awsClients{getenv: getenv} }

func (a *awsClients) load() (aws.Config, error) {
	a.once.Do(func() { a.cfg, a.env, a.err = configFromEnv(a.getenv) })
	if a.err != nil {
		return aws.Config{}, fmt.Errorf("server: aws config: %w", a.err)
	}
	return a.cfg, nil
}

// configFromEnv resolves region and credentials as Lambda (static keys in
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN) and ECS (the
// container credentials endpoint) provide them, and the SDKs' standard
// client settings (awsEnv).
func configFromEnv(getenv func(string) string) (aws.Config, awsEnv, error) {
	env, err := readAWSEnv(getenv)
	if err != nil {
		return aws.Config{}, awsEnv{}, err
	}
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return aws.Config{}, awsEnv{}, errors.New("AWS_REGION is not set")
	}
	var provider aws.CredentialsProvider
	switch {
	case getenv("AWS_ACCESS_KEY_ID") != "":
		provider = credentials.NewStaticCredentialsProvider(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))
	case getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" || getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "":
		endpoint := getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
		if rel := getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
			endpoint = "http://169.254.170.2" + rel
		}
		provider = endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
			o.AuthorizationToken = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
			if file := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); file != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(file)
					return strings.TrimSpace(string(b)), err
				})
			}
		})
	default:
		return aws.Config{}, awsEnv{}, errors.New("no credentials: expected the Lambda or ECS credential environment")
	}
	cfg := aws.Config{Region: region, Credentials: aws.NewCredentialsCache(provider)}
	env.apply(&cfg)
	return cfg, env, nil
}

func (a *awsClients) DynamoDB() (*dynamodb.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(c, func(o *dynamodb.Options) {
		o.BaseEndpoint = a.env.endpoint(serviceDynamoDB)
		o.EndpointOptions.UseFIPSEndpoint = a.env.fipsState(serviceDynamoDB)
		o.EndpointOptions.UseDualStackEndpoint = a.env.dualStackState(serviceDynamoDB)
	}), nil
}

func (a *awsClients) KMS() (*kms.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return kms.NewFromConfig(c, func(o *kms.Options) {
		o.BaseEndpoint = a.env.endpoint(serviceKMS)
		o.EndpointOptions.UseFIPSEndpoint = a.env.fipsState(serviceKMS)
		o.EndpointOptions.UseDualStackEndpoint = a.env.dualStackState(serviceKMS)
	}), nil
}

func (a *awsClients) SecretsManager() (*secretsmanager.Client, error) {
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(c, func(o *secretsmanager.Options) {
		o.BaseEndpoint = a.env.endpoint(serviceSecretsManager)
		o.EndpointOptions.UseFIPSEndpoint = a.env.fipsState(serviceSecretsManager)
		o.EndpointOptions.UseDualStackEndpoint = a.env.dualStackState(serviceSecretsManager)
	}), nil
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

// secretRefresh is how long a secret read from Secrets Manager is used
// before it is read again, so a rotation takes effect without a restart.
const secretRefresh = 15 * time.Minute

// secretRetryInterval bounds the reads after a failed one, and those a
// refusal of the secret causes (Reload): a peer that refuses every secret,
// or a Secrets Manager outage, must not turn each request into a call.
const secretRetryInterval = 30 * time.Second

// cachedSecret is a secret read from Secrets Manager on first use and every
// secretRefresh after, and sooner when the party it authenticates to
// refuses it (a rotation took effect there first). A failed read keeps the
// previous value. With no ARN it is the literal value, and there is nothing
// to read again: a secret injected into the environment changes only with
// a new task.
type cachedSecret struct {
	clients AWSClients
	arn     string
	now     func() time.Time

	mu        sync.Mutex
	value     string
	fetched   time.Time // last successful read
	attempted time.Time // last read, successful or not
}

// secretSource reads arn, or holds the literal value when arn is empty;
// now dates its reads.
func secretSource(value config.Secret, arn string, clients AWSClients, now func() time.Time) *cachedSecret {
	return &cachedSecret{clients: clients, arn: arn, now: now, value: value.Reveal()}
}

// Secret returns the cached value, reading it first when there is none, or
// when it is older than secretRefresh and no read failed just now.
func (c *cachedSecret) Secret(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.arn == "" || (c.value != "" && (now.Sub(c.fetched) < secretRefresh || now.Sub(c.attempted) < secretRetryInterval)) {
		return c.value, nil
	}
	if err := c.read(ctx); err != nil && c.value == "" {
		return "", err
	}
	return c.value, nil
}

// Reload reads the secret again, unless another caller already replaced
// the refused value or a read happened within secretRetryInterval.
func (c *cachedSecret) Reload(ctx context.Context, refused string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.arn == "" || c.value != refused || c.now().Sub(c.attempted) < secretRetryInterval {
		return c.value, nil
	}
	err := c.read(ctx)
	return c.value, err
}

// read fetches AWSCURRENT; callers hold mu.
func (c *cachedSecret) read(ctx context.Context) error {
	c.attempted = c.now()
	v, err := readSecret(ctx, c.clients, c.arn)
	if err != nil {
		return err
	}
	c.value, c.fetched = v, c.attempted
	return nil
}

// rotatingSecretSource is secretSource for a value two parties share
// (CloudFront and the BFF): while a rotation propagates, the previous version
// (AWSPREVIOUS) is accepted too.
func rotatingSecretSource(value config.Secret, arn string, clients AWSClients) middleware.SecretsSource {
	current := secretSource(value, arn, clients, time.Now)
	if arn == "" {
		return func(ctx context.Context) ([]string, error) {
			v, err := current.Secret(ctx)
			return []string{v}, err
		}
	}
	var mu sync.Mutex
	var previous string
	var fetched time.Time
	return func(ctx context.Context) ([]string, error) {
		cur, err := current.Secret(ctx)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		if time.Since(fetched) >= secretRefresh {
			// A first version has no AWSPREVIOUS; that is not an error.
			previous, _ = readSecretStage(ctx, clients, arn, "AWSPREVIOUS")
			fetched = time.Now()
		}
		return []string{cur, previous}, nil
	}
}

func readSecret(ctx context.Context, clients AWSClients, arn string) (string, error) {
	return readSecretStage(ctx, clients, arn, "AWSCURRENT")
}

func readSecretStage(ctx context.Context, clients AWSClients, arn, stage string) (string, error) {
	client, err := clients.SecretsManager()
	if err != nil {
		return "", err
	}
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		return "", fmt.Errorf("server: secret %s: %w", arn, err)
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", errors.New("server: secret " + arn + " has no string value")
	}
	return *out.SecretString, nil
}
