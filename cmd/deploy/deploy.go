package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/exitcode"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The exit codes are the table shared with cmd/review (internal/exitcode).
const (
	exitOK     = exitcode.OK
	exitFailed = exitcode.Failed
	exitUsage  = exitcode.Usage
	exitPolicy = exitcode.Policy
)

// eventDrain bounds the wait for the engine's event stream to close after an operation returns.
// When the CLI fails before it connects, the Automation API never closes the stream.
const eventDrain = 10 * time.Second

// ProgramFor returns the inline program for the project in dir. Inline programs are not told
// their project directory by the engine, so the tool passes it.
type ProgramFor func(dir string) pulumi.RunFunc

// run is the whole tool behind main, with the program and the streams passed in.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, program ProgramFor) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(stdout, usage+exitcode.Help())
		return exitOK
	}
	opts, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if opts.Command == CmdReview {
		return runReview(ctx, opts, stdout, stderr)
	}
	progress := stdout
	if opts.JSON {
		progress = stderr
	}
	summary := newSummary(opts)
	runErr := execute(ctx, opts, program, progress, stderr, summary)
	summary.finish(runErr)
	code := summary.ExitCode()
	if err := report(opts, summary, stdout, progress); err != nil {
		fmt.Fprintln(stderr, err)
		if code == exitOK {
			code = exitFailed
		}
	}
	return code
}

