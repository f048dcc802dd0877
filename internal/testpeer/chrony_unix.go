//go:build !windows

package testpeer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
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
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// faketime runs chronyd as its child: start them in a process group of
	// their own and end the group, or chronyd outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chronyd: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// chronyd answers once it has started; wait for its first answer.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("chronyd exited: %s", out.String())
		default:
		}
		if ntpAnswers(addr) {
			return addr
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("chronyd did not answer on %s: %s", addr, out.String())
	return ""
}
