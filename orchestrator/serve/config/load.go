package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// MaxSize bounds the configuration file: it is hand-written, and anything
// larger is a mistake or an attack on the YAML parser.
const MaxSize = 1 << 20

// Load reads the configuration at path, validates every key, reads every
// secret and loads every playbook it names. It returns either a complete
// Config or every problem at once, joined: each is a *playbook.Error
// naming its file, line and field path.
func Load(path string) (*Config, error) {
	data, err := readFile(path, MaxSize)
	if err != nil {
		return nil, &playbook.Error{File: path, Msg: "cannot read configuration: " + pathErr(err), Err: err}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &playbook.Error{File: path, Msg: err.Error(), Err: err}
	}
	root, perr := document(path, data)
	if perr != nil {
		return nil, perr
	}
	d := &decoder{file: path, dir: filepath.Dir(abs)}
	d.Reader = yamlnode.Reader{Errorf: d.errorf, Describe: describe}
	c := d.config(root)
	if err := d.join(); err != nil {
		return nil, err
	}
	c.Path = path
	return c, nil
}

// readFile reads at most limit bytes; more is an error.
func readFile(path string, limit int64) ([]byte, error) {
	f, _, err := readfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, limit)
}

func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = fmt.Errorf("larger than %d bytes", limit)
	}
	return data, err
}

// pathErr drops the path an *fs.PathError repeats: messages name it once.
func pathErr(err error) string {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// document returns the root node of the single YAML document in data.
func document(name string, data []byte) (*yaml.Node, *playbook.Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc, next yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) || (err == nil && len(doc.Content) == 0) {
		return nil, &playbook.Error{File: name, Msg: "empty configuration: at least playbooks is required"}
	} else if err != nil {
		return nil, syntaxError(name, err)
	}
	if err := dec.Decode(&next); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(name, err)
	} else if err == nil {
		return nil, &playbook.Error{File: name, Line: next.Line, Msg: "only one YAML document is allowed"}
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError reports a YAML syntax error at its line, as the playbook
// package does.
func syntaxError(file string, err error) *playbook.Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &playbook.Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &playbook.Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// join returns the configuration's problems in line order, then those
// inside playbook files in the order their package gave.
func (d *decoder) join() error {
	slices.SortStableFunc(d.errs, func(a, b *playbook.Error) int { return cmp.Compare(a.Line, b.Line) })
	all := make([]error, 0, len(d.errs)+len(d.pbErrs))
	for _, e := range d.errs {
		all = append(all, e)
	}
	all = append(all, d.pbErrs...)
	switch len(all) {
	case 0:
		return nil
	case 1:
		return all[0]
	}
	return errors.Join(all...)
}
