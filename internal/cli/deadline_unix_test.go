//go:build !windows

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A FIFO as the hosts file would block the open until a writer came: it is
// refused without being opened, and the run ends at once.
func TestHostsFileFIFO(t *testing.T) {
	fifo := filepath.Join(testpeer.TempDir(t), "hosts")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	var out string
	within(t, time.Second, func() {
		_, out, _ = runCLI(t, gather.Env{}, "diagnose", "--json", "--only", "net.hosts-file", "--hosts-file", fifo, "--timeout", "1s")
	})
	f := want(t, decodeReport(t, out), "net.hosts-file", finding.Error, "hosts-unreadable")
	if !strings.Contains(f.Cause, "not a regular file") {
		t.Errorf("cause %q should say the hosts file is not a regular file", f.Cause)
	}
}
