//go:build !windows

package eventlog

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A FIFO named as an .evtx file is refused at once, never waited on (an
// open of a FIFO blocks until a writer comes).
func TestReadFileRefusesAFIFO(t *testing.T) {
	path := filepath.Join(testpeer.TempDir(t), "System.evtx")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan facts.LogRead, 1)
	go func() { lr, _ := ReadFile(t.Context(), path, Window{}, Limits{}); done <- lr }()
	select {
	case lr := <-done:
		if lr.State != facts.ReadError || !strings.Contains(lr.Error, "not a regular file") {
			t.Errorf("ReadFile(FIFO) = %+v; want an error saying it is not a regular file", lr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFile waited on a FIFO")
	}
}
