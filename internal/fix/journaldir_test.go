package fix

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The folder fix makes is one TrustJournalDir accepts, on every platform
// (under Wine: the DACL given to CreateDirectory is the one read back).
func TestPrepareJournalDirIsTrusted(t *testing.T) {
	dir := filepath.Join(testpeer.TempDir(t), "qadoctor", "journal")
	if err := PrepareJournalDir(dir); err != nil {
		t.Fatalf("PrepareJournalDir = %v", err)
	}
	if err := TrustJournalDir(dir); err != nil {
		t.Fatalf("TrustJournalDir of the folder fix made = %v", err)
	}
	plan, _ := Plan(findings(), []string{"os.schannel"}, broken())
	if _, err := NewJournal(dir, "test", time.Unix(0, 0), plan); err != nil {
		t.Fatalf("NewJournal in it = %v", err)
	}
	if _, _, err := FindJournal(dir, ""); err != nil {
		t.Errorf("FindJournal = %v", err)
	}
}

// A folder others can write is refused before a journal in it is read.
func TestUntrustedJournalDirIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		testUntrustedJournalDirWindows(t)
		return
	}
	dir := testpeer.TempDir(t)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	plant(t, dir, "20261125T184653Z-29bf63", RegStep{Key: tls12, Name: "Enabled", Prior: dw(0), New: dw(1), State: StateApplied})
	var untrusted *UntrustedDirError
	if _, _, err := FindJournal(dir, ""); !errors.As(err, &untrusted) {
		t.Errorf("FindJournal in a 0777 folder = %v; want it refused as untrusted", err)
	}
	if err := PrepareJournalDir(dir); !errors.As(err, &untrusted) {
		t.Errorf("PrepareJournalDir of a 0777 folder = %v; want it refused", err)
	}
}
