package components

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Container identity inside the task definition; the image is built to match.
const (
	ServiceContainerName = "bff"
	ServiceContainerUser = "65532:65532"
)

var envName = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)

// ServiceArgs configures the Fargate service that runs the BFF and serves the SPA.
type ServiceArgs struct {
	// Account is the looked-up partition, account and region. Required.
	Account *Account
	// VpcId and SubnetIds (private) place the tasks. Required.
	VpcId     pulumi.StringInput
	SubnetIds pulumi.StringArrayInput
	// AlbSecurityGroupId is the only source admitted to the container port. Required.
	AlbSecurityGroupId pulumi.StringInput
	// TargetGroupArn registers the tasks with the ALB. Required.
	TargetGroupArn pulumi.StringInput
	// Image is the pinned reference repository@sha256:<digest>. Required.
	Image pulumi.StringInput
	// RepositoryArn is the ECR repository the execution role may pull from. Required.
	RepositoryArn pulumi.StringInput
	// ContainerPort is the port the BFF listens on. Defaults to 8080.
	ContainerPort int
	// Cpu (units) and MemoryMiB size the task. Default to 512 and 1024.
	Cpu, MemoryMiB int
	// Architecture is the task's CPU architecture, ArchArm64 or ArchX86_64;
	// the image must be built for it. Defaults to ArchArm64. Fargate FIPS-140
	// mode runs only ArchX86_64 (see ArchitectureFor).
	Architecture string
	// DesiredCount is the number of tasks. Defaults to 2; at least 2, in
	// different AZs, so one AZ or one task can fail (CP-10, SC-5).
	DesiredCount int
	// MaxCount is the most tasks CPU target tracking may scale out to; the
	// service never runs fewer than DesiredCount. Defaults to 4 × DesiredCount;
	// set it equal to DesiredCount to turn scaling off.
	MaxCount int
	// Environment is the container environment. Never put secrets here.
	// Defaults to none, plus the Go runtime's garbage-collector setting for
	// MemoryMiB (gcpolicy.Env: GOGC=off, GOMEMLIMIT at 80% of the memory)
	// unless Environment sets GOGC or GOMEMLIMIT itself.
	Environment map[string]pulumi.StringInput
	// Secrets maps environment names to Secrets Manager secret ARNs; ECS
	// injects the values at start. Defaults to none.
	Secrets map[string]pulumi.StringInput
	// SessionTableArn is the only table the task may use. Required.
	SessionTableArn pulumi.StringInput
	// SessionsKeyArn is the CMK that wraps the BFF's session data key. Required.
	SessionsKeyArn pulumi.StringInput
	// DataKeyArn encrypts the table and the secrets; the roles may use it only
	// through DynamoDB and Secrets Manager. Required.
	DataKeyArn pulumi.StringInput
	// LogKeyArn encrypts the container log group. Required.
	LogKeyArn pulumi.StringInput
	// LogRetentionDays is the container log retention. Defaults to 365.
	LogRetentionDays int
	// ContainerInsights is "enabled" or "enhanced". Defaults to "enabled".
	ContainerInsights string
	// EgressPorts are the TCP ports the tasks may open to the internet (through
	// NAT) and to VPC endpoints. Defaults to [443].
	EgressPorts []int
	// DependsOn are resources the service waits for (the ALB listeners, so
	// the target group is attached before the first task registers).
	// Defaults to none.
	DependsOn []pulumi.Resource
	// Tags are added to every taggable child. Defaults to none.
	Tags map[string]string
}

// Service is the ECS cluster, task definition, roles, log group, task
// security group and the Fargate service.
type Service struct {
	pulumi.ResourceState

	Cluster          *ecs.Cluster
	Service          *ecs.Service
	TaskDefinition   *ecs.TaskDefinition
	ClusterName      pulumi.StringOutput
	ServiceName      pulumi.StringOutput
	TaskRoleArn      pulumi.StringOutput
	ExecutionRoleArn pulumi.StringOutput
	LogGroupName     pulumi.StringOutput
	SecurityGroupId  pulumi.StringOutput
}

func (a *ServiceArgs) withDefaults() ServiceArgs {
	out := *a
	if out.ContainerPort == 0 {
		out.ContainerPort = 8080
	}
	if out.Cpu == 0 {
		out.Cpu = 512
	}
	if out.MemoryMiB == 0 {
		out.MemoryMiB = 1024
	}
	if out.Architecture == "" {
		out.Architecture = DefaultArchitecture
	}
	out.Environment = withGCPolicy(a.Environment, out.MemoryMiB)
	if out.DesiredCount == 0 {
		out.DesiredCount = 2
	}
	if out.MaxCount == 0 {
		out.MaxCount = 4 * out.DesiredCount
	}
	if out.LogRetentionDays == 0 {
		out.LogRetentionDays = DefaultLogRetentionDays
	}
	if out.ContainerInsights == "" {
		out.ContainerInsights = "enabled"
	}
	if len(out.EgressPorts) == 0 {
		out.EgressPorts = []int{443}
	}
	return out
}

