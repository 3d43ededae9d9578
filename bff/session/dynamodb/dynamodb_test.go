package dynamodb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

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
