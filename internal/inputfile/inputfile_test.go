package inputfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestRead(t *testing.T) {
	dir := testpeer.TempDir(t)
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o600)
	big := filepath.Join(dir, "big")
	f, _ := os.Create(big)
	f.Truncate(1 << 30) // a sparse GiB: refused from its size, never read
	f.Close()
	if got, err := Read(small, 5); err != nil || string(got) != "hello" {
		t.Errorf("Read(small, 5) = %q, %v", got, err)
	}
	for _, tt := range []struct {
		path string
		max  int64
		says string
	}{
		{small, 4, "more than the 4"},
		{big, 1 << 20, "more than the"},
		{dir, 1 << 20, "not a regular file"},
	} {
		if _, err := Read(tt.path, tt.max); err == nil || !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tt.says)) {
			t.Errorf("Read(%s, %d) = %v; want an error saying %q", tt.path, tt.max, err, tt.says)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read(missing) = %v; want fs.ErrNotExist", err)
	}
}
