package console

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A pipe is told apart from a file, and has a code page to speak: the
// console's, or the OEM code page when there is no console (as under Wine
// in CI, or an Intune script).
func TestPipeCodePage(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cp, ok := PipeCodePage(w.Fd())
	if cp == 0 {
		t.Errorf("a pipe: code page 0 (ok %v); want the console's or the OEM code page", ok)
	}
	if ok {
		if _, known := codePages[cp]; !known {
			t.Logf("code page %d has no encoding here: output stays UTF-8", cp)
		}
	}
	f, err := os.Create(filepath.Join(testpeer.TempDir(t), "out.txt")) // Wine cannot RemoveAll a t.TempDir
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, ok := PipeCodePage(f.Fd()); ok {
		t.Error("a file is written in UTF-8, not a code page")
	}
}

// A double-click saves where the person can find the files: a folder that
// exists (the Desktop under Wine's profile too).
func TestSaveFolder(t *testing.T) {
	p := SaveFolder()
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		t.Errorf("SaveFolder() = %q (%v); want an existing folder", p, err)
	}
	t.Logf("SaveFolder() = %s", p)
}
