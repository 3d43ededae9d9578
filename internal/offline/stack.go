package offline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ProjectRoot finds the directory holding Pulumi.yaml, from the working
// directory upwards.
func ProjectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("mocks: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("mocks: no Pulumi.yaml in the working directory or above")
		}
		dir = parent
	}
}

// RunStackFile runs program under mocks with the config of Pulumi.<stack>.yaml
// in root, plus overrides ("namespace:key" → value; an empty value removes
// the key). The mocks answer for the partition and region the config names.
func RunStackFile(root, project, stack string, overrides map[string]string, program pulumi.RunFunc) (*Mocks, error) {
	return RunStackFileAs(root, project, stack, stack, overrides, program)
}

// RunStackFileAs is RunStackFile with the config of Pulumi.<file>.yaml run as
// the stack named stack, to see a stack file under another name (a long one,
// one with a dot).
func RunStackFileAs(root, project, file, stack string, overrides map[string]string, program pulumi.RunFunc) (*Mocks, error) {
	config, err := LoadStackConfig(filepath.Join(root, "Pulumi."+file+".yaml"))
	if err != nil {
		return nil, err
	}
	for k, v := range overrides {
		if v == "" {
			delete(config, k)
			continue
		}
		config[k] = v
	}
	m := ForRegion(config["aws:region"])
	if err := Run(project, stack, config, m, program, Options{RootDirectory: root}); err != nil {
		return m, err
	}
	return m, nil
}
