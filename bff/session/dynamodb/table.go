package dynamodb

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is what CreateTable needs; *dynamodb.Client satisfies it.
type TableAPI interface {
	CreateTable(ctx context.Context, in *ddb.CreateTableInput, optFns ...func(*ddb.Options)) (*ddb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *ddb.DescribeTableInput, optFns ...func(*ddb.Options)) (*ddb.DescribeTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *ddb.UpdateTimeToLiveInput, optFns ...func(*ddb.Options)) (*ddb.UpdateTimeToLiveOutput, error)
}

// CreateTable creates the session table schema (as the SessionTable
// component does, minus its encryption, recovery and protection settings),
// waits until it is active, and enables TTL. For tests and local runs;
// deployed tables come from the component.
func CreateTable(ctx context.Context, client TableAPI, name string) error {
	keyOnly := &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}
	_, err := client.CreateTable(ctx, &ddb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSubject), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSID), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(AttrID), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String(IndexSubject), Projection: keyOnly,
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(AttrSubject), KeyType: types.KeyTypeHash}}},
			{IndexName: aws.String(IndexSID), Projection: keyOnly,
				KeySchema: []types.KeySchemaElement{{AttributeName: aws.String(AttrSID), KeyType: types.KeyTypeHash}}},
		},
	})
	if err != nil {
		return fmt.Errorf("dynamodb: create table %s: %w", name, err)
	}
	waiter := ddb.NewTableExistsWaiter(client, func(o *ddb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 2*time.Second
	})
	if err := waiter.Wait(ctx, &ddb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute); err != nil {
		return fmt.Errorf("dynamodb: table %s never became active: %w", name, err)
	}
	_, err = client.UpdateTimeToLive(ctx, &ddb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrExpiresAt), Enabled: aws.Bool(true)},
	})
	// dynalite has no TTL API; the store filters expired items itself either way.
	if err != nil && apiErrorCode(err) != "UnknownOperationException" {
		return fmt.Errorf("dynamodb: enable TTL on %s: %w", name, err)
	}
	return nil
}
