package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Command is one of the tool's subcommands.
type Command string

const (
	CmdReview  Command = "review"
	CmdPreview Command = "preview"
	CmdUp      Command = "up"
	CmdDestroy Command = "destroy"
	CmdRefresh Command = "refresh"
	CmdOutputs Command = "outputs"
)

var commands = []Command{CmdReview, CmdPreview, CmdUp, CmdDestroy, CmdRefresh, CmdOutputs}

// ProgramMode chooses how the Automation API runs the Gatehouse program.
type ProgramMode string

const (
	// ProgramInline runs internal/stack.Deploy inside this process; the CLI needs no language host.
	ProgramInline ProgramMode = "inline"
	// ProgramLocal lets the CLI run the project directory with the Go language host, like `pulumi up`.
	ProgramLocal ProgramMode = "local"
)

// Options is everything one run of the tool needs, parsed and validated.
type Options struct {
	Command Command
	// Stack is the base stack named by --stack (e.g. "dev" or "org/dev").
	Stack string
	// PR is the pull-request number; 0 means the base stack itself is the target.
	PR int
	// Dir is the project directory holding Pulumi.yaml and Pulumi.<stack>.yaml. Defaults to ".".
	Dir string
	// Program is inline or local. Defaults to inline.
	Program ProgramMode
	// PolicyPacks are policy-pack directories or prebuilt pack binaries. Defaults to ["policy"].
	PolicyPacks []string
	// PolicyPackConfigs are JSON files with policy-pack configuration.
	PolicyPackConfigs []string
	// SkipPolicy runs without any policy pack; it must be asked for by name and is recorded in the summary.
	SkipPolicy bool
	// BuildPolicy compiles a policy-pack directory into a binary before handing it to the engine,
	// which is what a CLI without the Go language host needs. Defaults to true.
	BuildPolicy bool
	// JSON prints the machine-readable summary on stdout; progress then goes to stderr.
	JSON bool
	// MarkdownFile receives the Markdown summary for a pull-request comment ("-" is stdout).
	MarkdownFile string
	// Pulumi is the CLI binary. Defaults to the first `pulumi` on PATH.
	Pulumi string
	// SecretsProvider is used when a stack is created (e.g. "awskms://alias/gatehouse?region=us-gov-west-1").
	SecretsProvider string
	// ConfirmDestroy must repeat the target stack name to destroy a base stack.
	ConfirmDestroy string
	// Message is recorded with the update in the backend's history.
	Message string
	// Parallel caps concurrent resource operations; 0 keeps the engine default.
	Parallel int
	// ReviewFormat is the offline review's output format: text, markdown or json.
	ReviewFormat string
	// EvidenceDir receives the review's authorization evidence (boundary, KSIs, OSCAL); empty writes none.
	EvidenceDir string
}

// UsageError is a problem with the command line; it maps to exit code 2.
type UsageError struct{ Problems []string }

