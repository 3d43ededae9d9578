package dynamodb_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse/gatehouse/bff/session"
	"github.com/gatehouse/gatehouse/bff/session/dynamodb"
	"github.com/gatehouse/gatehouse/internal/devservers"
)

// TestItemMatchesTableContract checks the attributes the SessionTable
// component relies on: TTL in epoch seconds, GSI keys, the version.
func TestItemMatchesTableContract(t *testing.T) {
	d := devservers.DynaliteT(t)
	table := newTable(t, d)
	client := d.Client()
	ctx := context.Background()

	desc, err := client.DescribeTable(ctx, &ddb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	indexes := map[string]string{}
	for _, g := range desc.Table.GlobalSecondaryIndexes {
		indexes[aws.ToString(g.IndexName)] = aws.ToString(g.KeySchema[0].AttributeName) + "/" + string(g.Projection.ProjectionType)
	}
	if indexes[dynamodb.IndexSubject] != "sub/KEYS_ONLY" || indexes[dynamodb.IndexSID] != "sid/KEYS_ONLY" {
		t.Errorf("indexes = %v, want sub-index and sid-index, hash sub/sid, KEYS_ONLY", indexes)
	}
	if desc.Table.BillingModeSummary == nil || desc.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", desc.Table.BillingModeSummary)
	}

	store, err := dynamodb.New(client, dynamodb.Options{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	withSID := &session.Record{Key: "k1", Subject: "user-1", IdPSessionID: "sid-1",
		IdleExpiresAt: now.Add(15*time.Minute + 300*time.Millisecond), AbsoluteExpiresAt: now.Add(time.Hour)}
	noSID := &session.Record{Key: "k2", Subject: "user-2",
		IdleExpiresAt: now.Add(15 * time.Minute), AbsoluteExpiresAt: now.Add(time.Hour)}
	cases := []struct {
		name    string
		rec     *session.Record
		wantSID bool
	}{
		{"with sid", withSID, true},
		{"without sid (sparse index)", noSID, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := store.Create(ctx, tc.rec); err != nil {
				t.Fatal(err)
			}
			out, err := client.GetItem(ctx, &ddb.GetItemInput{TableName: aws.String(table),
				Key: map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: tc.rec.Key}}})
			if err != nil {
				t.Fatal(err)
			}
			item := out.Item
			if s, _ := item["sub"].(*types.AttributeValueMemberS); s == nil || s.Value != tc.rec.Subject {
				t.Errorf("sub = %v", item["sub"])
			}
			if _, has := item["sid"]; has != tc.wantSID {
				t.Errorf("sid present = %v, want %v", has, tc.wantSID)
			}
			if v, _ := item["version"].(*types.AttributeValueMemberN); v == nil || v.Value != "1" {
				t.Errorf("version = %v, want N 1", item["version"])
			}
			exp, _ := item["expires_at"].(*types.AttributeValueMemberN)
			if exp == nil {
				t.Fatalf("expires_at missing")
			}
			secs, _ := strconv.ParseInt(exp.Value, 10, 64)
			deadline := tc.rec.ExpiresAt()
			if secs < deadline.Unix() || secs > deadline.Unix()+1 {
				t.Errorf("expires_at = %d, want the deadline %v in epoch seconds, rounded up", secs, deadline)
			}
		})
	}
}

// TestOutageKeepsSessions pauses dynalite (SIGSTOP keeps its in-memory
// data) and checks Load reports ErrUnavailable without ending the session.
func TestOutageKeepsSessions(t *testing.T) {
	d := devservers.DynaliteT(t)
	store, err := dynamodb.New(d.Client(), dynamodb.Options{Table: newTable(t, d)})
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := session.NewSealer(session.PurposeSessionTokens, make([]byte, session.KeySize))
	mgr, err := session.NewManager(store, sealer, session.Options{TouchInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if _, err := mgr.Create(context.Background(), rec, session.NewSession{Subject: "user-1", Tokens: session.Tokens{AccessToken: "a"}}); err != nil {
		t.Fatal(err)
	}
	cookie := rec.Result().Cookies()[0]
	load := func(ctx context.Context) (*session.Session, error) {
		r := httptest.NewRequest(http.MethodGet, "/api/x", nil)
		r.AddCookie(cookie)
		return mgr.Load(ctx, r)
	}

	if err := d.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Signal(syscall.SIGCONT) })
	// The bound only keeps the paused call from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err = load(ctx)
	cancel()
	if !errors.Is(err, session.ErrUnavailable) || errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Load while the store is paused: %v, want ErrUnavailable only", err)
	}
	pctx, pcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err = mgr.Ping(pctx)
	pcancel()
	if !errors.Is(err, session.ErrUnavailable) {
		t.Errorf("Ping while the store is paused: %v, want ErrUnavailable", err)
	}

	if err := d.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	s, err := load(context.Background())
	if err != nil {
		t.Fatalf("Load after the store resumed: %v", err)
	}
	if tok, err := mgr.Tokens(context.Background(), s); err != nil || tok.AccessToken != "a" {
		t.Fatalf("tokens after the outage = %q, %v", tok.AccessToken, err)
	}
}