// fargateMemory lists valid memory sizes (MiB) per CPU size for Fargate.
func fargateMemoryValid(cpu, mem int) bool {
	switch cpu {
	case 256:
		return slices.Contains([]int{512, 1024, 2048}, mem)
	case 512:
		return mem >= 1024 && mem <= 4096 && mem%1024 == 0
	case 1024:
		return mem >= 2048 && mem <= 8192 && mem%1024 == 0
	case 2048:
		return mem >= 4096 && mem <= 16384 && mem%1024 == 0
	case 4096:
		return mem >= 8192 && mem <= 30720 && mem%1024 == 0
	}
	return false
}

func (a *ServiceArgs) validate() error {
	var errs []error
	if a.Account == nil {
		errs = append(errs, errors.New("Account is required (use LookupAccount)"))
	}
	required := map[string]bool{
		"VpcId": a.VpcId != nil, "SubnetIds": a.SubnetIds != nil, "AlbSecurityGroupId": a.AlbSecurityGroupId != nil,
		"TargetGroupArn": a.TargetGroupArn != nil, "Image": a.Image != nil, "RepositoryArn": a.RepositoryArn != nil,
		"SessionTableArn": a.SessionTableArn != nil, "SessionsKeyArn": a.SessionsKeyArn != nil,
		"DataKeyArn": a.DataKeyArn != nil, "LogKeyArn": a.LogKeyArn != nil,
	}
	for _, field := range slices.Sorted(maps.Keys(required)) {
		if !required[field] {
			errs = append(errs, fmt.Errorf("%s is required", field))
		}
	}
	if a.DesiredCount < 2 {
		errs = append(errs, fmt.Errorf("DesiredCount is %d; run at least 2 tasks so one AZ can fail", a.DesiredCount))
	}
	if a.MaxCount < a.DesiredCount {
		errs = append(errs, fmt.Errorf("MaxCount %d is below DesiredCount %d", a.MaxCount, a.DesiredCount))
	}
	if !fargateMemoryValid(a.Cpu, a.MemoryMiB) {
		errs = append(errs, fmt.Errorf("Cpu %d with MemoryMiB %d is not a Fargate task size (e.g. 512/1024, 1024/2048)", a.Cpu, a.MemoryMiB))
	}
	if err := validateArchitecture("Architecture", a.Architecture); err != nil {
		errs = append(errs, err)
	}
	if a.ContainerPort < 1024 || a.ContainerPort > 65535 {
		errs = append(errs, fmt.Errorf("ContainerPort %d must be 1024-65535: the container runs as a non-root user", a.ContainerPort))
	}
	if a.ContainerInsights != "enabled" && a.ContainerInsights != "enhanced" {
		errs = append(errs, fmt.Errorf("ContainerInsights %q must be enabled or enhanced", a.ContainerInsights))
	}
	if !ValidLogRetention(a.LogRetentionDays) {
		errs = append(errs, fmt.Errorf("LogRetentionDays %d is not a CloudWatch Logs retention", a.LogRetentionDays))
	}
	for _, p := range a.EgressPorts {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("EgressPorts entry %d is not a TCP port", p))
		}
	}
	for name := range a.Environment {
		if !envName.MatchString(name) {
			errs = append(errs, fmt.Errorf("Environment name %q is not an upper-case variable name", name))
		}
		if _, dup := a.Secrets[name]; dup {
			errs = append(errs, fmt.Errorf("%s is both in Environment and Secrets; a secret belongs only in Secrets", name))
		}
	}
	for name := range a.Secrets {
		if !envName.MatchString(name) {
			errs = append(errs, fmt.Errorf("Secrets name %q is not an upper-case variable name", name))
		}
	}
	return joinErrors("service", errs)
}

