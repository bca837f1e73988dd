package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Payload is the little of a delivery's JSON body that a run records; the
// action decides what to do, not the payload. It reads GitHub push events
// (ref, after, repository.full_name, sender.login) and the generic body
// {"ref", "commit", "repository", "sender"} (all strings). Other fields are
// ignored: GitHub sends hundreds.
type Payload struct {
	Ref        string `json:"ref,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Repository string `json:"repository,omitempty"`
	Sender     string `json:"sender,omitempty"`
}

// PayloadError says where a body is wrong: a byte offset for malformed
// JSON, a field for a known field of the wrong type.
type PayloadError struct {
	Offset int64  // 1-based byte offset of the problem, or 0
	Field  string // e.g. "ref", "repository.full_name", or ""
	Msg    string
}

func (e *PayloadError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("payload field %q: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("payload at offset %d: %s", e.Offset, e.Msg)
}

// maxField bounds what a sender can make us store and log per field; Git
// refs and repository names are far shorter.
const maxField = 1024

// ParsePayload reads body. An empty (or all-blank) body is an empty
// Payload; anything else must be one JSON object. JSON null in a known
// field counts as absent.
func ParsePayload(body []byte) (Payload, error) {
	var p Payload
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return p, syntaxError(err)
	}
	fields := []struct {
		dst          *string
		names        []string // first present wins: "commit" over GitHub's "after"
		objectSubkey string   // GitHub sends an object holding this key
	}{
		{&p.Ref, []string{"ref"}, ""},
		{&p.Commit, []string{"commit", "after"}, ""},
		{&p.Repository, []string{"repository"}, "full_name"},
		{&p.Sender, []string{"sender"}, "login"},
	}
	for _, f := range fields {
		for _, name := range f.names {
			raw, ok := obj[name]
			if !ok || *f.dst != "" {
				continue
			}
			v, err := field(name, raw, f.objectSubkey)
			if err != nil {
				return Payload{}, err
			}
			*f.dst = v
		}
	}
	return p, nil
}

// field decodes a known field: a string, null, or (when sub is set) an
// object whose sub key is a string.
func field(name string, raw json.RawMessage, sub string) (string, error) {
	switch {
	case string(raw) == "null":
		return "", nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err // cannot happen: the whole body parsed
		}
		if len(s) > maxField {
			return "", &PayloadError{Field: name, Msg: fmt.Sprintf("longer than %d bytes", maxField)}
		}
		return s, nil
	case raw[0] == '{' && sub != "":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return "", err
		}
		inner, ok := obj[sub]
		if !ok {
			return "", nil
		}
		return field(name+"."+sub, inner, "")
	case sub != "":
		return "", &PayloadError{Field: name, Msg: fmt.Sprintf("want a string or an object with %q", sub)}
	default:
		return "", &PayloadError{Field: name, Msg: "want a string"}
	}
}

func syntaxError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &PayloadError{Offset: syn.Offset, Msg: syn.Error() + " (want a JSON object)"}
	case errors.As(err, &typ):
		return &PayloadError{Offset: typ.Offset, Msg: "want a JSON object, got " + typ.Value}
	}
	return &PayloadError{Msg: err.Error()}
}
