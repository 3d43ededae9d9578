package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The session table's schema. The BFF's DynamoDB store reads and writes
// exactly these names.
const (
	SessionTableHashKey      = "id"
	SessionTableTTLAttribute = "expires_at"
	SessionTableSubjectIndex = "sub-index"
	SessionTableSidIndex     = "sid-index"
)

// SessionTableArgs configures the BFF's session table.
type SessionTableArgs struct {
	// KmsKeyArn is the data CMK used for server-side encryption. Required.
	KmsKeyArn pulumi.StringInput
	// DeletionProtection guards the table against a mistaken destroy.
	// Defaults to true; set DisableDeletionProtection to turn it off.
	DisableDeletionProtection bool
}

// SessionTable is the DynamoDB table behind the BFF's server-side sessions:
// on-demand, TTL-expired, point-in-time recoverable and encrypted with the
// data CMK.
type SessionTable struct {
	pulumi.ResourceState

	Table     *dynamodb.Table
	Name, Arn pulumi.StringOutput
}

// NewSessionTable creates the table.
func NewSessionTable(ctx *pulumi.Context, name string, args *SessionTableArgs, opts ...pulumi.ResourceOption) (*SessionTable, error) {
	if args == nil || args.KmsKeyArn == nil {
		return nil, joinErrors("session table", []error{errors.New("KmsKeyArn is required: sessions hold sealed tokens and are encrypted with the data CMK")})
	}
	st := &SessionTable{}
	if err := ctx.RegisterComponentResource("gatehouse:data:SessionTable", name, st, opts...); err != nil {
		return nil, err
	}
	keysOnly := func(index, attr string) dynamodb.TableGlobalSecondaryIndexInput {
		return dynamodb.TableGlobalSecondaryIndexArgs{
			Name:           pulumi.String(index),
			HashKey:        pulumi.String(attr),
			ProjectionType: pulumi.String("KEYS_ONLY"),
		}
	}
	table, err := dynamodb.NewTable(ctx, name, &dynamodb.TableArgs{
		BillingMode: pulumi.String("PAY_PER_REQUEST"),
		HashKey:     pulumi.String(SessionTableHashKey),
		Attributes: dynamodb.TableAttributeArray{
			dynamodb.TableAttributeArgs{Name: pulumi.String(SessionTableHashKey), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String("sub"), Type: pulumi.String("S")},
			dynamodb.TableAttributeArgs{Name: pulumi.String("sid"), Type: pulumi.String("S")},
		},
		GlobalSecondaryIndexes: dynamodb.TableGlobalSecondaryIndexArray{
			keysOnly(SessionTableSubjectIndex, "sub"),
			keysOnly(SessionTableSidIndex, "sid"),
		},
		Ttl: dynamodb.TableTtlArgs{
			AttributeName: pulumi.String(SessionTableTTLAttribute),
			Enabled:       pulumi.Bool(true),
		},
		PointInTimeRecovery: dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		ServerSideEncryption: dynamodb.TableServerSideEncryptionArgs{
			Enabled:   pulumi.Bool(true),
			KmsKeyArn: args.KmsKeyArn,
		},
		DeletionProtectionEnabled: pulumi.Bool(!args.DisableDeletionProtection),
	}, pulumi.Parent(st))
	if err != nil {
		return nil, fmt.Errorf("components: session table: %w", err)
	}
	st.Table, st.Name, st.Arn = table, table.Name, table.Arn
	if err := ctx.RegisterResourceOutputs(st, pulumi.Map{"name": st.Name, "arn": st.Arn}); err != nil {
		return nil, err
	}
	return st, nil
}
