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

// What Windows PowerShell 5.1 writes a report as: `>` gives UTF-16LE with
// a BOM, Out-File -Encoding utf8 UTF-8 with one; and UTF-16BE with a BOM.
func TestUTF8(t *testing.T) {
	const want = `{"a":"日本"}`
	utf16 := func(s string, big bool) []byte {
		var b []byte
		if big {
			b = []byte{0xFE, 0xFF}
		} else {
			b = []byte{0xFF, 0xFE}
		}
		for _, r := range s {
			hi, lo := byte(r>>8), byte(r)
			if big {
				b = append(b, hi, lo)
			} else {
				b = append(b, lo, hi)
			}
		}
		return b
	}
	for name, in := range map[string][]byte{
		"UTF-8":                       []byte(want),
		"UTF-8 with BOM":              append([]byte{0xEF, 0xBB, 0xBF}, want...),
		"UTF-16LE (PowerShell 5.1 >)": utf16(want, false),
		"UTF-16BE":                    utf16(want, true),
	} {
		got, err := UTF8(in)
		if err != nil || string(got) != want {
			t.Errorf("%s: UTF8 = %q, %v; want %q", name, got, err, want)
		}
	}
}
