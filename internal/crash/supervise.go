package crash

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// A Go fatal error (concurrent map writes, a stack overflow, out of
// memory, a deadlock, an unrecovered panic in a goroutine nobody guards)
// runs no deferred function and ends the process with the runtime's exit
// code 2, which ck8sctl documents as "bad input, nothing ran". Only
// another process can tell. So the command line runs as two: a small
// supervisor that waits, and the real ck8sctl as its child. The child
// sends its crash output (runtime/debug.SetCrashOutput) down a pipe; when
// anything arrives there, the supervisor exits ExitInternal and finishes
// what the child left recorded as running.
//
// The two speak through two pipes at fixed descriptors, announced by
// supervisedEnv: fd 3 carries the crash output, fd 4 the child's notes
// (key/value lines such as the store it opened and its run owner).
const (
	supervisedEnv = "CK8S_SUPERVISED"
	protocol      = "1:3,4"
	crashFD       = 3
	notesFD       = 4
	// maxCrash is what the supervisor keeps of the crash output: enough
	// for the message; the whole trace is on stderr already.
	maxCrash = 64 << 10
)

// ErrNotStarted: Supervise could not start the child; nothing ran, and
// the caller may run the program in-process instead.
var ErrNotStarted = errors.New("supervisor: could not start ck8sctl")

var notes struct {
	sync.Mutex
	w *os.File
}

// Child reports whether this process runs under a supervisor and, if so,
// routes its crash output to it. Call it first thing in main. The marker
// is removed from the environment so that nothing this process starts
// mistakes itself for a supervised child.
func Child() bool {
	v, ok := os.LookupEnv(supervisedEnv)
	if !ok {
		return false
	}
	os.Unsetenv(supervisedEnv)
	if v != protocol {
		return false
	}
	out, n := os.NewFile(crashFD, "crash-output"), os.NewFile(notesFD, "supervisor-notes")
	if out == nil || n == nil || childSetup(out, n) != nil {
		return false
	}
	notes.Lock()
	notes.w = n
	notes.Unlock()
	return true
}

// Note tells the supervisor, if there is one, a fact it needs after a
// crash. Values are single lines; a later note of the same key wins.
func Note(key, value string) {
	notes.Lock()
	defer notes.Unlock()
	if notes.w == nil || strings.ContainsAny(key+value, "\n\t") {
		return
	}
	fmt.Fprintf(notes.w, "%s\t%s\n", key, value)
}

// Outcome is how a supervised child ended.
type Outcome struct {
	Code    int               // its exit code; 128+N when killed by signal N
	Signal  os.Signal         // the signal that killed it, if one did
	Crashed bool              // it wrote crash output: a fatal error or unrecovered panic
	Crash   string            // the start of that output
	Notes   map[string]string // what it told the supervisor with Note
}

// Headline sums the crash up in a line: the runtime's own headline
// ("panic: ...", "fatal error: ..."), or, as for the throws whose
// headline the runtime prints to stderr only, the function that threw.
func (o Outcome) Headline() string {
	lines := strings.Split(o.Crash, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return l
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "goroutine ") && i+1 < len(lines) && lines[i+1] != "" {
			fn, _, _ := strings.Cut(lines[i+1], "(")
			return "fatal error in " + fn
		}
	}
	return "fatal error"
}

// readNotes collects the child's notes until it closes its end.
func readNotes(r io.Reader) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "\t"); ok {
			m[k] = v
		}
	}
	return m
}

// readCrash keeps the first maxCrash bytes of the crash output and drains
// the rest, so a long trace never blocks the dying child.
func readCrash(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxCrash))
	io.Copy(io.Discard, r)
	return string(b)
}
