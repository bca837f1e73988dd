package manifest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"text/template"
)

// funcs are the only functions templates get.
var funcs = template.FuncMap{
	"quote":    quote,
	"required": required,
	"base64":   func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
}

// quote makes s a double-quoted scalar. JSON strings are valid YAML, and
// escape everything (newlines, quotes, ": ", "#") that could otherwise
// turn a value into YAML structure.
func quote(s string) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// required fails on the zero value ("" or 0), naming the playbook field
// (relative to manifests) that should have provided it.
func required(field string, v any) (any, error) {
	if v == nil || reflect.ValueOf(v).IsZero() {
		return nil, fmt.Errorf("%s: required value is empty", field)
	}
	return v, nil
}
