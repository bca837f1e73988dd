package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// splitBundle cuts a cert-manager release manifest into documents,
// Namespaces first, then CRDs, then the rest in file order, so that each
// object's namespace and type exist when it is applied.
func splitBundle(cm CertManager) ([]Doc, error) {
	name := cm.BundleName
	if len(cm.Bundle) == 0 {
		return nil, fmt.Errorf("bundle %s: certManager.bundle: the file is empty", name)
	}
	var docs []Doc
	var errs []error
	for _, c := range chunks(cm.Bundle) {
		doc, err := parseDoc(fmt.Sprintf("bundle %s:%d", name, c.line), c.body)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, doc)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// The release manifest creates its namespace and runs everything in it.
	if !slices.ContainsFunc(docs, func(d Doc) bool {
		return d.Namespace == cm.Namespace || (d.Kind == "Namespace" && d.Name == cm.Namespace)
	}) {
		return nil, fmt.Errorf("bundle %s: neither creates nor uses namespace %q (certManager.namespace): is it the cert-manager release manifest, for that namespace?", name, cm.Namespace)
	}
	rank := func(d Doc) int {
		switch d.Kind {
		case "Namespace":
			return 0
		case "CustomResourceDefinition":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(docs, func(a, b Doc) int { return rank(a) - rank(b) })
	return docs, nil
}

// chunk is one document of a YAML stream and the line of its first
// content (not comment) line.
type chunk struct {
	line int
	body []byte
}

// chunks splits a YAML stream at "---" lines, dropping documents that hold
// only comments and whitespace.
func chunks(stream []byte) []chunk {
	var out []chunk
	var cur bytes.Buffer
	start := 0
	flush := func() {
		if start > 0 {
			out = append(out, chunk{start, slices.Clone(cur.Bytes())})
		}
		cur.Reset()
		start = 0
	}
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(nil, len(stream)+1)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if separator.MatchString(l) {
			flush()
			continue
		}
		if t := strings.TrimSpace(l); start == 0 && t != "" && !strings.HasPrefix(t, "#") {
			start = n
		}
		cur.WriteString(l + "\n")
	}
	flush()
	return out
}
