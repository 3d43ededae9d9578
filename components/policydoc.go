package components

import (
	"encoding/json"
	"fmt"
)

// PolicyDocument is an IAM or resource policy. Building policies as values
// (not string templates) keeps ARNs partition-correct and the JSON valid.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one policy statement. Principal is omitted for identity policies.
type Statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal map[string]any            `json:"Principal,omitempty"`
	Action    []string                  `json:"Action"`
	Resource  any                       `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// NewPolicy starts a document with the current policy language version.
func NewPolicy(statements ...Statement) PolicyDocument {
	return PolicyDocument{Version: "2012-10-17", Statement: statements}
}

// JSON renders the document. It cannot fail for documents built from the
// types above, so a failure is a programming error worth surfacing loudly.
func (d PolicyDocument) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("components: policy document: %v", err))
	}
	return string(b)
}

// Allow is an Allow statement on the given actions and resources.
func Allow(actions []string, resources ...string) Statement {
	return Statement{Effect: "Allow", Action: actions, Resource: resources}
}

// DenyInsecureTransport is the TLS-only statement every bucket policy carries
// (SC-8): any request not made over TLS is refused.
func DenyInsecureTransport(bucketArn string) Statement {
	return Statement{
		Sid:       "DenyInsecureTransport",
		Effect:    "Deny",
		Principal: map[string]any{"AWS": "*"},
		Action:    []string{"s3:*"},
		Resource:  []string{bucketArn, bucketArn + "/*"},
		Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}
