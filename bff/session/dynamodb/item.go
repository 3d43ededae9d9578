package dynamodb

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/bff/session"
)

func encodeItem(r *session.Record, version int64) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		AttrID:      &types.AttributeValueMemberS{Value: r.Key},
		AttrSubject: &types.AttributeValueMemberS{Value: r.Subject},
		AttrVersion: num(version),
		attrRecord:  &types.AttributeValueMemberB{Value: session.MarshalRecord(r)},
	}
	setExpiry(item, r.ExpiresAt())
	// GSI key attributes cannot be empty strings; leaving sid out keeps the index sparse.
	if r.IdPSessionID != "" {
		item[AttrSID] = &types.AttributeValueMemberS{Value: r.IdPSessionID}
	}
	return item
}

// setExpiry sets the exact deadline the conditions compare and the TTL
// attribute, in whole seconds rounded up so DynamoDB never evicts early.
func setExpiry(item map[string]types.AttributeValue, exp time.Time) {
	ttl := exp.Unix()
	if exp.Nanosecond() > 0 {
		ttl++
	}
	item[AttrExpiresAt] = num(ttl)
	item[attrExpiresMs] = num(exp.UnixMilli())
}

func decodeItem(item map[string]types.AttributeValue) (*session.Record, error) {
	blob, ok := item[attrRecord].(*types.AttributeValueMemberB)
	if !ok {
		return nil, fmt.Errorf("%w: item has no %q attribute", session.ErrBadEncoding, attrRecord)
	}
	v, ok := item[AttrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return nil, fmt.Errorf("%w: item has no %q attribute", session.ErrBadEncoding, AttrVersion)
	}
	r, err := session.UnmarshalRecord(blob.Value)
	if err != nil {
		return nil, err
	}
	if r.Version, err = strconv.ParseInt(v.Value, 10, 64); err != nil {
		return nil, fmt.Errorf("%w: version %q", session.ErrBadEncoding, v.Value)
	}
	return r, nil
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// unavailable marks every backend failure (network, throttling, missing
// table, denied access) so callers keep the session and answer 503.
func unavailable(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("dynamodb: %s: %w: %w", op, session.ErrUnavailable, err)
}

// apiErrorCode returns the service error code, or "" for transport errors.
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
