//go:build !unix

package host

import (
	"os"
	"sync"
)

// knownHostsMu serialises appends within this process where flock is missing.
var knownHostsMu sync.Mutex

func lockFile(*os.File) (unlock func(), err error) {
	knownHostsMu.Lock()
	return knownHostsMu.Unlock, nil
}

// fileOwner is unknown here: key permissions are not checked.
func fileOwner(os.FileInfo) int { return -2 }
