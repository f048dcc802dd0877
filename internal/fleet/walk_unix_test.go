//go:build !windows

package fleet

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// Every entry of a folder is read, listed with why not, or counted as
// ignored: a link to a report is followed and read; a link to a folder,
// a dangling link, a FIFO, a socket and a device are listed, and a FIFO
// never blocks the walk.
func TestSummarizeFolderEntries(t *testing.T) {
	dir := testpeer.TempDir(t)
	writeReports(t, dir, 1) // pc-000000.json
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeReports(t, sub, 1) // a folder is walked
	mustLink := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	mustLink("pc-000000.json", "link.json")
	mustLink("gone.json", "dangling.json")
	mustLink("sub", "folder-link")
	mustLink("sub", "folder-link.json")
	mustLink(os.DevNull, "device.json")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", filepath.Join(dir, "socket.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a report"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil { // not named as a report
		t.Fatal(err)
	}

	s := New()
	done := make(chan error, 1)
	go func() { done <- s.AddPaths([]string{dir}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("AddPaths still running after 30 s: blocked on the FIFO?")
	}

	want := map[string]string{
		"dangling.json":    reasonDangling,
		"folder-link":      reasonDirLink,
		"folder-link.json": reasonDirLink,
		"device.json":      reasonDevice,
		"fifo.json":        reasonFIFO,
		"socket.json":      reasonSocket,
	}
	got := map[string]string{}
	for _, sk := range s.Skipped {
		rel, _ := filepath.Rel(dir, sk.Path)
		got[rel] = sk.Reason
	}
	for name, reason := range want {
		if got[name] != reason {
			t.Errorf("%s listed as %q; want %q", name, got[name], reason)
		}
	}
	if len(got) != len(want) || s.Unreadable != len(want) {
		t.Errorf("unreadable %d: %v; want the %d above", s.Unreadable, got, len(want))
	}
	if s.Reports != 3 {
		t.Errorf("%d reports read; want 3 (the report, the link to it, the one in sub)", s.Reports)
	}
	if s.Ignored != 2 {
		t.Errorf("%d entries ignored; want 2 (notes.txt, pipe)", s.Ignored)
	}
	entries := 0
	for _, d := range []string{dir, sub} {
		es, _ := os.ReadDir(d)
		for _, e := range es {
			if !e.IsDir() {
				entries++
			}
		}
	}
	if n := s.Reports + s.Unreadable + s.Ignored; n != entries {
		t.Errorf("%d entries read, listed or counted; the folders hold %d besides folders", n, entries)
	}
}
