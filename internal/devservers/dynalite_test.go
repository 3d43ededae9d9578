package devservers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestDynaliteT(t *testing.T) {
	d := DynaliteT(t)
	if !strings.HasPrefix(d.Endpoint, "http://127.0.0.1:") {
		t.Errorf("endpoint %q is not loopback", d.Endpoint)
	}
	ctx := context.Background()
	c := d.Client()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("probe"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	waiter := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("probe")}, 30*time.Second); err != nil {
		t.Fatalf("table never became active: %v", err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("probe"),
		Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "a"}},
	}); err != nil {
		t.Fatalf("PutItem on the active table: %v", err)
	}
	out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 1 || out.TableNames[0] != "probe" {
		t.Fatalf("ListTables = %v, %v; want [probe]", out, err)
	}
	d.Stop()
	if _, err := c.ListTables(ctx, &dynamodb.ListTablesInput{}); err == nil {
		t.Error("ListTables answered after Stop")
	}
}
