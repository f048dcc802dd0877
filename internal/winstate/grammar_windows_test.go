package winstate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// TestRegGrammarUnderWine imports every grammar row with regedit /S, the
// way an admin applies a .reg file, and checks that the registry then
// holds what ParseReg says regedit imports. Wine's regedit passes the
// conformance tests the rows come from, so a row that fails here is a
// row misread from them.
func TestRegGrammarUnderWine(t *testing.T) {
	underWine(t)
	reg, err := winstate.Live()
	if err != nil {
		t.Fatal(err)
	}
	dir := testpeer.TempDir(t)
	clear := []byte("REGEDIT4\n\n[-" + grammarKey + "]\n")
	t.Cleanup(func() { importBytes(t, dir, "clear.reg", clear) })
	for _, c := range grammarCases {
		t.Run(c.name, func(t *testing.T) {
			importBytes(t, dir, "clear.reg", clear)
			importBytes(t, dir, "row.reg", grammarFile(c))
			checkGrammar(t, c, reg)
			h, err := winstate.ParseReg("row.reg", grammarFile(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			checkGrammar(t, c, h)
		})
	}
}

func importBytes(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := regedit(path); err != nil {
		t.Fatalf("regedit /S %s: %v\n%s", name, err, out)
	}
}
