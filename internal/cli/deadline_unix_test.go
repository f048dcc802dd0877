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

// The hostile review's inputs for the commands that read a file a person
// names: /dev/zero and a FIFO. Each is refused at once with exit 2, naming
// the file, instead of running out of memory or hanging.
func TestNamedInputsMustBeRegularFiles(t *testing.T) {
	fifo := filepath.Join(testpeer.TempDir(t), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/dev/zero", fifo} {
		for _, args := range [][]string{
			{"profile", "validate", p},
			{"analyze", p},
			{"diagnose", "--ca-file", p, "--only", "net.hosts-file"},
			{"diagnose", "--profile", p, "--only", "net.hosts-file"},
		} {
			var code int
			var errOut string
			within(t, time.Second, func() { code, _, errOut = runCLI(t, gather.Env{}, args...) })
			if code != ExitUsage || !strings.Contains(errOut, p) || !strings.Contains(errOut, "not a regular file") {
				t.Errorf("%v: exit %d, %q; want exit 2 naming %s as not a regular file", args, code, errOut, p)
			}
		}
		// summarize counts and lists what it cannot read, as it does any
		// file that is not a report.
		var out string
		within(t, time.Second, func() { _, out, _ = runCLI(t, gather.Env{}, "summarize", p) })
		if !strings.Contains(out, p) || !strings.Contains(out, "not a regular file") {
			t.Errorf("summarize %s: %q; want it listed as unreadable, not a regular file", p, out)
		}
	}
}
