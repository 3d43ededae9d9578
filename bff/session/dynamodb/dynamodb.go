// Package dynamodb is the cloud-default session store: one item per
// session in a DynamoDB table (the schema the SessionTable component
// creates), conditional writes on a version attribute, DynamoDB TTL for
// eviction, and two key-only GSIs for back-channel logout.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse/gatehouse/bff/session"
)

// Attribute and index names: the contract with the SessionTable component.
const (
	AttrID        = "id"
	AttrSubject   = "sub"
	AttrSID       = "sid"
	AttrExpiresAt = "expires_at" // epoch seconds, the table's TTL attribute
	AttrVersion   = "version"
	IndexSubject  = "sub-index"
	IndexSID      = "sid-index"

	// attrExpiresMs is the exact deadline, so conditions need not round to seconds.
	attrExpiresMs = "expires_ms"
	// attrRecord holds session.MarshalRecord; the tokens inside are sealed.
	attrRecord = "rec"
)

// API is the part of the DynamoDB client the store uses; *dynamodb.Client satisfies it.
type API interface {
	GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (*ddb.GetItemOutput, error)
	PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (*ddb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *ddb.DeleteItemInput, optFns ...func(*ddb.Options)) (*ddb.DeleteItemOutput, error)
	Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (*ddb.QueryOutput, error)
}

// Options configure a Store.
type Options struct {
	// Table is the session table's name. Required.
	Table string
	// Clock returns the current time; items past their deadline by this
	// clock are treated as gone (DynamoDB TTL deletes lazily, within days).
	// Defaults to time.Now.
	Clock func() time.Time
	// CallTimeout bounds each DynamoDB call, the SDK's retries included, so
	// a hung endpoint answers ErrUnavailable instead of holding the request.
	// Defaults to 3s.
	CallTimeout time.Duration
}

// Defaults fills every unset field with its default.
func (o *Options) Defaults() {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = 3 * time.Second
	}
}

// Validate reports every problem at once.
func (o *Options) Validate() error {
	var problems []error
	if o.Table == "" {
		problems = append(problems, errors.New("table name is empty: set GATEHOUSE_SESSION_TABLE to the SessionTable output"))
	}
	if o.Clock == nil {
		problems = append(problems, errors.New("clock is nil: leave it unset for time.Now"))
	}
	if o.CallTimeout < 0 {
		problems = append(problems, errors.New("call timeout is negative: leave it unset for 3s"))
	}
	if len(problems) > 0 {
		return fmt.Errorf("dynamodb: invalid options: %w", errors.Join(problems...))
	}
	return nil
}

// Store is a session.Store on DynamoDB. It is safe for concurrent use.
type Store struct {
	api   API
	table *string
	clock func() time.Time
}

var _ session.Store = (*Store)(nil)

// New returns a Store. It makes no call until the first operation.
func New(api API, opts Options) (*Store, error) {
	opts.Defaults()
	err := opts.Validate()
	if api == nil {
		err = errors.Join(err, errors.New("dynamodb: client is nil"))
	}
	if err != nil {
		return nil, err
	}
	return &Store{api: boundedAPI{api: api, timeout: opts.CallTimeout}, table: aws.String(opts.Table), clock: opts.Clock}, nil
}

func keyOf(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrID: &types.AttributeValueMemberS{Value: key}}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func (s *Store) nowMs() int64 { return s.clock().UnixMilli() }

// Get reads with strong consistency and hides items past their deadline.
func (s *Store) Get(ctx context.Context, key string) (*session.Record, error) {
	out, err := s.api.GetItem(ctx, &ddb.GetItemInput{TableName: s.table, Key: keyOf(key), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, unavailable("get", err)
	}
	if out.Item == nil {
		return nil, session.ErrNotFound
	}
	r, err := decodeItem(out.Item)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get: %w", err)
	}
	if !s.clock().Before(r.ExpiresAt()) {
		return nil, session.ErrExpired
	}
	return r, nil
}

