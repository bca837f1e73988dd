package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFile is lab.json: enough for Status, Load and Down to work from the
// dir alone. Up writes it before creating anything (so Down can undo a crashed
// Up) and again at the end with host keys and pids.
type stateFile struct {
	Version  int         `json:"version"`
	Options  Options     `json:"options"`
	Gateway4 string      `json:"gateway4"`
	Gateway6 string      `json:"gateway6"`
	Hosts    []hostState `json:"hosts"`
}

type hostState struct {
	Host
	// Pids are informational; the pid files under hosts/<name>/ are what
	// Down and Status trust, because they are written the moment a process
	// starts.
	SSHDPid   int `json:"sshdPid,omitempty"`
	DecoysPid int `json:"decoysPid,omitempty"`
}

const stateVersion = 1

func statePath(dir string) string { return filepath.Join(dir, "lab.json") }

func writeState(o Options, l *Lab) error {
	st := stateFile{Version: stateVersion, Options: o,
		Gateway4: l.Gateway4.String(), Gateway6: l.Gateway6.String()}
	for _, h := range l.Hosts {
		st.Hosts = append(st.Hosts, hostState{Host: h,
			SSHDPid:   sshdProc(l.Dir, h).pid(),
			DecoysPid: decoysProc(l.Dir, h).pid()})
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(statePath(l.Dir), append(b, '\n'), 0o644)
}

// readState returns ErrNoLab when dir has no lab.json.
func readState(dir string) (*stateFile, error) {
	b, err := os.ReadFile(statePath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %s", ErrNoLab, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading lab state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("reading lab state %s: %w", statePath(dir), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("reading lab state %s: version %d, want %d", statePath(dir), st.Version, stateVersion)
	}
	return &st, nil
}

// Load returns the lab recorded in dir without checking that it runs.
func Load(dir string) (*Lab, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	o := st.Options
	o.Dir = dir // the dir may have been moved or reached by another path
	l := newLab(o)
	for i := range l.Hosts {
		if i < len(st.Hosts) && st.Hosts[i].Name == l.Hosts[i].Name {
			l.Hosts[i].HostKeyPub = st.Hosts[i].HostKeyPub
		}
	}
	return l, nil
}
