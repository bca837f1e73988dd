package inventory

import (
	"errors"
	"fmt"
	"strings"
)

// pyValue is Ansible's INI _parse_value: the value of s as a Python
// literal (ast.literal_eval) when it is one, else s itself. Literals JSON
// cannot carry (sets, complex numbers, Ellipsis), which make
// ansible-inventory fail, are an error.
func pyValue(s string) (any, error) {
	toks, ok := pyLex(strings.TrimLeft(s, " \t"))
	if !ok {
		return s, nil
	}
	p := &pyParser{toks: toks}
	n, ok := p.exprList()
	if !ok || p.pos != len(p.toks) {
		return s, nil
	}
	v, err := n.eval()
	switch {
	case errors.Is(err, errMalformed):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("value %s: %w; write it as a Python string ('...') to keep it text", s, err)
	}
	return v, nil
}

// pyNode is the part of Python's AST that literal_eval looks at.
type pyNode struct {
	kind  byte // 'c' constant, 'i' name, 't' tuple, 'l' list, 's' set, 'd' dict, 'u' unary, '+' '-' binary, '(' call
	val   any
	op    string
	items []*pyNode // elements, dict values, or operands
	keys  []*pyNode
}

type pyParser struct {
	toks []pyTok
	pos  int
}

func (p *pyParser) peek(op string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == 'o' && p.toks[p.pos].text == op
}

func (p *pyParser) eat(op string) bool {
	if p.peek(op) {
		p.pos++
		return true
	}
	return false
}

// exprList is a comma-separated list, a tuple when there is a comma.
func (p *pyParser) exprList() (*pyNode, bool) {
	first, ok := p.expr()
	if !ok || !p.peek(",") {
		return first, ok
	}
	t := &pyNode{kind: 't', items: []*pyNode{first}}
	for p.eat(",") && p.startsExpr() {
		n, ok := p.expr()
		if !ok {
			return nil, false
		}
		t.items = append(t.items, n)
	}
	return t, true
}

func (p *pyParser) startsExpr() bool {
	if p.pos >= len(p.toks) {
		return false
	}
	t := p.toks[p.pos]
	return t.kind != 'o' || strings.Contains("([{+-...", t.text)
}

// expr is a sum of signed terms: a + b - c.
func (p *pyParser) expr() (*pyNode, bool) {
	left, ok := p.signed()
	for ok && (p.peek("+") || p.peek("-")) {
		op := p.toks[p.pos].text
		p.pos++
		var right *pyNode
		if right, ok = p.signed(); ok {
			left = &pyNode{kind: op[0], items: []*pyNode{left, right}}
		}
	}
	return left, ok
}

func (p *pyParser) signed() (*pyNode, bool) {
	if p.peek("+") || p.peek("-") {
		op := p.toks[p.pos].text
		p.pos++
		n, ok := p.signed()
		return &pyNode{kind: 'u', op: op, items: []*pyNode{n}}, ok
	}
	return p.atom()
}

func (p *pyParser) atom() (*pyNode, bool) {
	if p.pos >= len(p.toks) {
		return nil, false
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case 'n':
		return &pyNode{kind: 'c', val: t.val}, true
	case 's', 'b', 'f':
		return p.strings(t)
	case 'i':
		if p.eat("(") { // only set() is a literal; any call parses
			return &pyNode{kind: '(', op: t.text}, p.eat(")")
		}
		return &pyNode{kind: 'i', op: t.text}, true
	}
	switch t.text {
	case "...":
		return &pyNode{kind: 'c', val: pyUnsupported("Ellipsis")}, true
	case "(":
		return p.parens()
	case "[":
		n := &pyNode{kind: 'l'}
		return n, p.elements(n, "]")
	case "{":
		return p.braces()
	}
	return nil, false
}

// strings concatenates adjacent string literals ('a' "b" is "ab");
// mixing bytes and str is a SyntaxError.
func (p *pyParser) strings(first pyTok) (*pyNode, bool) {
	var s strings.Builder
	s.WriteString(first.val.(string))
	kind := first.kind
	for p.pos < len(p.toks) && strings.ContainsRune("sbf", rune(p.toks[p.pos].kind)) {
		t := p.toks[p.pos]
		if (t.kind == 'b') != (kind == 'b') {
			return nil, false
		}
		if t.kind == 'f' {
			kind = 'f'
		}
		s.WriteString(t.val.(string))
		p.pos++
	}
	if kind == 'f' {
		return &pyNode{kind: 'i', op: "f-string"}, true
	}
	return &pyNode{kind: 'c', val: s.String()}, true
}

func (p *pyParser) parens() (*pyNode, bool) {
	if p.eat(")") {
		return &pyNode{kind: 't'}, true
	}
	n, ok := p.exprList()
	return n, ok && p.eat(")")
}

// elements parses "a, b, c" up to close, a trailing comma allowed.
func (p *pyParser) elements(n *pyNode, close string) bool {
	for !p.eat(close) {
		e, ok := p.expr()
		if !ok {
			return false
		}
		n.items = append(n.items, e)
		if !p.eat(",") {
			return p.eat(close)
		}
	}
	return true
}

func (p *pyParser) braces() (*pyNode, bool) {
	if p.eat("}") {
		return &pyNode{kind: 'd'}, true
	}
	first, ok := p.expr()
	if !ok {
		return nil, false
	}
	if !p.eat(":") {
		n := &pyNode{kind: 's', items: []*pyNode{first}}
		if p.eat(",") {
			return n, p.elements(n, "}")
		}
		return n, p.eat("}")
	}
	n := &pyNode{kind: 'd'}
	for k := first; ; {
		v, ok := p.expr()
		if !ok {
			return nil, false
		}
		n.keys, n.items = append(n.keys, k), append(n.items, v)
		if !p.eat(",") || p.peek("}") {
			return n, p.eat("}")
		}
		if k, ok = p.expr(); !ok || !p.eat(":") {
			return nil, false
		}
	}
}
