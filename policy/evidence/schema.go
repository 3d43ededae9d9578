package evidence

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BoundarySchema and KSISchema are the JSON Schemas boundary.json and ksi.json are validated
// against; each is written beside its document.
var (
	//go:embed schema/boundary.schema.json
	BoundarySchema []byte
	//go:embed schema/ksi.schema.json
	KSISchema []byte
)

// schemaOf compiles an embedded schema once.
func schemaOf(id string, raw []byte) func() (*jsonschema.Schema, error) {
	return sync.OnceValues(func() (*jsonschema.Schema, error) {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("evidence: schema %s: %w", id, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("evidence: schema %s: %w", id, err)
		}
		return c.Compile(id)
	})
}

var (
	boundarySchema = schemaOf("urn:gatehouse:evidence:boundary:1", BoundarySchema)
	ksiSchema      = schemaOf("urn:gatehouse:evidence:ksi:1", KSISchema)
)

// ValidateBoundary checks a boundary.json document against its schema.
func ValidateBoundary(doc []byte) error { return validateAgainst("boundary.json", boundarySchema, doc) }

// ValidateKSI checks a ksi.json document against its schema.
func ValidateKSI(doc []byte) error { return validateAgainst("ksi.json", ksiSchema, doc) }

func validateAgainst(name string, schema func() (*jsonschema.Schema, error), doc []byte) error {
	s, err := schema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("evidence: %s: %w", name, err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("evidence: %s does not match its schema: %w", name, err)
	}
	return nil
}

// marshal renders a document the way every evidence file is written: indented, stable, no HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
