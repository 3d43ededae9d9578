package todo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB attribute names. The table's key is (sub, id): the partition is the
// owner, so a Query can only ever return that owner's items.
const (
	attrOwner     = "sub"
	attrID        = "id"
	attrTitle     = "title"
	attrCompleted = "completed"
	attrCreatedAt = "created_at"
	attrUpdatedAt = "updated_at"
)

// DynamoDBAPI is the part of the DynamoDB client the store uses.
type DynamoDBAPI interface {
	dynamodb.QueryAPIClient
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// DynamoDBStore keeps items in a DynamoDB table with partition key `sub` (S)
// and sort key `id` (S).
type DynamoDBStore struct {
	client DynamoDBAPI
	table  string
}

// NewDynamoDBStore returns a store over table.
func NewDynamoDBStore(client DynamoDBAPI, table string) (*DynamoDBStore, error) {
	if client == nil || table == "" {
		return nil, errors.New("todo: dynamodb store needs a client and a table name (set TODO_TABLE)")
	}
	return &DynamoDBStore{client: client, table: table}, nil
}

func itemKey(owner, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrOwner: &types.AttributeValueMemberS{Value: owner},
		attrID:    &types.AttributeValueMemberS{Value: id},
	}
}

func (s *DynamoDBStore) List(ctx context.Context, owner string) ([]Item, error) {
	pages := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#sub = :sub"),
		ExpressionAttributeNames:  map[string]string{"#sub": attrOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sub": &types.AttributeValueMemberS{Value: owner}},
		ConsistentRead:            aws.Bool(true),
	})
	items := []Item{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("todo: dynamodb query: %w", err)
		}
		for _, av := range page.Items {
			item, err := decodeItem(av)
			if err != nil {
				return nil, err
			}
			items = append(items, item)
		}
	}
	return items, nil
}

func (s *DynamoDBStore) Get(ctx context.Context, owner, id string) (Item, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            itemKey(owner, id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Item{}, fmt.Errorf("todo: dynamodb get: %w", err)
	}
	if out.Item == nil {
		return Item{}, ErrNotFound
	}
	return decodeItem(out.Item)
}

func (s *DynamoDBStore) Create(ctx context.Context, owner string, item Item) error {
	if owner == "" || item.ID == "" {
		return fmt.Errorf("%w: owner and id are required", ErrInvalid)
	}
	av := encodeItem(item)
	av[attrOwner] = &types.AttributeValueMemberS{Value: owner}
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     av,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	if isConditionFailed(err) {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("todo: dynamodb put: %w", err)
	}
	return nil
}

func (s *DynamoDBStore) Update(ctx context.Context, owner, id string, patch Patch, now time.Time) (Item, error) {
	names := map[string]string{"#id": attrID, "#updated": attrUpdatedAt}
	values := map[string]types.AttributeValue{":updated": &types.AttributeValueMemberS{Value: formatTime(now)}}
	expr := "SET #updated = :updated"
	if patch.Title != nil {
		names["#title"] = attrTitle
		values[":title"] = &types.AttributeValueMemberS{Value: *patch.Title}
		expr += ", #title = :title"
	}
	if patch.Completed != nil {
		names["#completed"] = attrCompleted
		values[":completed"] = &types.AttributeValueMemberBOOL{Value: *patch.Completed}
		expr += ", #completed = :completed"
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       itemKey(owner, id),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("todo: dynamodb update: %w", err)
	}
	return decodeItem(out.Attributes)
}

func (s *DynamoDBStore) Delete(ctx context.Context, owner, id string) error {
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(owner, id),
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("todo: dynamodb delete: %w", err)
	}
	return nil
}

func isConditionFailed(err error) bool {
	var failed *types.ConditionalCheckFailedException
	return errors.As(err, &failed)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func encodeItem(item Item) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrID:        &types.AttributeValueMemberS{Value: item.ID},
		attrTitle:     &types.AttributeValueMemberS{Value: item.Title},
		attrCompleted: &types.AttributeValueMemberBOOL{Value: item.Completed},
		attrCreatedAt: &types.AttributeValueMemberS{Value: formatTime(item.CreatedAt)},
		attrUpdatedAt: &types.AttributeValueMemberS{Value: formatTime(item.UpdatedAt)},
	}
}

func decodeItem(av map[string]types.AttributeValue) (Item, error) {
	var item Item
	var err error
	str := func(name string) string {
		if v, ok := av[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		if err == nil {
			err = fmt.Errorf("todo: dynamodb item lacks string attribute %q", name)
		}
		return ""
	}
	when := func(name string) time.Time {
		t, perr := time.Parse(time.RFC3339Nano, str(name))
		if perr != nil && err == nil {
			err = fmt.Errorf("todo: dynamodb item attribute %q: %w", name, perr)
		}
		return t
	}
	item.ID = str(attrID)
	item.Title = str(attrTitle)
	item.CreatedAt = when(attrCreatedAt)
	item.UpdatedAt = when(attrUpdatedAt)
	if v, ok := av[attrCompleted].(*types.AttributeValueMemberBOOL); ok {
		item.Completed = v.Value
	}
	return item, err
}
