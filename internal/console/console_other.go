//go:build !windows

package console

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// EnableVirtualTerminal: Unix terminals interpret ANSI escapes already.
func EnableVirtualTerminal(uintptr) bool { return true }

// StartedByExplorer is a Windows question; elsewhere a program is always
// started from a shell or a launcher that keeps its output.
func StartedByExplorer() bool { return false }

// Open shows a file in the desktop's default program for it.
func Open(path string) error {
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	return exec.Command(opener, path).Start()
}

// PipeCodePage is Windows' question: elsewhere pipes carry UTF-8.
func PipeCodePage(uintptr) (uint32, bool) { return 0, false }

// SaveFolder is where a double-click run leaves its files: ~/Desktop,
// else the home folder, else the temporary folder.
func SaveFolder() string {
	if home, err := os.UserHomeDir(); err == nil {
		for _, p := range []string{filepath.Join(home, "Desktop"), home} {
			if isDir(p) {
				return p
			}
		}
	}
	return os.TempDir()
}

// systemCodePage: elsewhere pipes carry UTF-8 (PipeCodePage never asks
// for a code page), and there is no system converter to ask.
func systemCodePage(uint32) (enc, sub pageEncoder, ok bool) { return nil, nil, false }
