package dynamodb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/dynamodb"
	"github.com/gatehouse/gatehouse/bff/session/sessiontest"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

func newTable(t testing.TB, d *devservers.Dynalite) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "sessions-" + hex.EncodeToString(b)
	if err := dynamodb.CreateTable(context.Background(), d.Client(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestConformance(t *testing.T) {
	d := devservers.DynaliteT(t)
	client := d.Client()
	sessiontest.Run(t, func(t *testing.T) session.Store {
		s, err := dynamodb.New(client, dynamodb.Options{Table: newTable(t, d)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		name    string
		opts    dynamodb.Options
		wantErr bool
	}{
		{"table set", dynamodb.Options{Table: "t"}, false},
		{"table missing", dynamodb.Options{}, true},
		{"negative call timeout", dynamodb.Options{Table: "t", CallTimeout: -time.Second}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dynamodb.New(devservers.DynamoDBClient("http://127.0.0.1:1"), tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("New err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}

// A DynamoDB endpoint that accepts connections and never answers must not
// hold a request: the store's own deadline ends the call.
func TestHungEndpointIsBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	s, err := dynamodb.New(devservers.DynamoDBClient("http://"+l.Addr().String()), dynamodb.Options{Table: "t", CallTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	safety, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = s.Get(safety, "key")
	if !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Get on a hung endpoint = %v, want ErrUnavailable", err)
	}
	if safety.Err() != nil {
		t.Fatal("only the test's safety deadline ended the call")
	}
}
