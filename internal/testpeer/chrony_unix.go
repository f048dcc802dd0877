//go:build !windows

package testpeer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Chrony runs chronyd as an NTP server on a loopback UDP port, under
// faketime shifted by shift (for example "+3h"): a real time server whose
// clock lies. chronyd and faketime must be installed (scripts/test installs
// them). It returns "127.0.0.1:port".
func Chrony(t testing.TB, shift string) string {
	t.Helper()
	chronyd, err := exec.LookPath("chronyd")
	if err != nil {
		t.Fatalf("chronyd is not installed (scripts/test installs chrony): %v", err)
	}
	faketime, err := exec.LookPath("faketime")
	if err != nil {
		t.Fatalf("faketime is not installed (scripts/test installs it): %v", err)
	}
	dir := TempDir(t)
	os.Chmod(dir, 0o755) // chronyd may drop to its own user
	port := freeUDPPort(t)
	conf := filepath.Join(dir, "chrony.conf")
	writeFile(t, conf, []byte(fmt.Sprintf(`port %d
bindaddress 127.0.0.1
allow 127.0.0.1
local stratum 1
cmdport 0
pidfile %s
driftfile %s
`, port, filepath.Join(dir, "chronyd.pid"), filepath.Join(dir, "drift"))))
	// -d: stay in the foreground; -x: never touch the system clock.
	cmd := exec.Command(faketime, "-f", shift, chronyd, "-d", "-x", "-f", conf, "-u", "root")
	// faketime runs chronyd as its child: startDaemon ends their whole
	// process group, or chronyd would outlive the test. chronyd serves once
	// it answers.
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	startDaemon(t, cmd, "chronyd", func() bool { return ntpAnswers(addr) })
	return addr
}
