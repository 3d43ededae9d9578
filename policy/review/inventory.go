package review

import (
	"github.com/gatehouse/gatehouse/policy/rules"
)

// Node is a resource in the inventory tree: a component with its children, or a leaf.
type Node struct {
	Type     string  `json:"type"`
	Name     string  `json:"name"`
	URN      string  `json:"urn"`
	Children []*Node `json:"children,omitempty"`
}

// Inventory arranges resources by their parent chain; the roots are the stack's top-level
// components and resources, in registration order.
func Inventory(resources []rules.Resource) []*Node {
	nodes := map[string]*Node{}
	for _, r := range resources {
		nodes[r.URN] = &Node{Type: r.Type, Name: r.Name, URN: r.URN}
	}
	var roots []*Node
	for _, r := range resources {
		n := nodes[r.URN]
		if parent, ok := nodes[r.Parent]; ok && r.Parent != r.URN {
			parent.Children = append(parent.Children, n)
			continue
		}
		roots = append(roots, n)
	}
	return roots
}

// Count is the number of resources in the tree below and including n.
func (n *Node) Count() int {
	total := 1
	for _, c := range n.Children {
		total += c.Count()
	}
	return total
}
