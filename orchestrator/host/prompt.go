package host

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// TerminalPrompt returns a Config.PassphrasePrompt that asks on the terminal
// in (typically os.Stdin) without echo, writing the question to out. It
// fails when in is not a terminal, so a CI run gets the clear
// "set CK8S_SSH_PASSPHRASE" error instead of hanging.
func TerminalPrompt(in *os.File, out io.Writer) func(file string) ([]byte, error) {
	return func(file string) ([]byte, error) {
		fd := int(in.Fd())
		if !term.IsTerminal(fd) {
			return nil, errors.New("no terminal to ask for the passphrase: set " + DefaultPassphraseEnv)
		}
		fmt.Fprintf(out, "Enter passphrase for %s: ", file)
		defer fmt.Fprintln(out)
		return term.ReadPassword(fd)
	}
}

// MemoizePrompt asks once per file however many hosts are dialled in
// parallel. A failed prompt is not remembered, so the user can try again.
func MemoizePrompt(prompt func(file string) ([]byte, error)) func(file string) ([]byte, error) {
	var mu sync.Mutex
	known := map[string][]byte{}
	return func(file string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := known[file]; ok {
			return append([]byte(nil), p...), nil
		}
		p, err := prompt(file)
		if err != nil {
			return nil, err
		}
		known[file] = append([]byte(nil), p...)
		return p, nil
	}
}
