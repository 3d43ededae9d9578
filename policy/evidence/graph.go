package evidence

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// node is a resource with its properties as plain values and the Gatehouse component it belongs to.
type node struct {
	rules.Resource
	p         map[string]any
	component *node
}

// graph indexes a stack's resources for the derivations.
type graph struct {
	nodes  []*node
	byURN  map[string]*node
	all    []rules.Resource
	region string
}

func newGraph(resources []rules.Resource, region string) *graph {
	g := &graph{byURN: map[string]*node{}, all: resources, region: region}
	for _, r := range resources {
		n := &node{Resource: r, p: resource.ToResourcePropertyMap(r.Properties).Mappable()}
		g.nodes = append(g.nodes, n)
		g.byURN[r.URN] = n
	}
	for _, n := range g.nodes {
		for p, depth := g.byURN[n.Parent], 0; p != nil && depth < len(g.nodes); p, depth = g.byURN[p.Parent], depth+1 {
			if strings.HasPrefix(p.Type, "gatehouse:") {
				n.component = p
				break
			}
		}
	}
	return g
}

func (g *graph) ofType(types ...string) []*node {
	var out []*node
	for _, n := range g.nodes {
		if slices.Contains(types, n.Type) {
			out = append(out, n)
		}
	}
	return out
}

// byARN finds the resource an ARN names: its own ARN, or a sub-resource of it (a table's index,
// a log group's streams, a secret's version).
func (g *graph) byARN(arn string, types ...string) *node {
	arn = strings.TrimSuffix(arn, ":*")
	for _, n := range g.nodes {
		own := str(n.p, "arn")
		if own == "" || (len(types) > 0 && !slices.Contains(types, n.Type)) {
			continue
		}
		if arn == own || strings.HasPrefix(arn, own+"/") || strings.HasPrefix(arn, own+":") {
			return n
		}
	}
	return nil
}

// byProp finds the first resource of a type whose property equals value.
func (g *graph) byProp(typ, key, value string) *node {
	if value == "" {
		return nil
	}
	for _, n := range g.ofType(typ) {
		if str(n.p, key) == value {
			return n
		}
	}
	return nil
}

// get walks nested maps and lists; a missing step yields nil.
func get(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return nil
			}
			v = l[s]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	switch l := get(v, path...).(type) {
	case []any:
		return l
	case map[string]any:
		return []any{l}
	}
	return nil
}

func strs(v any, path ...any) []string {
	var out []string
	for _, e := range list(v, path...) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func num(v any, path ...any) int {
	switch n := get(v, path...).(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func boolean(v any, path ...any) bool {
	b, _ := get(v, path...).(bool)
	return b
}

// jsonDoc parses a property holding a JSON document (policies, container definitions).
func jsonDoc(v any, path ...any) any {
	s := str(v, path...)
	if s == "" {
		return nil
	}
	var out any
	if json.Unmarshal([]byte(s), &out) != nil {
		return nil
	}
	return out
}

// label names a resource for people: its service and name.
func label(n *node) string {
	return serviceOf(n.Type) + " " + n.Name
}
