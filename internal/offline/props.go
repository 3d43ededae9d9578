package offline

import (
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Get reads a property by path, e.g. "origins[0].originAccessControlId" or
// "serverSideEncryption.kmsKeyArn". Secrets are unwrapped. The second result
// is false when any step is missing.
func Get(props resource.PropertyMap, path string) (resource.PropertyValue, bool) {
	v := resource.NewObjectProperty(props)
	for _, step := range splitPath(path) {
		v = unwrap(v)
		if i, err := strconv.Atoi(step); err == nil {
			if !v.IsArray() || i >= len(v.ArrayValue()) {
				return resource.PropertyValue{}, false
			}
			v = v.ArrayValue()[i]
			continue
		}
		if !v.IsObject() {
			return resource.PropertyValue{}, false
		}
		next, ok := v.ObjectValue()[resource.PropertyKey(step)]
		if !ok {
			return resource.PropertyValue{}, false
		}
		v = next
	}
	return unwrap(v), true
}

// GetString is Get for string values; "" when missing or not a string.
func GetString(props resource.PropertyMap, path string) string {
	v, ok := Get(props, path)
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// GetBool is Get for booleans; false when missing or not a boolean.
func GetBool(props resource.PropertyMap, path string) bool {
	v, ok := Get(props, path)
	return ok && v.IsBool() && v.BoolValue()
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

func splitPath(path string) []string {
	path = strings.ReplaceAll(path, "[", ".")
	path = strings.ReplaceAll(path, "]", "")
	return strings.Split(path, ".")
}
