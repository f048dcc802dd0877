package history

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// Locate on this Windows (Wine under scripts/test): a History path in a
// profile, or a reason why there is none; never both.
func TestLocateLive(t *testing.T) {
	loc := Locate()
	t.Logf("Locate() = %+v", loc)
	switch {
	case (loc.Path == "") == (loc.Unavailable == ""):
		t.Errorf("Locate() = %+v; want a path or a reason, one of them", loc)
	case loc.Path != "" && !strings.HasSuffix(loc.Path, `\Temp\QuickAssist\EBWebView\Default\History`):
		t.Errorf("Locate().Path = %q; want it under Temp\\QuickAssist\\EBWebView\\Default", loc.Path)
	}
}

// A file another process opened without sharing read (as Chromium's
// exclusive_database_file_lock does) cannot be copied: locked, and the
// Error says to close Quick Assist. A file the copy holds open can still
// be deleted meanwhile (FILE_SHARE_DELETE).
func TestReadLockedFile(t *testing.T) {
	p := filepath.Join(testpeer.TempDir(t), "History")
	if err := os.WriteFile(p, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	hr, _ := Read(context.Background(), p, isAny, Limits{})
	windows.CloseHandle(h)
	if hr.State != facts.ReadLocked || !strings.Contains(hr.Error, "close Quick Assist and run again") {
		t.Errorf("Read(a file opened unshared) = %+v; want locked, saying to close Quick Assist", hr)
	}

	f, err := openShared(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(p); err != nil {
		t.Errorf("deleting a file openShared holds: %v; want it deletable (FILE_SHARE_DELETE)", err)
	}
}

// A History that is a link is not followed: an elevated qadoctor reads a
// user's folder, and the user could point the link anywhere.
func TestReadRefusesLinks(t *testing.T) {
	dir := testpeer.TempDir(t)
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "History")
	if err := os.WriteFile(target, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a link here (Windows needs Developer Mode or elevation): %v", err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Skipf("os.Symlink succeeded but made no link (Wine 8 does this): %v", err)
	}
	hr, _ := Read(context.Background(), link, isAny, Limits{})
	if hr.State != facts.ReadError || !strings.Contains(hr.Error, "not a regular file") {
		t.Errorf("Read(a link) = %+v; want error, not a regular file", hr)
	}
}