// NewService creates the cluster and the Fargate service.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		args = &ServiceArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	s := &Service{}
	if err := ctx.RegisterComponentResource("gatehouse:service:Service", name, s, opts...); err != nil {
		return nil, err
	}
	if err := s.build(ctx, name, a); err != nil {
		return nil, fmt.Errorf("components: service %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{
		"clusterName":      s.ClusterName,
		"serviceName":      s.ServiceName,
		"taskRoleArn":      s.TaskRoleArn,
		"executionRoleArn": s.ExecutionRoleArn,
		"logGroupName":     s.LogGroupName,
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) build(ctx *pulumi.Context, name string, a ServiceArgs) error {
	child := pulumi.Parent(s)
	tags := pulumi.ToStringMap(a.Tags)

	cluster, err := ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Name: physicalName(typeCluster, name),
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String(a.ContainerInsights),
		}},
		Tags: tags,
	}, child)
	if err != nil {
		return err
	}
	s.Cluster, s.ClusterName = cluster, cluster.Name

	logs, err := NewLogGroup(ctx, name, &LogGroupArgs{KmsKeyArn: a.LogKeyArn, RetentionDays: a.LogRetentionDays}, child)
	if err != nil {
		return err
	}
	s.LogGroupName = logs.Name

	roles, err := newServiceRoles(ctx, name, a, logs.Arn, tags, child)
	if err != nil {
		return err
	}
	s.TaskRoleArn, s.ExecutionRoleArn = roles.task.Arn, roles.execution.Arn

	sg, err := serviceSecurityGroup(ctx, name, a, tags, child)
	if err != nil {
		return err
	}
	s.SecurityGroupId = sg.ID().ToStringOutput()

	td, err := ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  physicalName(typeTaskDefinition, name),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		Cpu:                     pulumi.String(fmt.Sprint(a.Cpu)),
		Memory:                  pulumi.String(fmt.Sprint(a.MemoryMiB)),
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			CpuArchitecture:       pulumi.String(ecsCpuArchitecture(a.Architecture)),
			OperatingSystemFamily: pulumi.String("LINUX"),
		},
		ExecutionRoleArn:     roles.execution.Arn,
		TaskRoleArn:          roles.task.Arn,
		ContainerDefinitions: containerDefinitions(a, logs.Name),
		Tags:                 tags,
	}, child, pulumi.DependsOn([]pulumi.Resource{roles.executionPolicy}))
	if err != nil {
		return err
	}
	s.TaskDefinition = td

	svc, err := ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Name:            physicalName(typeService, name),
		Cluster:         cluster.Arn,
		TaskDefinition:  td.Arn,
		DesiredCount:    pulumi.Int(a.DesiredCount),
		LaunchType:      pulumi.String("FARGATE"),
		PlatformVersion: pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        a.SubnetIds,
			SecurityGroups: pulumi.StringArray{sg.ID()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: a.TargetGroupArn,
			ContainerName:  pulumi.String(ServiceContainerName),
			ContainerPort:  pulumi.Int(a.ContainerPort),
		}},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(30),
		AvailabilityZoneRebalancing:     pulumi.String("ENABLED"),
		EnableExecuteCommand:            pulumi.Bool(false), // no shell into tasks (AC-6, CM-7)
		EnableEcsManagedTags:            pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
		WaitForSteadyState:              pulumi.Bool(true),
		Tags:                            tags,
	}, serviceOptions(a, child)...)
	if err != nil {
		return err
	}
	s.Service, s.ServiceName = svc, svc.Name
	return serviceScaling(ctx, name, a, cluster, svc, tags, child)
}

// serviceOptions leaves the running task count to the scaler once scaling is on.
func serviceOptions(a ServiceArgs, child pulumi.ResourceOrInvokeOption) []pulumi.ResourceOption {
	opts := []pulumi.ResourceOption{child, pulumi.DependsOn(a.DependsOn)}
	if a.MaxCount > a.DesiredCount {
		opts = append(opts, pulumi.IgnoreChanges([]string{"desiredCount"}))
	}
	return opts
}

// serviceSecurityGroup admits only the ALB, on the container port, and lets
// the task open HTTPS (and configured ports) outwards.
func serviceSecurityGroup(ctx *pulumi.Context, name string, a ServiceArgs, tags pulumi.StringMap, child pulumi.ResourceOrInvokeOption) (*ec2.SecurityGroup, error) {
	var egress ec2.SecurityGroupEgressArray
	for _, p := range a.EgressPorts {
		egress = append(egress, &ec2.SecurityGroupEgressArgs{
			Description: pulumi.String(fmt.Sprintf("outbound TCP %d (AWS endpoints, IdP, upstream APIs)", p)),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(p),
			ToPort:      pulumi.Int(p),
			CidrBlocks:  pulumi.StringArray{pulumi.String("0.0.0.0/0")},
		})
	}
	return ec2.NewSecurityGroup(ctx, name+"-task", &ec2.SecurityGroupArgs{
		VpcId:       a.VpcId,
		Description: pulumi.String("Gatehouse tasks: the ALB only"),
		Ingress: ec2.SecurityGroupIngressArray{&ec2.SecurityGroupIngressArgs{
			Description:    pulumi.String("from the ALB"),
			Protocol:       pulumi.String("tcp"),
			FromPort:       pulumi.Int(a.ContainerPort),
			ToPort:         pulumi.Int(a.ContainerPort),
			SecurityGroups: pulumi.StringArray{a.AlbSecurityGroupId},
		}},
		Egress: egress,
		Tags:   tags,
	}, child)
}
