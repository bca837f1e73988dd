package inventory

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// pyUnsupported is a literal with no JSON form.
type pyUnsupported string

var errMalformed = errors.New("not a literal")

// eval is ast.literal_eval on the node.
func (n *pyNode) eval() (any, error) {
	switch n.kind {
	case 'c':
		return checkConst(n.val)
	case 'i':
		switch n.op {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return nil, nil
		}
		return nil, errMalformed
	case '(':
		if n.op == "set" {
			return nil, errors.New("a Python set has no JSON form")
		}
		return nil, errMalformed
	case 't', 'l', 's':
		return n.evalItems()
	case 'd':
		return n.evalDict()
	case 'u':
		return n.evalUnary()
	}
	return n.evalComplex()
}

func checkConst(v any) (any, error) {
	switch v := v.(type) {
	case pyComplex:
		return nil, errors.New("a Python complex number has no JSON form")
	case pyUnsupported:
		return nil, errors.New("the Python value " + string(v) + " has no JSON form")
	}
	return v, nil
}

func (n *pyNode) evalItems() (any, error) {
	out := []any{}
	for _, it := range n.items {
		v, err := it.eval()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if n.kind == 's' {
		return nil, errors.New("a Python set has no JSON form")
	}
	return out, nil
}

func (n *pyNode) evalDict() (any, error) {
	out := map[string]any{}
	first := map[string]string{} // Python key identity -> the JSON key of its first occurrence
	for i, kn := range n.keys {
		k, err := kn.eval()
		if err != nil {
			return nil, err
		}
		v, err := n.items[i].eval()
		if err != nil {
			return nil, err
		}
		ks, err := jsonKey(k)
		if err != nil {
			return nil, err
		}
		// True, 1 and 1.0 are one key to Python, written as the first.
		id := ks
		if r, ok := numericKey(k); ok {
			id = "#" + r
		}
		if f, seen := first[id]; seen {
			ks = f
		} else {
			first[id] = ks
		}
		out[ks] = v
	}
	return out, nil
}

// numericKey is the value of a bool or number key, for Python's equality.
func numericKey(k any) (string, bool) {
	switch k := k.(type) {
	case bool:
		return map[bool]string{false: "0", true: "1"}[k], true
	case int, *big.Int:
		return fmt.Sprint(k), true
	case float64:
		if r := new(big.Rat); !math.IsInf(k, 0) && !math.IsNaN(k) && r.SetFloat64(k) != nil {
			return r.RatString(), true
		}
	}
	return "", false
}

// jsonKey is the key json.dumps writes for a Python dict key.
func jsonKey(k any) (string, error) {
	switch k := k.(type) {
	case string:
		return k, nil
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(k), nil
	case int, *big.Int:
		return fmt.Sprint(k), nil
	case float64:
		s := strconv.FormatFloat(k, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		return s, nil
	}
	return "", errors.New("a Python dict key that is a list, tuple or dict has no JSON form")
}

// evalUnary allows a sign on a number only, once: -5, +1.5.
func (n *pyNode) evalUnary() (any, error) {
	o := n.items[0]
	if o.kind != 'c' {
		return nil, errMalformed
	}
	neg := n.op == "-"
	switch v := o.val.(type) {
	case int:
		if neg {
			return pyInt64(new(big.Int).Neg(big.NewInt(int64(v)))), nil
		}
		return v, nil
	case *big.Int:
		if neg {
			return pyInt64(new(big.Int).Neg(v)), nil
		}
		return v, nil
	case float64:
		if neg {
			return -v, nil
		}
		return v, nil
	case pyComplex:
		return checkConst(v)
	}
	return nil, errMalformed
}

// evalComplex is the one binary operation literal_eval allows: a signed
// real number plus or minus an imaginary one.
func (n *pyNode) evalComplex() (any, error) {
	l, r := n.items[0], n.items[1]
	if l.kind == 'u' {
		l = l.items[0]
	}
	if l.kind != 'c' || r.kind != 'c' {
		return nil, errMalformed
	}
	switch l.val.(type) {
	case int, *big.Int, float64:
		if _, ok := r.val.(pyComplex); ok {
			return checkConst(r.val)
		}
	}
	return nil, errMalformed
}
