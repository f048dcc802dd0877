package atomicfile

import (
	"os"
	"path/filepath"
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
	if err := Write(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
