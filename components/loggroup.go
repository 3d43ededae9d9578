package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DefaultLogRetentionDays keeps a year of logs online (AU-11).
const DefaultLogRetentionDays = 365

// validRetentionDays are the values CloudWatch Logs accepts.
var validRetentionDays = map[int]bool{
	1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true, 120: true, 150: true,
	180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true, 2192: true,
	2557: true, 2922: true, 3288: true, 3653: true,
}

// ValidLogRetention reports whether CloudWatch Logs accepts days as a retention.
func ValidLogRetention(days int) bool { return validRetentionDays[days] }

// LogGroupArgs configures a log group.
type LogGroupArgs struct {
	// Name is the exact log group name (WAF needs an `aws-waf-logs-` prefix).
	// Defaults to a name Pulumi derives from the resource name.
	Name string
	// KmsKeyArn is the log CMK. Required: logs hold request metadata (AU-9).
	KmsKeyArn pulumi.StringInput
	// RetentionDays is how long events are kept. Defaults to 365.
	RetentionDays int
}

// NewLogGroup creates a CloudWatch log group encrypted with the log CMK and
// with a retention. It is a plain resource, parented by the caller's options.
func NewLogGroup(ctx *pulumi.Context, name string, args *LogGroupArgs, opts ...pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	if args == nil {
		args = &LogGroupArgs{}
	}
	retention := args.RetentionDays
	if retention == 0 {
		retention = DefaultLogRetentionDays
	}
	var errs []error
	if args.KmsKeyArn == nil {
		errs = append(errs, errors.New("KmsKeyArn is required: log groups are encrypted with the log CMK"))
	}
	if !ValidLogRetention(retention) {
		errs = append(errs, fmt.Errorf("RetentionDays %d is not a CloudWatch Logs retention (use 90, 180, 365, 731, ...)", retention))
	}
	if err := joinErrors("log group "+name, errs); err != nil {
		return nil, err
	}
	lgArgs := &cloudwatch.LogGroupArgs{
		KmsKeyId:        args.KmsKeyArn,
		RetentionInDays: pulumi.Int(retention),
	}
	if args.Name != "" {
		lgArgs.Name = physicalName(typeLogGroup, args.Name)
	}
	lg, err := cloudwatch.NewLogGroup(ctx, name, lgArgs, opts...)
	if err != nil {
		return nil, fmt.Errorf("components: log group %s: %w", name, err)
	}
	return lg, nil
}
