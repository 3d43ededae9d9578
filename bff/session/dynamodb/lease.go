package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse/gatehouse/bff/session"
)

const (
	// leaseIDPrefix keeps lease items apart from session items, whose ids
	// are hex. Lease items carry neither sub nor sid, so no GSI sees them.
	leaseIDPrefix = "lease#"
	// attrLeaseToken names the holder; only it may delete the lease.
	attrLeaseToken = "lease_token"
)

// Lease is one conditional put: it succeeds only when no lease item exists
// or the one there is past its deadline, so taking over an expired lease is
// as atomic as taking a new one. DynamoDB's TTL removes lease items later;
// the condition, not the TTL, decides.
func (s *Store) Lease(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	token, err := session.NewLeaseToken(key, ttl)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	id := leaseIDPrefix + key
	item := map[string]types.AttributeValue{
		AttrID:         &types.AttributeValueMemberS{Value: id},
		attrLeaseToken: &types.AttributeValueMemberS{Value: token},
	}
	setExpiry(item, now.Add(ttl))
	_, err = s.api.PutItem(ctx, &ddb.PutItemInput{
		TableName:                 s.table,
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(#id) OR #exp <= :now"),
		ExpressionAttributeNames:  map[string]string{"#id": AttrID, "#exp": attrExpiresMs},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.UnixMilli())},
	})
	if err != nil {
		if isConditionFailed(err) {
			return nil, fmt.Errorf("dynamodb: lease: %w", session.ErrLeaseHeld)
		}
		return nil, unavailable("lease", err)
	}
	return func(ctx context.Context) error {
		_, err := s.api.DeleteItem(ctx, &ddb.DeleteItemInput{
			TableName:                 s.table,
			Key:                       keyOf(id),
			ConditionExpression:       aws.String("#tok = :tok"),
			ExpressionAttributeNames:  map[string]string{"#tok": attrLeaseToken},
			ExpressionAttributeValues: map[string]types.AttributeValue{":tok": &types.AttributeValueMemberS{Value: token}},
		})
		if err != nil && !isConditionFailed(err) {
			return unavailable("release lease", err)
		}
		// A failed condition means the lease expired and has another holder, or is gone.
		return nil
	}, nil
}
