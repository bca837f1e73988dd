package remotetest

import (
	"fmt"
	"strings"
)

// ShC is a command of the form `sh -c SCRIPT NAME ARGS...`, the way
// bootstrap wraps its scripts: NAME becomes $0 (ck8s-agent for the
// guarded launch, ck8s-install for the upload's install), ARGS "$@".
type ShC struct {
	Script string
	Name   string
	Args   []string
}

// ParseShC splits cmd into its script, name and arguments.
func ParseShC(cmd string) (ShC, error) {
	w, err := Words(cmd)
	if err != nil {
		return ShC{}, err
	}
	if len(w) < 4 || w[0] != "sh" || w[1] != "-c" {
		return ShC{}, fmt.Errorf("not `sh -c SCRIPT NAME ARGS...`: %q", cmd)
	}
	return ShC{Script: w[2], Name: w[3], Args: w[4:]}, nil
}

// Words splits a command line into words as sh does, for the subset
// remote.Quote produces: plain words, single-quoted strings and backslash
// escapes, concatenated (Quote writes it's as four pieces). Anything else a
// shell would expand (", $, `) is an error, so a test never misreads a
// command.
func Words(cmd string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(cmd); i++ {
		switch ch := cmd[i]; ch {
		case ' ', '\t', '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case '\'':
			end := strings.IndexByte(cmd[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote at byte %d of %q", i, cmd)
			}
			cur.WriteString(cmd[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case '\\':
			if i+1 == len(cmd) {
				return nil, fmt.Errorf("trailing backslash in %q", cmd)
			}
			i++
			cur.WriteByte(cmd[i])
			inWord = true
		case '"', '$', '`':
			return nil, fmt.Errorf("unquoted %c at byte %d of %q: not a command remote.Quote built", ch, i, cmd)
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
