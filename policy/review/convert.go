package review

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/offline"
	"github.com/gatehouse/gatehouse/policy/rules"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

const providerType = "pulumi:providers:aws"

// convert presents mock-registered resources the way the engine presents them to the pack: type,
// camelCase properties (the inputs plus what the provider computes, and the ID), URN, parent,
// dependencies and the provider with its region. Provider resources themselves are left out. URNs
// are the ones the engine gives the same program in the stack (parent types joined by "$"), so
// evidence names a resource the way `pulumi stack export` does.
func convert(registered []offline.Resource, stack, stackRegion string) []rules.Resource {
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
	out = engineURNs(out, stack)
	// The program registers resources from many goroutines; sorted by URN, the same program
	// always gives the same report and the same evidence.
	slices.SortFunc(out, func(a, b rules.Resource) int { return strings.Compare(a.URN, b.URN) })
	return out
}

// engineURNs renames every resource, parent and dependency to the URN the engine would give it:
// urn:pulumi:<stack>::<project>::<parent types$type>::<name>.
func engineURNs(rs []rules.Resource, stack string) []rules.Resource {
	byURN := map[string]*rules.Resource{}
	for i := range rs {
		byURN[rs[i].URN] = &rs[i]
	}
	qualified := map[string]string{}
	var qualify func(urn string, depth int) string
	qualify = func(urn string, depth int) string {
		if q, ok := qualified[urn]; ok {
			return q
		}
		r := byURN[urn]
		q := r.Type
		if p, ok := byURN[r.Parent]; ok && p.URN != urn && depth < len(rs) {
			q = qualify(p.URN, depth+1) + "$" + r.Type
		}
		qualified[urn] = q
		return q
	}
	renamed := map[string]string{}
	for _, r := range rs {
		renamed[r.URN] = fmt.Sprintf("urn:pulumi:%s::%s::%s::%s", stack, Project, qualify(r.URN, 0), r.Name)
	}
	for i := range rs {
		rs[i].URN = renamed[rs[i].URN]
		rs[i].Parent = renamed[rs[i].Parent]
		for j, d := range rs[i].Dependencies {
			rs[i].Dependencies[j] = renamed[d]
		}
	}
	return rs
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
