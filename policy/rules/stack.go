package rules

import (
	"slices"
	"strings"
)

// Stack is the set of resources a stack rule judges, with the stack's settings.
type Stack struct {
	Settings  Settings
	Resources []Resource
}

// NewStack wraps resources for stack rules.
func NewStack(resources []Resource, s Settings) *Stack {
	return &Stack{Settings: s.withDefaults(), Resources: resources}
}

// OfType lists the resources of any of the given types, in stack order.
func (st *Stack) OfType(types ...string) []Resource {
	var out []Resource
	for _, r := range st.Resources {
		if slices.Contains(types, r.Type) {
			out = append(out, r)
		}
	}
	return out
}

// Referring lists the resources of the given types whose property prop refers to target.
func (st *Stack) Referring(target Resource, prop string, types ...string) []Resource {
	var out []Resource
	for _, r := range st.OfType(types...) {
		if refersTo(r, prop, target) {
			out = append(out, r)
		}
	}
	return out
}

// identityKeys are the output properties a resource can be referred to by.
var identityKeys = []string{
	"id", "arn", "bucket", "name", "vpcId", "bucketDomainName", "bucketRegionalDomainName", "apiEndpoint",
}

// refersTo reports whether from's top-level property prop refers to target: through the
// engine's property dependencies, or (when values are known, as under mocks) by value.
func refersTo(from Resource, prop string, target Resource) bool {
	if slices.Contains(from.PropertyDependencies[prop], target.URN) {
		return true
	}
	ids := identities(target)
	found := false
	visitStrings(from.Properties.Get(prop), func(s string) {
		if found || s == "" {
			return
		}
		for _, id := range ids {
			if s == id || strings.HasPrefix(s, id+".s3") || strings.TrimPrefix(s, "https://") == strings.TrimPrefix(id, "https://") {
				found = true
				return
			}
		}
	})
	return found
}

func identities(r Resource) []string {
	var ids []string
	for _, key := range identityKeys {
		if s := str(r.Properties.Get(key)); s != "" {
			ids = append(ids, s)
		}
	}
	return ids
}

// isGatehouseComponent reports whether r is one of Gatehouse's own component resources.
func isGatehouseComponent(r Resource) bool { return strings.HasPrefix(r.Type, "gatehouse:") }
