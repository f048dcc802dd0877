package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// On Windows (here: under Wine) diagnose reads the live registry: the
// system checks judge it rather than skipping.
func TestBinaryReadsLiveRegistry(t *testing.T) {
	code, out, _ := qadoctor(t, "diagnose", "--json", "--only", "os.schannel,os.version,app.quickassist")
	st := statuses(t, out)
	if st["os.schannel"] != "pass" {
		t.Errorf("os.schannel = %q; want pass from the live registry (Windows defaults)", st["os.schannel"])
	}
	if st["app.quickassist"] == "skip" || st["os.version"] == "skip" {
		t.Errorf("statuses %v: the live registry was not read", st)
	}
	if code != 0 && code != 1 {
		t.Errorf("exit %d; want 0 or 1 (a verdict); output:\n%s", code, out)
	}
	if !strings.Contains(out, "SCHANNEL") {
		t.Errorf("the report names no SCHANNEL evidence:\n%s", out)
	}
}

// regedit runs Wine's own regedit, as an administrator would.
func regedit(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("regedit", args...).CombinedOutput(); err != nil {
		t.Fatalf("regedit %v: %v\n%s", args, err, out)
	}
}

// The whole repair, end to end on a real registry: break TLS 1.2 with
// regedit, see diagnose fail, fix it, see diagnose pass, undo, and find the
// registry exactly as before the fix (regedit's own export, byte for byte).
func TestBinaryFixUndoUnderWine(t *testing.T) {
	if os.Getenv("QADOCTOR_WINE") != "1" {
		t.Skip("rewrites HKLM: runs only under Wine (scripts/test)")
	}
	fixtures, _ := filepath.Abs(filepath.Join("..", "..", "internal", "winstate", "testdata"))
	t.Cleanup(func() { regedit(t, "/S", filepath.Join(fixtures, "schannel-restore.reg")) })
	dir := testpeer.TempDir(t)
	const key = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL`

	regedit(t, "/S", filepath.Join(fixtures, "schannel-tls12-off.reg"))
	before := filepath.Join(dir, "before.reg")
	regedit(t, "/E", before, key)

	if code, out, _ := qadoctor(t, "diagnose", "--only", "os.schannel"); code != 1 {
		t.Fatalf("diagnose after breaking TLS 1.2: exit %d; want 1\n%s", code, out)
	}
	journal := filepath.Join(dir, "journal")
	if code, out, errOut := qadoctor(t, "fix", "--yes", "--only", "os.schannel", "--journal", journal); code != 0 {
		t.Fatalf("fix --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := qadoctor(t, "diagnose", "--only", "os.schannel"); code != 0 {
		t.Fatalf("diagnose after fix: exit %d; want 0\n%s", code, out)
	}
	if code, out, errOut := qadoctor(t, "undo", "--journal", journal); code != 0 || !strings.Contains(out, "Restored 2") {
		t.Fatalf("undo: exit %d\n%s\n%s", code, out, errOut)
	}
	after := filepath.Join(dir, "after.reg")
	regedit(t, "/E", after, key)
	a, _ := os.ReadFile(before)
	b, _ := os.ReadFile(after)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("regedit export after undo differs from before the fix (%d vs %d bytes)", len(a), len(b))
	}
	if code, out, _ := qadoctor(t, "undo", "--journal", journal); code != 0 || !strings.Contains(out, "Nothing to undo") {
		t.Errorf("second undo: exit %d, %q", code, out)
	}
}
