package review

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const providerType = "pulumi:providers:aws"

// convert presents mock-registered resources the way the engine presents them to the pack: type,
// camelCase properties (the inputs plus what the provider computes, and the ID), URN, parent,
// dependencies and the provider with its region. Provider resources themselves are left out.
func convert(registered []offline.Resource, stackRegion string) []rules.Resource {
	regions := map[string]string{}
	byTypeName := map[string]string{}
	for _, r := range registered {
		byTypeName[r.Type+"::"+r.Name] = r.URN
		if r.Type == providerType {
			if v, ok := r.Inputs["region"]; ok && v.IsString() {
				regions[r.ID] = v.StringValue()
			}
		}
	}
	var out []rules.Resource
	for _, r := range registered {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		props := r.Outputs.Copy()
		if _, ok := props["id"]; !ok && r.ID != "" {
			props["id"] = resource.NewStringProperty(r.ID)
		}
		region := stackRegion
		if i := strings.LastIndex(r.Provider, "::"); i >= 0 && regions[r.Provider[i+2:]] != "" {
			region = regions[r.Provider[i+2:]]
		}
		var deps []string
		for _, d := range r.Dependencies {
			if urn := byTypeName[typeAndName(d)]; urn != "" {
				deps = append(deps, urn)
			}
		}
		out = append(out, rules.Resource{
			Type:         r.Type,
			Name:         r.Name,
			URN:          r.URN,
			Dependencies: deps,
			Parent:       byTypeName[typeAndName(r.Parent)],
			Properties:   resource.FromResourcePropertyMap(props),
			Provider: policyx.AnalyzerProviderResource{
				Type:       providerType,
				Properties: resource.FromResourcePropertyMap(resource.PropertyMap{"region": resource.NewStringProperty(region)}),
			},
		})
	}
	return out
}

// typeAndName reads "<type>::<name>" from an engine URN, whose type segment lists the parent
// types joined by "$".
func typeAndName(urn string) string {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) < 4 {
		return ""
	}
	types := parts[2]
	return types[strings.LastIndex(types, "$")+1:] + "::" + parts[3]
}
