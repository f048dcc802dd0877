//go:build !windows

package inputfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// A FIFO swapped in between the check and the open never blocks: the open
// returns at once and what was opened is refused. The swap is raced many
// times; each Open must return within the test's own time.
func TestOpenRacingAFIFOSwapNeverBlocks(t *testing.T) {
	dir := testpeer.TempDir(t)
	target, file, fifo := filepath.Join(dir, "r.json"), filepath.Join(dir, "file"), filepath.Join(dir, "fifo")
	os.WriteFile(file, []byte("{}"), 0o644)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			src := file
			if i%2 == 1 {
				src = fifo
			}
			os.Remove(target)
			os.Link(src, target)
		}
	}()
	refused := 0
	for range 2000 {
		done := make(chan error, 1)
		go func() {
			f, err := Open(target)
			if err == nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil && strings.Contains(err.Error(), "not a regular file") {
				refused++
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Open blocked on a FIFO swapped in after its check")
		}
	}
	t.Logf("%d of 2000 opens met the FIFO and refused it", refused)
}
