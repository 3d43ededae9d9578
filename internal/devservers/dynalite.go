package devservers

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Dynalite is a running dynalite (DynamoDB's API, in memory) on a loopback port.
type Dynalite struct {
	*Process
	// Endpoint is the http:// URL to point a DynamoDB client at.
	Endpoint string
}

// StartDynalite runs dynalite from NodeDir on a free loopback port and
// returns once a ListTables call answers. Tables become ACTIVE at once.
func StartDynalite(ctx context.Context) (*Dynalite, error) {
	cli, err := nodeModule("dynalite", "dynalite/cli.js")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	endpoint := "http://" + LoopbackAddr(port)
	client := DynamoDBClient(endpoint)
	p, err := Start(ctx, Spec{
		Name: "dynalite",
		Path: "node",
		Args: []string{cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"},
		Ready: func(ctx context.Context) error {
			_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	return &Dynalite{Process: p, Endpoint: endpoint}, nil
}

// DynaliteT starts dynalite for a test and stops it when the test ends. It
// fails the test, never skips it, when node or the dynalite package is missing.
func DynaliteT(t testing.TB) *Dynalite {
	t.Helper()
	RequireT(t, "node")
	d, err := StartDynalite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	return d
}

// Client returns a DynamoDB client for this dynalite.
func (d *Dynalite) Client() *dynamodb.Client { return DynamoDBClient(d.Endpoint) }

// DynamoDBClient returns an aws-sdk-go-v2 DynamoDB client for a local
// endpoint: region us-east-1, static dummy credentials, no retries (so a
// stopped peer shows up at once), and no shared config or IMDS lookups.
func DynamoDBClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
}

// String names the endpoint, for test logs.
func (d *Dynalite) String() string { return fmt.Sprintf("dynalite at %s", d.Endpoint) }
