package server

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/config"
	"github.com/gatehouse/gatehouse/bff/internal/awsfake"
)

var _ AWSClients = (*awsfake.SecretsManager)(nil)

func TestCachedSecret(t *testing.T) {
	ctx := context.Background()
	const arn = "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:client"
	sm := awsfake.StartSecretsManager(t, "secret-a")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := secretSource("", arn, sm, func() time.Time { return now })
	step := func(name string, do func() (string, error), want string, wantReads int) {
		t.Helper()
		got, err := do()
		if err != nil || got != want || sm.Reads() != wantReads {
			t.Fatalf("%s: (%q, %v) after %d reads, want (%q, nil) after %d", name, got, err, sm.Reads(), want, wantReads)
		}
	}
	secret := func() (string, error) { return c.Secret(ctx) }
	reload := func(refused string) func() (string, error) {
		return func() (string, error) { return c.Reload(ctx, refused) }
	}

	step("first use reads", secret, "secret-a", 1)
	step("then the cache answers", secret, "secret-a", 1)
	sm.Set("secret-b", false)
	step("a refusal within the retry interval of a read waits", reload("secret-a"), "secret-a", 1)
	now = now.Add(secretRetryInterval)
	step("a refusal reads again", reload("secret-a"), "secret-b", 2)
	step("a caller still holding the refused value gets the new one without a read", reload("secret-a"), "secret-b", 2)
	now = now.Add(secretRetryInterval)
	step("a refusal of a value that has nothing newer reads once more", reload("secret-b"), "secret-b", 3)
	step("and then waits", reload("secret-b"), "secret-b", 3)

	sm.Set("", true)
	now = now.Add(secretRefresh)
	step("a failed refresh keeps the value", secret, "secret-b", 4)
	step("and is not retried at once", secret, "secret-b", 4)
	now = now.Add(secretRetryInterval)
	sm.Set("secret-c", false)
	step("but after the retry interval", secret, "secret-c", 5)
}

func TestLiteralSecretHasNothingToReload(t *testing.T) {
	c := secretSource(config.Secret("literal-secret"), "", nil, time.Now)
	for _, do := range []func() (string, error){
		func() (string, error) { return c.Secret(context.Background()) },
		func() (string, error) { return c.Reload(context.Background(), "literal-secret") },
	} {
		if got, err := do(); err != nil || got != "literal-secret" {
			t.Fatalf("got (%q, %v)", got, err)
		}
	}
}
