package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Ansible reads YAML with PyYAML, which types plain scalars by YAML 1.1:
// yes/no/on/off are booleans, 0755 is octal, 1:30 is 90. yaml.v3 follows
// YAML 1.2, where all of those are strings, so plain scalars are typed
// here with PyYAML's own expressions (yaml/resolver.py) instead.
var (
	yamlBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yamlFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	yamlInt = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yamlNull = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
)

// scalar types a scalar node as Ansible's YAML loader would.
func scalar(n *yaml.Node, jsonMode bool) (any, error) {
	if n.Style&yaml.TaggedStyle != 0 {
		return taggedScalar(n)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value, nil
	}
	if jsonMode {
		return jsonScalar(n.Value)
	}
	s := n.Value
	switch {
	case yamlBool.MatchString(s):
		return s[0]|0x20 == 'y' || s[0]|0x20 == 't' || strings.EqualFold(s, "on"), nil
	case yamlFloat.MatchString(s):
		return yamlFloatValue(s), nil
	case yamlInt.MatchString(s):
		return yamlIntValue(s), nil
	case yamlNull.MatchString(s):
		return nil, nil
	case s == "=" || s == "<<":
		return nil, fmt.Errorf("%q cannot be a value (PyYAML has no constructor for it); quote it", s)
	}
	// Timestamps stay text: a date reads the same either way, and
	// ansible-inventory prints datetimes in ISO form, not as written.
	return s, nil
}

// taggedScalar handles explicit tags: the YAML ones, Ansible's !unsafe
// (a plain string here: nothing is templated), and !vault, which needs
// the vault password ck8sctl does not have.
func taggedScalar(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!str", "!unsafe":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		plain := *n
		plain.Style = 0
		v, err := scalar(&plain, false)
		ok := err == nil && map[string]bool{"!!bool": isBool(v), "!!int": isInt(v), "!!float": isFloat(v) || isInt(v)}[n.Tag]
		if !ok {
			return nil, fmt.Errorf("%q is not a valid %s", n.Value, n.Tag)
		}
		if n.Tag == "!!float" && isInt(v) {
			return toFloat(v), nil
		}
		return v, nil
	case "!vault", "!vault-encrypted":
		return nil, fmt.Errorf("vault-encrypted values are not supported")
	}
	return nil, fmt.Errorf("tag %s is not supported", n.Tag)
}

func isBool(v any) bool  { _, ok := v.(bool); return ok }
func isFloat(v any) bool { _, ok := v.(float64); return ok }
func isInt(v any) bool {
	switch v.(type) {
	case int, *big.Int:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	if b, ok := v.(*big.Int); ok {
		f, _ := new(big.Float).SetInt(b).Float64()
		return f
	}
	return float64(v.(int))
}

// jsonScalar types a plain scalar of a JSON file as Python's json module,
// which Ansible tries before YAML.
func jsonScalar(s string) (any, error) {
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if strings.ContainsAny(s, ".eE") {
		f, err := strconv.ParseFloat(s, 64)
		if errors.Is(err, strconv.ErrRange) {
			err = nil // Python's json reads 1e400 as inf too
		}
		return f, err
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%q is not a JSON value", s)
	}
	return pyInt64(v), nil
}

// yamlIntValue is PyYAML's construct_yaml_int.
func yamlIntValue(s string) any {
	s, neg := strings.ReplaceAll(s, "_", ""), false
	if s[0] == '-' || s[0] == '+' {
		s, neg = s[1:], s[0] == '-'
	}
	v := new(big.Int)
	switch {
	case s == "0":
	case strings.HasPrefix(s, "0b"):
		v.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		v.SetString(s[2:], 16)
	case s[0] == '0':
		v.SetString(s, 8)
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, _ := strconv.ParseInt(part, 10, 64)
			v.Mul(v, big.NewInt(60)).Add(v, big.NewInt(d))
		}
	default:
		v.SetString(s, 10)
	}
	if neg {
		v.Neg(v)
	}
	return pyInt64(v)
}

// yamlFloatValue is PyYAML's construct_yaml_float.
func yamlFloatValue(s string) float64 {
	s, sign := strings.ToLower(strings.ReplaceAll(s, "_", "")), 1.0
	if s[0] == '-' || s[0] == '+' {
		s, sign = s[1:], map[byte]float64{'-': -1, '+': 1}[s[0]]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1)
	case s == ".nan":
		return math.NaN()
	case strings.Contains(s, ":"):
		v := 0.0
		for _, part := range strings.Split(s, ":") {
			d, _ := strconv.ParseFloat(part, 64)
			v = v*60 + d
		}
		return sign * v
	}
	f, _ := strconv.ParseFloat(s, 64)
	return sign * f
}

// isJSON reports whether data is a JSON document, which Ansible's loader
// reads with the json module rather than PyYAML.
func isJSON(data []byte) bool { return json.Valid(data) }
