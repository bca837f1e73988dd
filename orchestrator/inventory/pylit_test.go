package inventory

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func bigInt(s string) *big.Int {
	v, _ := new(big.Int).SetString(s, 10)
	return v
}

// The expectations were produced by CPython 3.11's ast.literal_eval, with
// Ansible's fallback to the text itself on ValueError and SyntaxError;
// an error stands for a value JSON cannot carry, on which
// ansible-inventory fails.
var pyCases = []struct {
	in      string
	want    any
	wantErr bool
}{
	{"42", 42, false},
	{"-7", -7, false},
	{"+7", 7, false},
	{"- 7", -7, false},
	{"--7", "--7", false},
	{"0x1F", 31, false},
	{"0o17", 15, false},
	{"0b101", 5, false},
	{"1_000", 1000, false},
	{"1__0", "1__0", false},
	{"1_", "1_", false},
	{"00", 0, false},
	{"007", "007", false},
	{"0_0", 0, false},
	{"1.5", float64(1.5), false},
	{"1.", float64(1.0), false},
	{".5", float64(0.5), false},
	{"1e3", float64(1000.0), false},
	{"1E+3", float64(1000.0), false},
	{"1e", "1e", false},
	{"1.5e-2", float64(0.015), false},
	{"01.5", float64(1.5), false},
	{"1_0.2_5", float64(10.25), false},
	{"1._5", "1._5", false},
	{"1e1_0", float64(10000000000.0), false},
	{"True", true, false},
	{"False", false, false},
	{"None", nil, false},
	{"true", "true", false},
	{"yes", "yes", false},
	{"abc", "abc", false},
	{"", "", false},
	{"  42", 42, false},
	{"42  ", 42, false},
	{"42 # comment", 42, false},
	{"hello # x", "hello # x", false},
	{"'a'", "a", false},
	{"\"a\"", "a", false},
	{"'a' 'b'", "ab", false},
	{"'a' b'c'", "'a' b'c'", false},
	{"b'bytes'", "bytes", false},
	{"r'\\n'", "\\n", false},
	{"'\\n'", "\n", false},
	{"'\\x41\\101\\u00e9'", "AA\u00e9", false},
	{"'\\q'", "\\q", false},
	{"'''tri'''", "tri", false},
	{"u'x'", "x", false},
	{"f'x'", "f'x'", false},
	{"'unterminated", "'unterminated", false},
	{"[1, 'a', True]", []any{1, "a", true}, false},
	{"[1,]", []any{1}, false},
	{"[]", []any{}, false},
	{"()", []any{}, false},
	{"(1)", 1, false},
	{"(1,)", []any{1}, false},
	{"1,2", []any{1, 2}, false},
	{"1,", []any{1}, false},
	{"{}", map[string]any{}, false},
	{"{'a': 1, 'b': [2, (3, 4)]}", map[string]any{"a": 1, "b": []any{2, []any{3, 4}}}, false},
	{"{1: 'x', None: 2, True: 3}", map[string]any{"1": 3, "null": 2}, false},
	{"{'a': 1,}", map[string]any{"a": 1}, false},
	{"[1, [2, [3]]]", []any{1, []any{2, []any{3}}}, false},
	{"[1 2]", "[1 2]", false},
	{"[", "[", false},
	{"]", "]", false},
	{"{'a'}", nil, true},
	{"set()", nil, true},
	{"1j", nil, true},
	{"1+2j", nil, true},
	{"-1-2j", nil, true},
	{"1+2", "1+2", false},
	{"...", nil, true},
	{"[1j]", nil, true},
	{"{[1]: 2}", nil, true},
	{"{(1, 2): 3}", nil, true},
	{"x.y", "x.y", false},
	{"a=b", "a=b", false},
	{"1 if 1 else 2", "1 if 1 else 2", false},
	{"not 1", "not 1", false},
	{"-True", "-True", false},
	{"-'a'", "-'a'", false},
	{"123456789012345678901234567890", bigInt("123456789012345678901234567890"), false},
	{"-9223372036854775808", -9223372036854775808, false},
	{"9223372036854775807", 9223372036854775807, false},
	{"198.18.0.5", "198.18.0.5", false},
	{"2001:db8::1", "2001:db8::1", false},
	{"web01", "web01", false},
	{"1.2.3", "1.2.3", false},
	{"~/.ssh/id", "~/.ssh/id", false},
	{"/etc/x", "/etc/x", false},
	{"{{ x }}", "{{ x }}", false},
	{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", []any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{[]any{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}, false},
	{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", false},
}

func TestPyValue(t *testing.T) {
	for _, c := range pyCases {
		got, err := pyValue(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("pyValue(%q): error %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if !c.wantErr && !reflect.DeepEqual(got, c.want) {
			t.Errorf("pyValue(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}

// CPython refuses more than 200 nested brackets (a SyntaxError, so the
// text is kept as a string).
func TestPyValueNesting(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	v, err := pyValue(deep(200))
	for depth := 1; err == nil && depth < 200; depth++ {
		l, ok := v.([]any)
		if !ok || len(l) != 1 {
			t.Fatalf("depth %d: %#v", depth, v)
		}
		v = l[0]
	}
	if err != nil || !reflect.DeepEqual(v, []any{}) {
		t.Fatalf("200 levels: %v, innermost %#v", err, v)
	}
	if v, err := pyValue(deep(201)); err != nil || v != deep(201) {
		t.Fatalf("201 levels: %#v, %v; want the text", v, err)
	}
}
