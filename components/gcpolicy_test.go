package components

import (
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestWithGCPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]pulumi.StringInput
		want map[string]string
	}{
		{"added", map[string]pulumi.StringInput{"A": pulumi.String("1")},
			map[string]string{"A": "1", "GOGC": "off", "GOMEMLIMIT": "819MiB"}},
		{"caller's GOGC stands", map[string]pulumi.StringInput{"GOGC": pulumi.String("200")},
			map[string]string{"GOGC": "200"}},
		{"caller's GOMEMLIMIT stands", map[string]pulumi.StringInput{"GOMEMLIMIT": pulumi.String("700MiB")},
			map[string]string{"GOMEMLIMIT": "700MiB"}},
		{"none", nil, map[string]string{"GOGC": "off", "GOMEMLIMIT": "819MiB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.env)
			got := withGCPolicy(tc.env, 1024)
			if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tc.want))) {
				t.Fatalf("keys %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tc.want)))
			}
			for k, want := range tc.want {
				if s, ok := got[k].(pulumi.String); !ok || string(s) != want {
					t.Errorf("%s = %v, want %q", k, got[k], want)
				}
			}
			if len(tc.env) != len(before) {
				t.Errorf("the caller's map changed: %v", tc.env)
			}
		})
	}
}
