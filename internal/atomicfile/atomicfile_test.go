package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestWriteReplacesWhole(t *testing.T) {
	dir := testpeer.TempDir(t)
	path := filepath.Join(dir, "journal.json")
	for _, content := range []string{"first, a longer content", "second"} {
		if err := Write(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("file = %q; want %q", got, content)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder; want the file alone, no temporary left", len(entries))
	}
}

// -o into a folder that does not exist: the error names the file asked for
// and its missing folder, never the temporary file's name.
func TestWriteIntoMissingFolderNamesTheTarget(t *testing.T) {
	dir := testpeer.TempDir(t)
	target := filepath.Join(dir, "missing", "r.json")
	err := Write(target, []byte("{}"), 0o600)
	if err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, target) || !strings.Contains(msg, "does not exist") || strings.Contains(msg, ".tmp") {
		t.Errorf("Write(%s) = %q; want the target and its missing folder named, no temporary file", target, msg)
	}
}

// A target name as long as a file name may be (255 bytes) is written: the
// temporary file's name does not grow with it.
func TestWriteLongestName(t *testing.T) {
	dir := testpeer.TempDir(t)
	target := filepath.Join(dir, strings.Repeat("d", 250)+".json")
	if err := Write(target, []byte("{}"), 0o600); err != nil {
		t.Fatalf("Write(a 255-byte name): %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "{}" {
		t.Errorf("file = %q; want {}", got)
	}
}