// Create writes version 1 unless a live item holds the key.
func (s *Store) Create(ctx context.Context, r *session.Record) error {
	if r.Key == "" || r.Subject == "" {
		return errors.New("dynamodb: create: record key and subject are required")
	}
	_, err := s.api.PutItem(ctx, &ddb.PutItemInput{
		TableName:                 s.table,
		Item:                      encodeItem(r, 1),
		ConditionExpression:       aws.String("attribute_not_exists(#id) OR #exp <= :now"),
		ExpressionAttributeNames:  map[string]string{"#id": AttrID, "#exp": attrExpiresMs},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.nowMs())},
	})
	if err != nil {
		if isConditionFailed(err) {
			return fmt.Errorf("dynamodb: create: %w", session.ErrConflict)
		}
		return unavailable("create", err)
	}
	r.Version = 1
	return nil
}

// Update replaces the item only while it is live at r.Version.
func (s *Store) Update(ctx context.Context, r *session.Record) error {
	if r.Key == "" || r.Subject == "" {
		return errors.New("dynamodb: update: record key and subject are required")
	}
	next := r.Version + 1
	_, err := s.api.PutItem(ctx, &ddb.PutItemInput{
		TableName:                 s.table,
		Item:                      encodeItem(r, next),
		ConditionExpression:       aws.String("#v = :v AND #exp > :now"),
		ExpressionAttributeNames:  map[string]string{"#v": AttrVersion, "#exp": attrExpiresMs},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(r.Version), ":now": num(s.nowMs())},
	})
	if err == nil {
		r.Version = next
		return nil
	}
	if !isConditionFailed(err) {
		return unavailable("update", err)
	}
	// The condition failed: tell a lost race from a record that is gone.
	if _, gerr := s.Get(ctx, r.Key); gerr != nil {
		if errors.Is(gerr, session.ErrNotFound) {
			return fmt.Errorf("dynamodb: update: %w", session.ErrNotFound)
		}
		return gerr
	}
	return fmt.Errorf("dynamodb: update: %w", session.ErrConflict)
}

func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.api.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: s.table, Key: keyOf(key)}); err != nil {
		return unavailable("delete", err)
	}
	return nil
}

// DeleteBySubject and DeleteByIdPSession query a key-only GSI, then delete
// each item. GSIs are eventually consistent in DynamoDB: a session created
// within the last instant may be missed, as AWS documents for all GSI reads.
func (s *Store) DeleteBySubject(ctx context.Context, subject string) (int, error) {
	return s.deleteByIndex(ctx, IndexSubject, AttrSubject, subject)
}

func (s *Store) DeleteByIdPSession(ctx context.Context, sid string) (int, error) {
	return s.deleteByIndex(ctx, IndexSID, AttrSID, sid)
}

func (s *Store) deleteByIndex(ctx context.Context, index, attr, value string) (int, error) {
	if value == "" {
		return 0, nil
	}
	in := &ddb.QueryInput{
		TableName:                 s.table,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: value}},
	}
	deleted := 0
	for {
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return deleted, unavailable("query "+index, err)
		}
		for _, item := range out.Items {
			id, ok := item[AttrID].(*types.AttributeValueMemberS)
			if !ok {
				continue
			}
			old, err := s.api.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: s.table, Key: keyOf(id.Value), ReturnValues: types.ReturnValueAllOld})
			if err != nil {
				return deleted, unavailable("delete", err)
			}
			if live(old.Attributes, s.nowMs()) {
				deleted++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return deleted, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func live(item map[string]types.AttributeValue, nowMs int64) bool {
	exp, ok := item[attrExpiresMs].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	ms, err := strconv.ParseInt(exp.Value, 10, 64)
	return err == nil && ms > nowMs
}

// Ping reads a key that never exists: it proves the table answers with the
// same permission the store already needs, and nothing more.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.api.GetItem(ctx, &ddb.GetItemInput{TableName: s.table, Key: keyOf("ping")})
	return unavailable("ping", err)
}
