package rules

import "strings"

// statement is one statement of an IAM, KMS or S3 policy document.
type statement map[string]any

func statements(doc any) []statement {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	var out []statement
	switch s := m["Statement"].(type) {
	case map[string]any:
		out = append(out, s)
	case []any:
		for _, e := range s {
			if st, ok := e.(map[string]any); ok {
				out = append(out, st)
			}
		}
	}
	return out
}

func (s statement) allow() bool { return strings.EqualFold(text(s["Effect"]), "Allow") }
func (s statement) deny() bool  { return strings.EqualFold(text(s["Effect"]), "Deny") }
func (s statement) sid() string { return text(s["Sid"]) }

// wildcardPrincipal is true for "Principal": "*" and {"AWS": "*"} (alone or in a list).
func (s statement) wildcardPrincipal() bool {
	switch p := s["Principal"].(type) {
	case string:
		return p == "*"
	case map[string]any:
		for _, v := range p {
			for _, id := range texts(v) {
				if id == "*" {
					return true
				}
			}
		}
	}
	return false
}

func (s statement) actions() []string   { return texts(s["Action"]) }
func (s statement) resources() []string { return texts(s["Resource"]) }

// condition returns the value of a condition key under an operator, e.g. ("Bool", "aws:SecureTransport").
func (s statement) condition(operator, key string) []string {
	ops, _ := s["Condition"].(map[string]any)
	for op, v := range ops {
		if !strings.EqualFold(op, operator) {
			continue
		}
		keys, _ := v.(map[string]any)
		for k, values := range keys {
			if strings.EqualFold(k, key) {
				return texts(values)
			}
		}
	}
	return nil
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func texts(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case bool:
		if t {
			return []string{"true"}
		}
		return []string{"false"}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, texts(e)...)
		}
		return out
	}
	return nil
}
