package rules

import (
	"encoding/json"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// get walks a property value along keys (string) and array indexes (int).
// A missing step yields the null value.
func get(v property.Value, path ...any) property.Value {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if !v.IsMap() {
				return property.Value{}
			}
			v = v.AsMap().Get(s)
		case int:
			if !v.IsArray() || s >= v.AsArray().Len() {
				return property.Value{}
			}
			v = v.AsArray().Get(s)
		}
	}
	return v
}

// prop reads a top-level property path from a resource.
func prop(r Resource, path ...any) property.Value {
	return get(property.New(r.Properties), path...)
}

// unknown reports whether a value is not known yet (a preview of a value computed by another resource).
func unknown(v property.Value) bool { return v.IsComputed() }

func str(v property.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return ""
}

func num(v property.Value) (float64, bool) {
	if v.IsNumber() {
		return v.AsNumber(), true
	}
	return 0, false
}

// isTrue is true only for a literal true.
func isTrue(v property.Value) bool { return v.IsBool() && v.AsBool() }

// set reports whether a value is present: known and non-empty, or unknown (it will be set by another resource).
func set(v property.Value) bool {
	switch {
	case v.IsComputed():
		return true
	case v.IsString():
		return strings.TrimSpace(v.AsString()) != ""
	case v.IsArray():
		return v.AsArray().Len() > 0
	case v.IsMap():
		return v.AsMap().Len() > 0
	case v.IsNull():
		return false
	}
	return true
}

// items returns the elements of an array value; a single object counts as one element.
func items(v property.Value) []property.Value {
	switch {
	case v.IsArray():
		return v.AsArray().AsSlice()
	case v.IsMap():
		return []property.Value{v}
	}
	return nil
}

// stringList lists the string elements of an array value, or the value itself when it is a string.
func stringList(v property.Value) []string {
	if v.IsString() {
		return []string{v.AsString()}
	}
	var out []string
	for _, e := range items(v) {
		if e.IsString() {
			out = append(out, e.AsString())
		}
	}
	return out
}

// tag returns a resource tag, looking at explicit tags and at tags applied by the provider.
func tag(r Resource, key string) string {
	for _, field := range []string{"tags", "tagsAll"} {
		if s := str(prop(r, field, key)); s != "" {
			return s
		}
	}
	return ""
}

// jsonDoc decodes a JSON document held in a string property. ok is false when the
// value is unknown or absent; a malformed document decodes to nil with ok true.
func jsonDoc(v property.Value) (doc any, ok bool) {
	if v.IsMap() || v.IsArray() {
		return plain(v), true
	}
	if !v.IsString() {
		return nil, false
	}
	if err := json.Unmarshal([]byte(v.AsString()), &doc); err != nil {
		return nil, true
	}
	return doc, true
}

// visitStrings calls fn for every string reachable from v.
func visitStrings(v property.Value, fn func(string)) {
	switch {
	case v.IsString():
		fn(v.AsString())
	case v.IsArray():
		for _, e := range v.AsArray().AsSlice() {
			visitStrings(e, fn)
		}
	case v.IsMap():
		for _, e := range v.AsMap().AsMap() {
			visitStrings(e, fn)
		}
	}
}

// plain converts a property value to plain Go values (maps, slices, strings, numbers, bools).
func plain(v property.Value) any {
	switch {
	case v.IsString():
		return v.AsString()
	case v.IsNumber():
		return v.AsNumber()
	case v.IsBool():
		return v.AsBool()
	case v.IsArray():
		out := []any{}
		for _, e := range v.AsArray().AsSlice() {
			out = append(out, plain(e))
		}
		return out
	case v.IsMap():
		out := map[string]any{}
		for k, e := range v.AsMap().AsMap() {
			out[k] = plain(e)
		}
		return out
	}
	return nil
}
