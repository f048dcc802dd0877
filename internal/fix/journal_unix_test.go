//go:build !windows

package fix

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A FIFO named like the newest journal would block undo's open: it is
// skipped, named, at once.
func TestUndoSkipsAFIFO(t *testing.T) {
	dir := testpeer.TempDir(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "20261201T000000Z-ffffff.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	j, skipped, err := FindJournal(dir, "")
	if j != nil || err != nil || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "not a regular file") {
		t.Errorf("FindJournal = %v, %v, %v; want the FIFO skipped as not a regular file", j, skipped, err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("FindJournal waited on the FIFO")
	}
}
