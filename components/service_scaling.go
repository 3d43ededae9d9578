package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// serviceScaling keeps between DesiredCount and MaxCount tasks, tracking CPU,
// so a surge degrades into more tasks rather than refused logins (SC-5).
func serviceScaling(ctx *pulumi.Context, name string, a ServiceArgs, cluster *ecs.Cluster, svc *ecs.Service, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) error {
	if a.MaxCount <= a.DesiredCount {
		return nil
	}
	target, err := appautoscaling.NewTarget(ctx, name, &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", cluster.Name, svc.Name),
		MinCapacity:       pulumi.Int(a.DesiredCount),
		MaxCapacity:       pulumi.Int(a.MaxCount),
		Tags:              tags,
	}, child)
	if err != nil {
		return err
	}
	_, err = appautoscaling.NewPolicy(ctx, name+"-cpu", &appautoscaling.PolicyArgs{
		PolicyType:        pulumi.String("TargetTrackingScaling"),
		ServiceNamespace:  target.ServiceNamespace,
		ScalableDimension: target.ScalableDimension,
		ResourceId:        target.ResourceId,
		TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
			PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
				PredefinedMetricType: pulumi.String("ECSServiceAverageCPUUtilization"),
			},
			TargetValue:      pulumi.Float64(60),
			ScaleOutCooldown: pulumi.Int(60),
			ScaleInCooldown:  pulumi.Int(300),
		},
	}, child)
	return err
}
