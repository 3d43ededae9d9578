package offline

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"
)

// LoadStackConfig reads a Pulumi.<stack>.yaml file into the flat config map
// the engine hands a program: "namespace:key" → string, with structured
// values as JSON. Secure values (`secure:`) become a placeholder, since mocks
// have no secrets provider.
func LoadStackConfig(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mocks: read stack file: %w", err)
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("mocks: parse %s: %w", path, err)
	}
	out := make(map[string]string, len(doc.Config))
	for key, value := range doc.Config {
		switch v := value.(type) {
		case string:
			out[key] = v
		case map[string]any:
			if _, secure := v["secure"]; secure && len(v) == 1 {
				out[key] = "mock-secret-value"
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("mocks: %s: config %s: %w", path, key, err)
			}
			out[key] = string(b)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("mocks: %s: config %s: %w", path, key, err)
			}
			out[key] = string(b)
		}
	}
	return out, nil
}

// Options say how a mock run looks to the program.
type Options struct {
	// Update runs as `pulumi up` instead of a preview (dry run).
	Update bool
	// RootDirectory is the project directory the program sees.
	RootDirectory string
}

// Run executes program under m with the given config.
func Run(project, stack string, config map[string]string, m *Mocks, program pulumi.RunFunc, opts Options) error {
	return pulumi.RunErr(program, pulumi.WithMocks(project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = config
		info.DryRun = !opts.Update
		info.RootDirectory = opts.RootDirectory
	})
}
