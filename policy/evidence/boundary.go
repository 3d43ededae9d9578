// Package evidence writes a stack's authorization evidence from its offline review: the
// assessment boundary with every permitted connection (boundary.json, explained in boundary.md),
// the KSI assessment (ksi.json) and OSCAL documents (a component definition and assessment
// results), each validated against its schema before it is written.
package evidence

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy/review"
	"github.com/gatehouse/gatehouse/policy/rules"
)

// BoundaryVersion is the version of boundary.json's shape (schema/boundary.schema.json).
const BoundaryVersion = "1.0.0"

// Boundary is the assessment boundary of one stack: its information resources and every
// connection their configuration permits.
type Boundary struct {
	SchemaVersion string `json:"schemaVersion"`
	Stack         string `json:"stack"`
	Project       string `json:"project"`
	Partition     string `json:"partition"`
	Region        string `json:"region"`
	Compliance    string `json:"compliance"`
	// SecurityCategory is the FIPS 199 category the stack is built for.
	SecurityCategory string       `json:"securityCategory"`
	Resources        []Resource   `json:"resources"`
	Externals        []External   `json:"externals"`
	Connections      []Connection `json:"connections"`
	Derivations      []Derivation `json:"derivations"`
}

// Resource is one information resource of the stack.
type Resource struct {
	URN       string `json:"urn"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Service   string `json:"service"`
	Component string `json:"component"`
	// ComponentURN is the Gatehouse component the resource belongs to; empty for none.
	ComponentURN string `json:"componentUrn"`
	Partition    string `json:"partition"`
	Region       string `json:"region"`
	// Data is what the resource stores, or carries on its connections.
	Data []string `json:"data"`
	// EncryptionAtRest names the key or scheme that protects what the resource stores, if it stores anything.
	EncryptionAtRest string `json:"encryptionAtRest,omitempty"`
}

// External is an end of a connection outside the stack: users, identity providers, upstream
// APIs, AWS services used through their public API.
type External struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Address string `json:"address,omitempty"`
}

// Kinds of external ends.
const (
	KindUser       = "user"
	KindIdP        = "identity-provider"
	KindAPI        = "api"
	KindAWSService = "aws-service"
)

// Directions of a connection, seen from the boundary.
const (
	Inbound  = "inbound"
	Internal = "internal"
	Outbound = "outbound"
)

// Connection is one permitted connection, from the end that opens it to the end that accepts it.
type Connection struct {
	ID        string `json:"id"`
	From      string `json:"from"`
	To        string `json:"to"`
	Summary   string `json:"summary"`
	Direction string `json:"direction"`
	Protocol  string `json:"protocol"`
	Port      int    `json:"port"`
	// TLS is the TLS the receiving end enforces; nil for a connection in the clear.
	TLS            *TLS     `json:"tls"`
	Authentication string   `json:"authentication"`
	Encryption     string   `json:"encryption"`
	Data           []string `json:"data"`
	// Path is the network path where it matters (a VPC endpoint, the internet).
	Path string `json:"path,omitempty"`
	// Derivation names the rule of boundary.md that derived the connection.
	Derivation  string   `json:"derivation"`
	DerivedFrom []Source `json:"derivedFrom"`
}

// TLS describes the TLS of a connection.
type TLS struct {
	Policy         string `json:"policy"`
	MinimumVersion string `json:"minimumVersion"`
	FIPS           bool   `json:"fips"`
	// ClientCertificate says how a client certificate is required, if it is.
	ClientCertificate string `json:"clientCertificate,omitempty"`
}

// Source is a resource property a connection was derived from.
type Source struct {
	URN      string `json:"urn"`
	Property string `json:"property"`
}

// Derivation is one rule of the derivation, as boundary.md explains it.
type Derivation struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Explanation string `json:"explanation"`
}

// DeriveBoundary derives the boundary of a reviewed stack from its resources' properties.
func DeriveBoundary(r *review.Report) *Boundary {
	g := newGraph(r.Resources, r.Region)
	b := &Boundary{SchemaVersion: BoundaryVersion, Stack: r.Stack, Project: review.Project, Partition: r.Partition,
		Region: r.Region, Compliance: r.Compliance, SecurityCategory: securityCategory(r.Compliance),
		Resources: []Resource{}, Externals: []External{}, Connections: []Connection{}}
	externals := map[string]External{}
	for _, d := range derivations {
		b.Derivations = append(b.Derivations, Derivation{ID: d.id, Title: d.title, Explanation: d.explains})
		for _, c := range d.derive(g) {
			c.Derivation = d.id
			c.ID = d.id + ":" + endName(c.From) + "->" + endName(c.To) + fmt.Sprintf(":%d", c.Port)
			for _, e := range c.externals {
				externals[e.ID] = e
			}
			c.Data = sortedSet(c.Data)
			b.Connections = append(b.Connections, c.Connection)
		}
	}
	b.Connections = dedupe(b.Connections)
	for _, e := range externals {
		b.Externals = append(b.Externals, e)
	}
	slices.SortFunc(b.Externals, func(x, y External) int { return cmp.Compare(x.ID, y.ID) })
	carried := map[string][]string{}
	for _, c := range b.Connections {
		carried[c.From] = append(carried[c.From], c.Data...)
		carried[c.To] = append(carried[c.To], c.Data...)
	}
	for _, n := range g.nodes {
		if strings.HasPrefix(n.Type, "gatehouse:") {
			continue
		}
		res := Resource{URN: n.URN, Type: n.Type, Name: n.Name, Service: serviceOf(n.Type), Partition: r.Partition,
			Region: regionOf(n, r.Region), Data: sortedSet(append(stored(g, n), carried[n.URN]...)),
			EncryptionAtRest: atRest(g, n)}
		if n.component != nil {
			res.Component, res.ComponentURN = n.component.Type, n.component.URN
		}
		b.Resources = append(b.Resources, res)
	}
	return b
}

// flow is a derived connection with the external ends it introduces.
type flow struct {
	Connection
	externals []External
	hosts     []string
}

// derivation is one rule that derives connections from resource properties.
type derivation struct {
	id, title, explains string
	derive              func(g *graph) []flow
}

func securityCategory(compliance string) string {
	switch compliance {
	case rules.ComplianceFedRAMPHigh:
		return "high"
	case rules.ComplianceFedRAMPModerate:
		return "moderate"
	}
	return "not categorized"
}

// endName shortens an end for a connection id: a resource's own type and name, or an external's id.
func endName(id string) string {
	parts := strings.Split(id, "::")
	if len(parts) < 4 {
		return id
	}
	types := parts[2]
	return types[strings.LastIndex(types, "$")+1:] + "::" + parts[3]
}

// dedupe merges connections with the same id (one derivation finding the same flow twice).
func dedupe(cs []Connection) []Connection {
	var out []Connection
	seen := map[string]int{}
	for _, c := range cs {
		if i, ok := seen[c.ID]; ok {
			out[i].Data = sortedSet(append(out[i].Data, c.Data...))
			out[i].DerivedFrom = append(out[i].DerivedFrom, c.DerivedFrom...)
			continue
		}
		seen[c.ID] = len(out)
		out = append(out, c)
	}
	for i := range out {
		slices.SortFunc(out[i].DerivedFrom, func(a, b Source) int {
			return cmp.Or(cmp.Compare(a.URN, b.URN), cmp.Compare(a.Property, b.Property))
		})
		out[i].DerivedFrom = slices.Compact(out[i].DerivedFrom)
	}
	return out
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
