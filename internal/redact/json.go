package redact

import (
	"bytes"
	"encoding/json"
)

// JSON returns raw with the values of secret-named keys masked whole
// (strings, numbers, lists, objects alike), the values of name/value pairs
// whose name is a secret masked (a Kubernetes env entry), the data of a
// Kubernetes Secret masked key by key, and String applied to every other
// string value. Invalid JSON is masked as a string and returned as a JSON
// string, so nothing unmasked slips through.
func (r *Redactor) JSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	// UseNumber keeps byte counters above 2^53 exact.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		b, _ := json.Marshal(r.String(string(raw)))
		return b
	}
	out, err := json.Marshal(r.value(v))
	if err != nil {
		b, _ := json.Marshal(r.String(string(raw)))
		return b
	}
	return out
}

func (r *Redactor) value(v any) any {
	switch t := v.(type) {
	case string:
		return r.String(t)
	case []any:
		for i := range t {
			t[i] = r.value(t[i])
		}
	case map[string]any:
		r.object(t)
	}
	return v
}

func (r *Redactor) object(m map[string]any) {
	secretPair := pairNamesSecret(m)
	secretObj := m["kind"] == "Secret"
	for k, x := range m {
		switch {
		case maskable(x) && (SecretKey(k) || secretPair && k == "value"):
			m[k] = Mask
		case secretObj && (k == "data" || k == "stringData"):
			m[k] = maskValues(x)
		default:
			m[k] = r.value(x)
		}
	}
}

// pairNamesSecret reports whether m is a name/value pair ({"name":
// "DB_PASSWORD", "value": ...}, or "key" for the name) naming a secret.
func pairNamesSecret(m map[string]any) bool {
	if _, ok := m["value"]; !ok {
		return false
	}
	for _, k := range []string{"name", "key"} {
		if n, ok := m[k].(string); ok && SecretKey(n) {
			return true
		}
	}
	return false
}

// maskable reports whether a value can hold a secret: anything but a
// boolean or null, which say only whether one is set.
func maskable(v any) bool {
	switch v.(type) {
	case bool, nil:
		return false
	}
	return true
}

// maskValues masks every value of a Secret's data, keeping the keys: a
// reader still sees which entries there are.
func maskValues(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return Mask
	}
	for k := range m {
		m[k] = Mask
	}
	return m
}
