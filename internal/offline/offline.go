// Package offline runs the Gatehouse program without AWS: a Pulumi mock monitor
// that answers like the AWS provider would (partition-correct ARNs, realistic
// computed outputs) and records every registered resource so tests and the
// offline review can inspect them.
package offline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gatehouse/gatehouse/components/names"
)

// Resource is one registered resource as the engine would have seen it.
type Resource struct {
	Type     string
	Name     string
	ID       string
	Parent   string // parent URN; empty for the stack's direct children
	URN      string
	Custom   bool
	Provider string
	Inputs   resource.PropertyMap
	Outputs  resource.PropertyMap
	// Dependencies are the URNs the resource waits for (DependsOn and the
	// resources its inputs come from), as the engine records them.
	Dependencies []string
}

// Mocks answers resource registrations and invokes for one partition, region
// and account. Its zero value is not usable; call New.
type Mocks struct {
	Partition string
	Region    string
	AccountID string

	mu        sync.Mutex
	resources []Resource
	providers map[string]string // provider id → region
	calls     []string
}

// New returns mocks for the given partition, region and account.
func New(partition, region, account string) *Mocks {
	return &Mocks{Partition: partition, Region: region, AccountID: account, providers: map[string]string{}}
}

// ForRegion derives the partition from the region, as AWS does.
func ForRegion(region string) *Mocks {
	partition := "aws"
	if strings.HasPrefix(region, "us-gov-") {
		partition = "aws-us-gov"
	}
	return New(partition, region, "123456789012")
}

// NewResource implements pulumi.MockResourceMonitor.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	region := m.regionFor(args.Provider)
	id := fakeID(args.TypeToken, args.Name)
	outputs := args.Inputs.Copy()
	if args.TypeToken == "pulumi:providers:aws" {
		if r, ok := args.Inputs["region"]; ok && r.IsString() {
			region = r.StringValue()
		}
		m.mu.Lock()
		m.providers[id] = region
		m.mu.Unlock()
	} else {
		id = computeOutputs(&fakeAccount{m.Partition, region, m.AccountID}, args.TypeToken, args.Name, id, outputs)
		if err := checkName(args.TypeToken, args.Name, outputs); err != nil {
			return "", nil, err
		}
	}
	r := Resource{
		Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom,
		Provider: args.Provider, Inputs: args.Inputs, Outputs: outputs,
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Dependencies = rpc.GetDependencies()
	}
	r.URN = fmt.Sprintf("urn:pulumi:mock::mock::%s::%s", args.TypeToken, args.Name)
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, outputs, nil
}

// Call implements pulumi.MockResourceMonitor for the invokes the program uses.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args.Token)
	m.mu.Unlock()
	acct := &fakeAccount{m.Partition, m.regionFor(args.Provider), m.AccountID}
	return answerInvoke(acct, args)
}

// Resources returns every registered resource in registration order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// ByType returns the resources of one type token.
func (m *Mocks) ByType(token string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

// Types lists the distinct type tokens registered, sorted.
func (m *Mocks) Types() []string {
	seen := map[string]bool{}
	for _, r := range m.Resources() {
		seen[r.Type] = true
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Invokes returns the tokens of every invoke made, in order.
func (m *Mocks) Invokes() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

// RegionOf is the region of the provider a resource was created through.
func (m *Mocks) RegionOf(r Resource) string { return m.regionFor(r.Provider) }

// regionFor resolves a provider reference ("<urn>::<id>") to the region it
// was created with; the default provider uses the stack's region.
func (m *Mocks) regionFor(providerRef string) string {
	if i := strings.LastIndex(providerRef, "::"); i >= 0 {
		m.mu.Lock()
		r, ok := m.providers[providerRef[i+2:]]
		m.mu.Unlock()
		if ok && r != "" {
			return r
		}
	}
	return m.Region
}

// checkName refuses a physical name AWS would refuse, as the provider does at
// preview or apply, so no mock run hides one (see package names).
func checkName(token, name string, outputs resource.PropertyMap) error {
	rule, ok := names.Lookup(token)
	if !ok {
		return nil
	}
	v, ok := outputs[resource.PropertyKey(rule.Property)]
	if !ok || !v.IsString() {
		return nil
	}
	if problems := rule.Check(v.StringValue()); len(problems) > 0 {
		return fmt.Errorf("mocks: %s %s: %s %q %s; AWS refuses it (%s)",
			token, name, rule.Property, v.StringValue(), strings.Join(problems, ", "), rule.Doc)
	}
	return nil
}

func fakeID(token, name string) string {
	sum := sha256.Sum256([]byte(token + "/" + name))
	return hex.EncodeToString(sum[:])[:16]
}
