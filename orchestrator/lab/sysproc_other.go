//go:build !unix

package lab

import (
	"os"
	"syscall"
)

// The lab runs on Linux only; checkPrerequisites says so before these matter.

func detached() *syscall.SysProcAttr { return nil }

func lockFile(string) (*os.File, error) { return nil, ErrPrerequisite }

func kill(int, syscall.Signal) error { return ErrPrerequisite }

type fileID struct{ dev, ino uint64 }

func statID(string) (fileID, bool) { return fileID{}, false }

func checkOwnDir(string) error { return ErrPrerequisite }
