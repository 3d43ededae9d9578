package rules

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Resource types judged by the compute and container rules.
const (
	typeTaskDefinition = "aws:ecs/taskDefinition:TaskDefinition"
	typeService        = "aws:ecs/service:Service"
)

// supportedRuntimes are the Lambda managed runtimes not yet deprecated.
var supportedRuntimes = []string{
	"provided.al2023", "provided.al2", "nodejs22.x", "nodejs20.x", "python3.13", "python3.12", "python3.11",
	"java21", "java17", "dotnet8", "ruby3.4", "ruby3.3",
}

// secretName matches environment variable names that suggest a credential.
var secretName = regexp.MustCompile(`(?i)(secret|password|passwd|token|api_?key|private_?key|credential)`)

// referenceSuffixes mark variables that name or locate a secret rather than hold it.
var referenceSuffixes = []string{"_ARN", "_ID", "_NAME", "_URL", "_ENDPOINT", "_FILE", "_PATH", "_HEADER", "_TTL", "_SECONDS", "_MINUTES"}

func computeRules() []Rule {
	f := FamilyCompute
	fn, td := types(typeFunction), types(typeTaskDefinition)
	return []Rule{
		resourceRule(f, "lambda-reserved-concurrency", controls("SC-5", "SC-6"),
			"Lambda functions reserve concurrency, so one function cannot exhaust the account's capacity.",
			fn, func(r Resource, _ Settings) []string {
				v := prop(r, "reservedConcurrentExecutions")
				n, ok := num(v)
				return msgs(when(!unknown(v) && (!ok || n < 1), "set reservedConcurrentExecutions to the function's budget (1 or more)"))
			}),
		resourceRule(f, "lambda-supported-runtime", controls("SI-2", "SA-22", "CM-2"),
			"Lambda functions run on a supported, non-deprecated runtime.",
			fn, func(r Resource, _ Settings) []string {
				v := prop(r, "runtime")
				if unknown(v) || str(prop(r, "packageType")) == "Image" {
					return nil
				}
				return msgs(when(!slices.Contains(supportedRuntimes, str(v)),
					"runtime %q is deprecated or unknown: use \"provided.al2023\" (or another of %v)", str(v), supportedRuntimes))
			}),
		resourceRule(f, "lambda-no-plaintext-secrets", controls("IA-5(7)", "SC-28", "SC-12"),
			"Lambda functions name their credentials by Secrets Manager ARN; environment variables never hold them.",
			fn, func(r Resource, _ Settings) []string {
				vars := prop(r, "environment", "variables")
				if !vars.IsMap() {
					return nil
				}
				var plain []string
				for name, v := range vars.AsMap().AllStable {
					if secretName.MatchString(name) && !unknown(v) && !reference(name, str(v)) {
						plain = append(plain, name)
					}
				}
				return msgs(when(len(plain) > 0,
					"environment %v looks like credentials: store them in Secrets Manager and pass the secret's ARN (NAME_ARN)", plain))
			}),
		resourceRule(f, "ecs-task-awsvpc", controls("SC-7", "AC-4"),
			"ECS task definitions use awsvpc networking, so each task has its own security group.",
			td, func(r Resource, _ Settings) []string {
				v := prop(r, "networkMode")
				return msgs(when(!unknown(v) && str(v) != "awsvpc", "networkMode is %q: set \"awsvpc\"", str(v)))
			}),
		resourceRule(f, "ecs-readonly-root-filesystem", controls("CM-5", "CM-7", "SI-7"),
			"ECS containers have a read-only root filesystem.",
			td, eachContainer(func(c container) string {
				if c.ReadonlyRootFilesystem == nil || !*c.ReadonlyRootFilesystem {
					return "set readonlyRootFilesystem: true (mount a volume for any path that must be writable)"
				}
				return ""
			})),
		mandatory(resourceRule(f, "ecs-not-privileged", controls("AC-6", "CM-7"),
			"ECS containers never run privileged.",
			td, eachContainer(func(c container) string {
				if c.Privileged != nil && *c.Privileged {
					return "remove privileged: true"
				}
				return ""
			}))),
		resourceRule(f, "ecs-non-root-user", controls("AC-6", "AC-6(10)", "CM-7"),
			"ECS containers run as a non-root user.",
			td, eachContainer(func(c container) string {
				user := strings.TrimSpace(c.User)
				uid, _, _ := strings.Cut(user, ":")
				if user == "" || uid == "0" || uid == "root" {
					return fmt.Sprintf("user is %q: set a non-root user such as \"65532:65532\"", user)
				}
				return ""
			})),
		resourceRule(f, "ecs-no-plaintext-secrets", controls("IA-5(7)", "SC-28", "SC-12"),
			"ECS containers take credentials from Secrets Manager or SSM (secrets), never from plain environment values.",
			td, eachContainer(func(c container) string {
				var plain []string
				for _, e := range c.Environment {
					if secretName.MatchString(e.Name) && !reference(e.Name, e.Value) {
						plain = append(plain, e.Name)
					}
				}
				if len(plain) == 0 {
					return ""
				}
				return fmt.Sprintf("environment %v looks like credentials: move them to secrets (valueFrom a Secrets Manager ARN)", plain)
			})),
		resourceRule(f, "ecs-container-logging", controls("AU-2", "AU-12"),
			"ECS containers send their logs to a log driver (awslogs or FireLens).",
			td, eachContainer(func(c container) string {
				if c.LogConfiguration == nil || c.LogConfiguration.LogDriver == "" {
					return "set logConfiguration with logDriver \"awslogs\" and a CMK-encrypted log group"
				}
				return ""
			})),
		resourceRule(f, "ecs-service-no-public-ip", controls("SC-7", "AC-4"),
			"ECS services run tasks in private subnets without public IP addresses.",
			types(typeService), func(r Resource, _ Settings) []string {
				v := prop(r, "networkConfiguration", "assignPublicIp")
				return msgs(when(isTrue(v), "set networkConfiguration.assignPublicIp: false and reach the internet through VPC endpoints or NAT"))
			}),
		resourceRule(f, "ecr-immutable-tags", controls("CM-2", "CM-14", "SI-7"),
			"ECR repositories have immutable tags, so a deployed tag always means the same image.",
			types(typeRepository), func(r Resource, _ Settings) []string {
				v := prop(r, "imageTagMutability")
				return msgs(when(!unknown(v) && !strings.HasPrefix(str(v), "IMMUTABLE"), "set imageTagMutability \"IMMUTABLE\""))
			}),
		resourceRule(f, "ecr-scan-on-push", controls("RA-5", "SI-3", "SI-7"),
			"ECR repositories scan images for vulnerabilities on push.",
			types(typeRepository), func(r Resource, _ Settings) []string {
				v := prop(r, "imageScanningConfiguration", "scanOnPush")
				return msgs(when(!isTrue(v) && !unknown(v), "set imageScanningConfiguration: {scanOnPush: true}"))
			}),
	}
}