func (e *UsageError) Error() string {
	return "deploy: invalid arguments:\n  - " + strings.Join(e.Problems, "\n  - ") + "\nRun `deploy help` for usage."
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// ParseArgs reads `<command> [flags]` and reports every problem at once.
func ParseArgs(args []string) (*Options, error) {
	if len(args) == 0 {
		return nil, &UsageError{Problems: []string{"a command is required: one of " + commandList()}}
	}
	opts := &Options{Command: Command(args[0])}
	fs := flag.NewFlagSet("deploy "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var packs, packConfigs stringList
	var program, pr string
	fs.StringVar(&opts.Stack, "stack", "", "base stack name, e.g. dev, fedramp, govcloud (required)")
	fs.StringVar(&pr, "pr", "", "pull-request number: target the review stack <stack>-pr-<N>, cloned from --stack")
	fs.StringVar(&opts.Dir, "dir", ".", "project directory with Pulumi.yaml and Pulumi.<stack>.yaml")
	fs.StringVar(&program, "program", string(ProgramInline), "inline (this binary runs the program) or local (the CLI's Go language host does)")
	fs.Var(&packs, "policy-pack", "policy-pack directory or prebuilt binary (repeatable; default policy)")
	fs.Var(&packConfigs, "policy-pack-config", "policy-pack configuration JSON file (repeatable)")
	fs.BoolVar(&opts.SkipPolicy, "skip-policy", false, "run without a policy pack (recorded in the summary)")
	fs.BoolVar(&opts.BuildPolicy, "build-policy", true, "compile a policy-pack directory to a binary for the engine")
	fs.BoolVar(&opts.JSON, "json", false, "print the JSON summary on stdout (progress goes to stderr)")
	fs.StringVar(&opts.MarkdownFile, "markdown", "", "write the Markdown summary to this file (- for stdout)")
	fs.StringVar(&opts.Pulumi, "pulumi", "", "Pulumi CLI binary (default: pulumi on PATH)")
	fs.StringVar(&opts.SecretsProvider, "secrets-provider", "", "secrets provider for stacks this run creates")
	fs.StringVar(&opts.ConfirmDestroy, "confirm-destroy", "", "repeat the stack name to destroy a base stack")
	fs.StringVar(&opts.Message, "message", "", "message recorded with the update")
	fs.IntVar(&opts.Parallel, "parallel", 0, "maximum concurrent resource operations (0: engine default)")
	fs.StringVar(&opts.ReviewFormat, "format", "markdown", "review output format: text, markdown or json")
	fs.StringVar(&opts.EvidenceDir, "evidence", "", "review: write the authorization evidence to this directory")

	var problems []string
	if err := fs.Parse(args[1:]); err != nil {
		problems = append(problems, err.Error())
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q: flags go after the command", fs.Args()))
	}
	opts.Program = ProgramMode(program)
	opts.PolicyPacks = packs
	opts.PolicyPackConfigs = packConfigs
	if len(opts.PolicyPacks) == 0 && !opts.SkipPolicy {
		opts.PolicyPacks = []string{"policy"}
	}
	if pr != "" {
		n, err := strconv.Atoi(pr)
		if err != nil || n <= 0 {
			problems = append(problems, fmt.Sprintf("--pr %q: want a positive pull-request number", pr))
		}
		opts.PR = n
	}
	problems = append(problems, opts.validate(packs)...)
	if len(problems) > 0 {
		return opts, &UsageError{Problems: problems}
	}
	return opts, nil
}

func (o *Options) validate(explicitPacks []string) []string {
	var problems []string
	if !isCommand(o.Command) {
		problems = append(problems, fmt.Sprintf("unknown command %q: want one of %s", o.Command, commandList()))
	}
	if o.Stack == "" {
		problems = append(problems, "--stack is required (e.g. --stack dev)")
	} else if err := validateStackName(o.Stack); err != nil {
		problems = append(problems, err.Error())
	}
	if o.PR > 0 && o.Stack != "" {
		if err := validateStackName(o.Target()); err != nil {
			problems = append(problems, fmt.Sprintf("review stack name too long or invalid: %v", err))
		}
	}
	if o.PR > 0 && isReviewStack(o.Stack) {
		problems = append(problems, fmt.Sprintf("--stack %q is already a review stack: name its base stack with --pr", o.Stack))
	}
	if o.Program != ProgramInline && o.Program != ProgramLocal {
		problems = append(problems, fmt.Sprintf("--program %q: want inline or local", o.Program))
	}
	if o.SkipPolicy && len(explicitPacks) > 0 {
		problems = append(problems, "--skip-policy and --policy-pack contradict each other: pick one")
	}
	if o.Parallel < 0 {
		problems = append(problems, "--parallel must be 0 (engine default) or more")
	}
	switch o.ReviewFormat {
	case "text", "markdown", "json":
	default:
		problems = append(problems, fmt.Sprintf("--format %q: want text, markdown or json", o.ReviewFormat))
	}
	if o.EvidenceDir != "" && o.Command != CmdReview {
		problems = append(problems, "--evidence applies to review only")
	}
	if o.Command == CmdReview && o.PR > 0 {
		problems = append(problems, "review runs offline on a stack file; --pr does not apply to it")
	}
	if o.Command == CmdDestroy && o.PR == 0 && o.Stack != "" && o.ConfirmDestroy != o.Stack {
		problems = append(problems, fmt.Sprintf(
			"destroying base stack %q needs --confirm-destroy %s (review stacks, with --pr, need no confirmation)",
			o.Stack, o.Stack))
	}
	return problems
}

// Target is the stack the operation acts on: the base stack, or its review stack with --pr.
func (o *Options) Target() string {
	if o.PR > 0 {
		return ReviewStackName(o.Stack, o.PR)
	}
	return o.Stack
}

func isCommand(c Command) bool {
	for _, known := range commands {
		if c == known {
			return true
		}
	}
	return false
}

func commandList() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

var errHelp = errors.New("help requested")

const usage = `deploy drives Gatehouse stacks with the Pulumi Automation API.

Usage:
  deploy <command> --stack <name> [flags]

Commands:
  review    offline: run the program under mocks and the policy rules, no backend, no cloud
  preview   show the changes, with the policy pack enforced
  up        preview with the policy pack, then deploy; a mandatory violation deploys nothing
  destroy   delete the stack's resources (a review stack is also removed)
  refresh   reconcile the state with the cloud
  outputs   print the stack outputs

Flags:
  --stack NAME             base stack: dev, fedramp, govcloud (required)
  --pr N                   act on the review stack NAME-pr-N, cloned from NAME's config
  --dir DIR                project directory (default .)
  --program inline|local   inline: this binary runs the program (default); local: the CLI's Go language host
  --policy-pack PATH       policy-pack directory or prebuilt binary, repeatable (default policy)
  --policy-pack-config F   policy-pack configuration file, repeatable
  --skip-policy            run without a policy pack (recorded in the summary)
  --build-policy=false     hand a policy-pack directory to the engine as is (needs the Go language host)
  --json                   JSON summary on stdout; progress goes to stderr
  --markdown FILE          Markdown summary for a pull-request comment (- for stdout)
  --pulumi PATH            Pulumi CLI binary (default: pulumi on PATH)
  --secrets-provider URL   secrets provider for stacks this run creates
  --confirm-destroy NAME   required to destroy a base stack
  --message TEXT           message recorded with the update
  --parallel N             maximum concurrent resource operations
  --format FMT             review output: text, markdown (default) or json
  --evidence DIR           review: write the authorization evidence (boundary, KSIs, OSCAL) to DIR

Credentials and the backend come from the environment, exactly as for the pulumi CLI
(pulumi login, PULUMI_BACKEND_URL, PULUMI_ACCESS_TOKEN, AWS_* variables or an OIDC role).

`