func report(opts *Options, s *Summary, stdout, progress io.Writer) error {
	fmt.Fprintf(progress, "\ndeploy: %s of %s %s\n", s.Operation, s.Stack, resultWords[s.Result])
	for _, e := range s.Errors {
		fmt.Fprintf(progress, "deploy: error: %s\n", e)
	}
	if opts.Command == CmdOutputs && !opts.JSON {
		for _, name := range sortedKeys(s.Outputs) {
			fmt.Fprintf(stdout, "%s\t%s\n", name, valueCell(s.Outputs[name]))
		}
	}
	if opts.JSON {
		if err := s.WriteJSON(stdout); err != nil {
			return err
		}
	}
	switch opts.MarkdownFile {
	case "":
		return nil
	case "-":
		return s.WriteMarkdown(stdout)
	default:
		f, err := os.Create(opts.MarkdownFile)
		if err != nil {
			return fmt.Errorf("deploy: --markdown: %w", err)
		}
		if err := s.WriteMarkdown(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

func execute(ctx context.Context, opts *Options, program ProgramFor, progress, stderr io.Writer, s *Summary) error {
	tmp, err := os.MkdirTemp("", "gatehouse-deploy-")
	if err != nil {
		return fmt.Errorf("deploy: temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	var packs []string
	if opts.Command == CmdPreview || opts.Command == CmdUp {
		if packs, err = preparePolicyPacks(ctx, opts, tmp, progress); err != nil {
			return err
		}
	}
	ws, err := workspaceFor(ctx, opts, program)
	if err != nil {
		return err
	}
	st, err := targetStack(ctx, ws, opts, progress)
	if errors.Is(err, errNoStack) && opts.Command == CmdDestroy && opts.PR > 0 {
		// A pull request may be closed twice, or before its first preview: nothing to remove.
		fmt.Fprintf(progress, "Review stack %s does not exist; nothing to destroy\n", opts.Target())
		return nil
	}
	if err != nil {
		return err
	}

	run := func(cmd Command) error {
		return withEvents(s, func(ch chan events.EngineEvent) error {
			stdout, err := operate(ctx, st, opts, cmd, packs, progress, stderr, ch)
			if link, linkErr := auto.GetPermalink(stdout); linkErr == nil {
				s.Permalink = link
			}
			return err
		})
	}
	var opErr error
	if opts.Command == CmdUp && len(packs) > 0 {
		opErr = previewGate(opts, s, progress, run)
	}
	if opErr == nil {
		opErr = run(opts.Command)
	}
	if opErr != nil {
		if hint := hintFor(opts, opErr); hint != "" {
			return fmt.Errorf("%w\n%s", opErr, hint)
		}
		return opErr
	}
	if opts.Command == CmdUp || opts.Command == CmdOutputs || opts.Command == CmdRefresh {
		out, err := st.Outputs(ctx)
		if err != nil {
			return fmt.Errorf("deploy: read outputs of %s: %w", opts.Target(), err)
		}
		values := make(map[string]outputValue, len(out))
		for k, v := range out {
			values[k] = outputValue{Value: v.Value, Secret: v.Secret}
		}
		s.Outputs = maskOutputs(values)
	}
	return nil
}

// previewGate runs a preview with the policy packs before an update. The Automation API's up
// skips the CLI's own preview, and stack-level policies run only once every resource is
// registered, so without the gate an update would create resources before a mandatory stack
// violation stopped it.
func previewGate(opts *Options, s *Summary, progress io.Writer, run func(Command) error) error {
	fmt.Fprintf(progress, "Previewing %s with the policy packs before the update\n", opts.Target())
	err := run(CmdPreview)
	if err != nil || s.Policy.Mandatory > 0 {
		// Nothing was deployed: the preview's planned changes are not this run's changes.
		s.Changes, s.ChangesByType = map[string]int{}, map[string]map[string]int{}
	}
	if s.Policy.Mandatory > 0 {
		return fmt.Errorf("deploy: up of %s stopped before deploying anything: the preview found %d mandatory policy violation(s)",
			opts.Target(), s.Policy.Mandatory)
	}
	if err != nil {
		return fmt.Errorf("deploy: up of %s stopped before deploying anything: %w", opts.Target(), err)
	}
	// The update's own events are the record of what happened; the preview's were a forecast.
	s.resetForUpdate()
	return nil
}

// withEvents runs op with an event channel folded into s, and waits for the stream to drain.
func withEvents(s *Summary, op func(chan events.EngineEvent) error) error {
	ch := make(chan events.EngineEvent)
	done := make(chan struct{})
	go newCollector(s).consume(ch, done)
	err := op(ch)
	select {
	case <-done:
	case <-time.After(eventDrain):
	}
	return err
}

// targetStack selects (or, for preview and up, creates) the stack the command acts on.
func targetStack(ctx context.Context, ws auto.Workspace, opts *Options, progress io.Writer) (auto.Stack, error) {
	creates := opts.Command == CmdPreview || opts.Command == CmdUp
	if opts.PR > 0 && creates {
		return prepareReviewStack(ctx, ws, opts, progress)
	}
	return selectStack(ctx, ws, opts.Target(), creates)
}

// operate runs one engine operation and returns the CLI's stdout, where backends that have a web
// console print the update's permalink.
func operate(ctx context.Context, st auto.Stack, opts *Options, cmd Command, packs []string, progress, stderr io.Writer,
	ch chan events.EngineEvent,
) (string, error) {
	target := opts.Target()
	switch cmd {
	case CmdPreview:
		o := []optpreview.Option{
			optpreview.ProgressStreams(progress), optpreview.ErrorProgressStreams(stderr),
			optpreview.EventStreams(ch), optpreview.PolicyPacks(packs...),
			optpreview.PolicyPackConfigs(opts.PolicyPackConfigs...),
		}
		if opts.Parallel > 0 {
			o = append(o, optpreview.Parallel(opts.Parallel))
		}
		if opts.Message != "" {
			o = append(o, optpreview.Message(opts.Message))
		}
		res, err := st.Preview(ctx, o...)
		return res.StdOut, wrapOp("preview", target, err)
	case CmdUp:
		o := []optup.Option{
			optup.ProgressStreams(progress), optup.ErrorProgressStreams(stderr),
			optup.EventStreams(ch), optup.PolicyPacks(packs...),
			optup.PolicyPackConfigs(opts.PolicyPackConfigs...),
		}
		if opts.Parallel > 0 {
			o = append(o, optup.Parallel(opts.Parallel))
		}
		if opts.Message != "" {
			o = append(o, optup.Message(opts.Message))
		}
		res, err := st.Up(ctx, o...)
		return res.StdOut, wrapOp("up", target, err)
	case CmdRefresh:
		o := []optrefresh.Option{
			optrefresh.ProgressStreams(progress), optrefresh.ErrorProgressStreams(stderr), optrefresh.EventStreams(ch),
		}
		if opts.Parallel > 0 {
			o = append(o, optrefresh.Parallel(opts.Parallel))
		}
		res, err := st.Refresh(ctx, o...)
		return res.StdOut, wrapOp("refresh", target, err)
	case CmdDestroy:
		o := []optdestroy.Option{
			optdestroy.ProgressStreams(progress), optdestroy.ErrorProgressStreams(stderr), optdestroy.EventStreams(ch),
		}
		if opts.PR > 0 {
			// A review stack lives only as long as its pull request: remove it with its resources.
			o = append(o, optdestroy.Remove())
		}
		if opts.Parallel > 0 {
			o = append(o, optdestroy.Parallel(opts.Parallel))
		}
		res, err := st.Destroy(ctx, o...)
		return res.StdOut, wrapOp("destroy", target, err)
	case CmdOutputs:
		close(ch)
		return "", nil
	}
	close(ch)
	return "", fmt.Errorf("deploy: unsupported command %q", cmd)
}

// hintFor adds the fix to engine errors whose cause is in the project rather than the program.
func hintFor(opts *Options, err error) string {
	msg := err.Error()
	switch {
	case opts.Program == ProgramLocal && strings.Contains(msg, "pulumi-language-go"):
		return "--program local needs the Go language host that the standard Pulumi CLI install ships " +
			"(pulumi-language-go on PATH); the default --program inline needs none"
	case strings.Contains(msg, "is missing configuration value"):
		return fmt.Sprintf("The CLI requires every key that Pulumi.yaml declares without a default: set them in "+
			"Pulumi.%s.yaml, or give the declarations in Pulumi.yaml a default", shortStackName(opts.Target()))
	}
	return ""
}

// wrapOp keeps the Automation API's own message and the CLI's stderr, and drops its copy of the
// CLI's stdout, which the progress stream has already shown.
func wrapOp(op, stack string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("deploy: %s of %s failed: %s", op, stack, conciseError(err.Error()))
}

func conciseError(msg string) string {
	head, rest, found := strings.Cut(msg, "\ncode: ")
	if !found {
		return strings.TrimSpace(msg)
	}
	code, rest, _ := strings.Cut(rest, "\n")
	if _, stderr, ok := strings.Cut(rest, "stderr: "); ok && strings.TrimSpace(stderr) != "" {
		return fmt.Sprintf("%s (exit code %s): %s", strings.TrimSpace(head), code, strings.TrimSpace(stderr))
	}
	return fmt.Sprintf("%s (exit code %s)", strings.TrimSpace(head), code)
}