// container is the part of an ECS container definition the rules read.
type container struct {
	Name                   string      `json:"name"`
	User                   string      `json:"user"`
	Privileged             *bool       `json:"privileged"`
	ReadonlyRootFilesystem *bool       `json:"readonlyRootFilesystem"`
	Environment            []nameValue `json:"environment"`
	LogConfiguration       *struct {
		LogDriver string `json:"logDriver"`
	} `json:"logConfiguration"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// eachContainer applies check to every container of a task definition; the containerDefinitions
// property is a JSON document, unknown until the image digest and log group are known.
func eachContainer(check func(c container) string) func(r Resource, _ Settings) []string {
	return func(r Resource, _ Settings) []string {
		v := prop(r, "containerDefinitions")
		if unknown(v) || !v.IsString() {
			return nil
		}
		var defs []container
		if err := json.Unmarshal([]byte(v.AsString()), &defs); err != nil {
			return []string{fmt.Sprintf("containerDefinitions is not valid JSON: %v", err)}
		}
		var out []string
		for _, c := range defs {
			if msg := check(c); msg != "" {
				out = append(out, fmt.Sprintf("container %q: %s", c.Name, msg))
			}
		}
		return out
	}
}

func reference(name, value string) bool {
	if strings.HasPrefix(value, "arn:") {
		return true
	}
	upper := strings.ToUpper(name)
	return slices.ContainsFunc(referenceSuffixes, func(s string) bool { return strings.HasSuffix(upper, s) })
}
