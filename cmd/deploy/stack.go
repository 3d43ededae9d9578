package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// errNoStack means the target stack does not exist in the backend.
var errNoStack = errors.New("stack does not exist")

// pulumiCommand finds the CLI: --pulumi if given, else the first pulumi on PATH.
func pulumiCommand(binary string) (auto.PulumiCommand, error) {
	if binary == "" {
		cmd, err := auto.NewPulumiCommand(nil)
		if err != nil {
			return nil, fmt.Errorf("deploy: no usable pulumi CLI on PATH (install it, or pass --pulumi): %w", err)
		}
		return cmd, nil
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, fmt.Errorf("deploy: --pulumi %s: %w", binary, err)
	}
	if filepath.Base(abs) != "pulumi" || filepath.Base(filepath.Dir(abs)) != "bin" {
		// The Automation API locates a CLI by its installation root, <root>/bin/pulumi.
		return nil, fmt.Errorf("deploy: --pulumi %s: want a path of the form <root>/bin/pulumi", binary)
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(abs))})
	if err != nil {
		return nil, fmt.Errorf("deploy: --pulumi %s: %w", binary, err)
	}
	return cmd, nil
}

// workspaceFor builds the Automation API workspace on the project directory. The CLI reads
// Pulumi.yaml and Pulumi.<stack>.yaml there, so stack configuration comes from the committed
// stack files, and the environment (backend login, passphrase, cloud credentials) passes through.
func workspaceFor(ctx context.Context, opts *Options, program ProgramFor) (auto.Workspace, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("deploy: --dir %s: %w", opts.Dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return nil, fmt.Errorf("deploy: %s has no Pulumi.yaml: run from the project root or pass --dir", dir)
	}
	cmd, err := pulumiCommand(opts.Pulumi)
	if err != nil {
		return nil, err
	}
	wsOpts := []auto.LocalWorkspaceOption{auto.WorkDir(dir), auto.Pulumi(cmd)}
	if opts.SecretsProvider != "" {
		wsOpts = append(wsOpts, auto.SecretsProvider(opts.SecretsProvider))
	}
	if opts.Program == ProgramInline {
		if program == nil {
			return nil, errors.New("deploy: no inline program is linked into this binary; use --program local")
		}
		wsOpts = append(wsOpts, auto.Program(program(dir)))
	}
	ws, err := auto.NewLocalWorkspace(ctx, wsOpts...)
	if err != nil {
		return nil, fmt.Errorf("deploy: open workspace in %s: %w", dir, err)
	}
	return ws, nil
}

// selectStack selects name, and creates it when create is set and it does not exist yet.
func selectStack(ctx context.Context, ws auto.Workspace, name string, create bool) (auto.Stack, error) {
	st, err := auto.SelectStack(ctx, name, ws)
	if err == nil {
		return st, nil
	}
	if !auto.IsSelectStack404Error(err) {
		return st, fmt.Errorf("deploy: select stack %s: %w", name, err)
	}
	if !create {
		return st, fmt.Errorf("deploy: %s: %w in the current backend", name, errNoStack)
	}
	st, err = auto.NewStack(ctx, name, ws)
	if err != nil {
		return st, fmt.Errorf("deploy: create stack %s: %w", name, err)
	}
	return st, nil
}

// prepareReviewStack creates the pull request's review stack from its base stack's configuration,
// or refreshes the configuration of an existing one. The CLI does the copy (`stack init
// --copy-config-from`, `config cp`), so secrets are decrypted with the base stack's secrets provider
// and re-encrypted with the review stack's, and never appear on a command line.
func prepareReviewStack(ctx context.Context, ws auto.Workspace, opts *Options, progress io.Writer) (auto.Stack, error) {
	base, target := opts.Stack, opts.Target()
	if _, err := selectStack(ctx, ws, base, false); err != nil {
		return auto.Stack{}, fmt.Errorf("%w (the review stack copies the configuration of base stack %s, "+
			"so %s must exist first: run `deploy up --stack %s`)", err, base, base, base)
	}
	st, err := auto.SelectStack(ctx, target, ws)
	switch {
	case err == nil:
		fmt.Fprintf(progress, "Updating review stack %s with the configuration of %s\n", target, base)
		if err := runCLI(ctx, ws, progress, "config", "cp", "--stack", base, "--dest", target); err != nil {
			return st, fmt.Errorf("deploy: copy configuration of %s to %s: %w", base, target, err)
		}
		return st, nil
	case !auto.IsSelectStack404Error(err):
		return st, fmt.Errorf("deploy: select stack %s: %w", target, err)
	}
	fmt.Fprintf(progress, "Creating review stack %s with the configuration of %s\n", target, base)
	args := []string{"stack", "init", target, "--copy-config-from", base}
	if opts.SecretsProvider != "" {
		args = append(args, "--secrets-provider", opts.SecretsProvider)
	}
	if err := runCLI(ctx, ws, progress, args...); err != nil {
		return st, fmt.Errorf("deploy: create review stack %s: %w", target, err)
	}
	if err := tagReviewStack(ctx, ws, opts); err != nil {
		return st, err
	}
	return auto.SelectStack(ctx, target, ws)
}

// tagReviewStack records where a review stack came from, for backends that keep stack tags.
// The file backend keeps none, and that is not an error.
func tagReviewStack(ctx context.Context, ws auto.Workspace, opts *Options) error {
	tags := map[string]string{"gatehouse:base-stack": shortStackName(opts.Stack), "gatehouse:pull-request": fmt.Sprint(opts.PR)}
	for _, k := range sortedKeys(tags) {
		if err := ws.SetTag(ctx, opts.Target(), k, tags[k]); err != nil {
			if strings.Contains(err.Error(), "not supported") {
				return nil
			}
			return fmt.Errorf("deploy: tag review stack %s: %w", opts.Target(), err)
		}
	}
	return nil
}

func runCLI(ctx context.Context, ws auto.Workspace, progress io.Writer, args ...string) error {
	stdout, stderr, code, err := ws.PulumiCommand().Run(ctx, ws.WorkDir(), nil, nil, nil, envList(ws.GetEnvVars()), args...)
	if err != nil {
		msg := strings.TrimSpace(stderr)
		if msg == "" {
			msg = strings.TrimSpace(stdout)
		}
		return fmt.Errorf("pulumi %s exited %d: %s", args[0], code, msg)
	}
	if out := strings.TrimSpace(stdout); out != "" {
		fmt.Fprintln(progress, out)
	}
	return nil
}

func envList(vars map[string]string) []string {
	list := make([]string, 0, len(vars))
	for k, v := range vars {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}
