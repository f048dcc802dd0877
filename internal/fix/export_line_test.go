package fix

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/winstate"
)

// A prior string value holding a line break (or any control character) is
// written as regedit writes it, hex(1): with its UTF-16LE bytes, so it
// stays one line of the undo .reg: the rest can never import as keys or
// values of its own, and reading the file back gives the value as it was.
func TestRegLineKeepsHostileStringsOnOneLine(t *testing.T) {
	key := winstate.KeyW32TimeParameters // a key qadoctor reads: W32Time's Type is a REG_SZ
	for _, s := range []string{
		"plain",
		`with "quotes" and \backslashes\`,
		"x\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n\"evil\"=\"calc.exe\"",
		"tab\there",
		"nul\x00inside",
	} {
		v := winstate.StringValue(s)
		line, err := regLine("Type", RegValueState{Exists: true, Type: winstate.TypeName(v.Type), Data: hex.EncodeToString(v.Data)})
		if err != nil {
			t.Fatalf("regLine(%q): %v", s, err)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("regLine(%q) = %q spans lines", s, line)
		}
		file := "Windows Registry Editor Version 5.00\r\n\r\n[" + longKey(key) + "]\r\n" + line + "\r\n"
		reg, _, err := winstate.Open("undo.reg", utf16le(file)) // as WriteReg writes it
		if err != nil {
			t.Fatalf("read back %q: %v", file, err)
		}
		got, err := reg.Value(key, "Type")
		if err != nil || got.Type != v.Type || !bytes.Equal(got.Data, v.Data) {
			t.Errorf("read back %q = %v %x, %v; want %x", s, got.Type, got.Data, err, v.Data)
		}
		if strings.Count(file, "\n[") != 1 {
			t.Errorf("regLine(%q): the undo file has a second key line:\n%s", s, file)
		}
	}
}
