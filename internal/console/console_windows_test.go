package console

import (
	"bytes"
	"io"
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
		if _, known := CodePageWriter(io.Discard, cp); !known {
			t.Errorf("code page %d: CodePageWriter ok = false; want Windows to convert the code page it reports", cp)
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

// Chinese and Korean pipes are written with Windows' own tables, as
// PowerShell reads them; what a code page lacks still gets a stand-in or
// the substitute, and a code page Windows lacks is left to UTF-8.
func TestCodePageWriterSystem(t *testing.T) {
	tests := []struct {
		cp   uint32
		text string
		want string
	}{
		{936, "中文 — ok\n", "\xd6\xd0\xce\xc4 \xa1\xaa ok\n"},        // GBK has "—" (A1AA)
		{950, "中文 ok\n", "\xa4\xa4\xa4\xe5 ok\n"},                   // Big5
		{949, "한국 → ok\n", "\xc7\xd1\xb1\xb9 \xa1\xe6 ok\n"},        // EUC-KR (UHC) has "→" (A1E6)
		{936, "😀 ok\n", "\x1a ok\n"},                                // not in GBK: the substitute
		{949, "x…y\n", "x\xa1\xa6y\n"},                              // "…" is in 949 (A1A6)
		{1252, "qadoctor 1.2.3 — ok\n", "qadoctor 1.2.3 \x97 ok\n"}, // x/text's own, unchanged
	}
	for _, tt := range tests {
		var out bytes.Buffer
		w, ok := CodePageWriter(&out, tt.cp)
		if !ok {
			t.Fatalf("CodePageWriter(cp %d) ok = false; want a writer", tt.cp)
		}
		b := []byte(tt.text)
		for i := 0; i < len(b); i += 2 { // cut inside characters
			w.Write(b[i:min(i+2, len(b))])
		}
		w.Close()
		if got := out.String(); got != tt.want {
			t.Errorf("cp %d writes %q as % x; want % x", tt.cp, tt.text, got, tt.want)
		}
	}
	if _, ok := CodePageWriter(&bytes.Buffer{}, 12345); ok {
		t.Error("CodePageWriter(cp 12345) ok = true; want false for a code page Windows lacks")
	}
}
