//go:build !windows

package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A FIFO and /dev/zero, the hostile review's inputs: refused at once,
// neither blocking nor reading forever.
func TestReadRefusesFIFOsAndDevices(t *testing.T) {
	fifo := filepath.Join(testpeer.TempDir(t), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, os.DevNull, "/dev/zero"} {
		if _, err := Read(p, 1<<20); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Read(%s) = %v; want it refused as not a regular file", p, err)
		}
	}
}
