package todo

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/gatehouse/gatehouse/internal/devservers"
)

// startDynalite runs the real dynalite server on a free loopback port.
func startDynalite(t *testing.T) *dynamodb.Client {
	t.Helper()
	return devservers.DynaliteT(t).Client()
}

// createTodoTable creates the table exactly as the contract states: sub (S) hash, id (S) range.
func createTodoTable(t *testing.T, client *dynamodb.Client, name string) {
	t.Helper()
	ctx := context.Background()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("sub"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("sub"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 20 * time.Millisecond
		o.MaxDelay = 200 * time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("table %s not active: %v", name, err)
	}
}

func TestDynamoDBStore(t *testing.T) {
	client := startDynalite(t)
	var tables atomic.Int64
	testStore(t, func(t *testing.T) Store {
		name := fmt.Sprintf("todos-%d", tables.Add(1))
		createTodoTable(t, client, name)
		s, err := NewDynamoDBStore(client, name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestDynamoDBStoreListsEveryPage(t *testing.T) {
	client := startDynalite(t)
	createTodoTable(t, client, "paged")
	s, _ := NewDynamoDBStore(client, "paged")
	ctx := context.Background()
	// 300 items of ~4 KB exceed one 1 MB query page, so List must follow LastEvaluatedKey.
	title := strings.Repeat("y", 4000)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 300
	for i := range n {
		at := start.Add(time.Duration(i) * time.Millisecond)
		id, _ := NewID(at)
		if err := s.Create(ctx, "alice", Item{ID: id, Title: title, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("List = %d items, want %d", len(got), n)
	}
	for i := 1; i < n; i++ {
		if got[i-1].ID >= got[i].ID {
			t.Fatalf("List out of order at %d", i)
		}
	}
}
