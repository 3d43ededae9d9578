package dynamodb

import (
	"context"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// boundedAPI gives every call its own deadline. The store bounds its calls
// itself because only a networked store needs it: the session guard runs
// on every request and should not pay for a timer the memory store never
// uses.
type boundedAPI struct {
	api     API
	timeout time.Duration
}

type call[In, Out any] func(context.Context, In, ...func(*ddb.Options)) (Out, error)

func within[In, Out any](ctx context.Context, d time.Duration, c call[In, Out], in In, optFns []func(*ddb.Options)) (Out, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return c(ctx, in, optFns...)
}

func (b boundedAPI) GetItem(ctx context.Context, in *ddb.GetItemInput, optFns ...func(*ddb.Options)) (*ddb.GetItemOutput, error) {
	return within(ctx, b.timeout, b.api.GetItem, in, optFns)
}

func (b boundedAPI) PutItem(ctx context.Context, in *ddb.PutItemInput, optFns ...func(*ddb.Options)) (*ddb.PutItemOutput, error) {
	return within(ctx, b.timeout, b.api.PutItem, in, optFns)
}

func (b boundedAPI) DeleteItem(ctx context.Context, in *ddb.DeleteItemInput, optFns ...func(*ddb.Options)) (*ddb.DeleteItemOutput, error) {
	return within(ctx, b.timeout, b.api.DeleteItem, in, optFns)
}

func (b boundedAPI) Query(ctx context.Context, in *ddb.QueryInput, optFns ...func(*ddb.Options)) (*ddb.QueryOutput, error) {
	return within(ctx, b.timeout, b.api.Query, in, optFns)
}
