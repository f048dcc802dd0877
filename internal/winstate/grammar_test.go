package winstate_test

// The .reg grammar as Windows reads it. Every row comes from Wine's
// conformance tests for reg import (wine-mirror/wine,
// programs/reg/tests/import.c: test_import, test_unicode_import,
// test_import_with_whitespace), which run against Windows' own reg.exe;
// the Wine value names are kept in the row names so each can be looked
// up. TestRegGrammar checks ParseReg against the rows here, and
// TestRegGrammarUnderWine imports every row with regedit /S and checks
// that the registry then agrees (grammar_windows_test.go).

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/winstate"
)

// grammarKey is where the rows write; under Wine it is deleted before and
// after each row.
const grammarKey = `HKEY_CURRENT_USER\Software\qadoctor-grammar`

type grammarCase struct {
	name   string
	header string // "" is REGEDIT4
	utf16  bool   // write the file as UTF-16LE with a BOM, as regedit exports
	body   string // the lines after "[grammarKey]"
	want   map[string]winstate.Value
	absent []string // value names regedit does not import
	skips  []string // reasons of the lines ParseReg must name, in order
}

func sz(s string) winstate.Value { return winstate.StringValue(s) }
func dw(n uint32) winstate.Value { return winstate.DWORDValue(n) }
func raw(t uint32, b ...byte) winstate.Value {
	if b == nil {
		b = []byte{}
	}
	return winstate.Value{Type: t, Data: b}
}
func wide(t uint32, s string) winstate.Value {
	return winstate.Value{Type: t, Data: winstate.EncodeUTF16(s)}
}

var grammarCases = []grammarCase{
	{name: "comments between values (Wine1-4)",
		body: "\"Wine1\"=dword:00000782\n\n\"Wine2\"=\"Test Value\"\n\"Wine3\"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n#comment\n@=\"Test\"\n;comment\n\n\"Wine4\"=dword:12345678\n",
		want: map[string]winstate.Value{"Wine1": dw(0x782), "Wine2": sz("Test Value"), "Wine3": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00"), "": sz("Test"), "Wine4": dw(0x12345678)}},
	{name: "no newline at the end (Wine5)", body: "\"Wine5\"=\"No newline\"",
		want: map[string]winstate.Value{"Wine5": sz("No newline")}},
	{name: "a comment's backslash continues nothing (Wine8-9)", body: "#comment\\\n\"Wine8\"=\"Line 1\"\n;comment\\\n\"Wine9\"=\"Line 2\"\n",
		want: map[string]winstate.Value{"Wine8": sz("Line 1"), "Wine9": sz("Line 2")}},
	{name: "; after data is a comment, # is not (Wine10-13)",
		body:   "\"Wine10\"=\"Value 1\"#comment\n\"Wine11\"=\"Value 2\";comment\n\"Wine12\"=dword:01020304 #comment\n\"Wine13\"=dword:02040608 ;comment\n",
		want:   map[string]winstate.Value{"Wine11": sz("Value 2"), "Wine13": dw(0x2040608)},
		absent: []string{"Wine10", "Wine12"}, skips: []string{"hash-after-data", "hash-after-data"}},
	{name: "comment lines inside a wrapped value (Wine14-17)",
		body:   "\"Wine14\"=hex(7):4c,69,6e,65,20,\\\n  #comment\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n\"Wine15\"=\"A valid line\"\n\"Wine16\"=hex(7):4c,69,6e,65,20,\\\n  ;comment\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n\"Wine17\"=\"Another valid line\"\n",
		want:   map[string]winstate.Value{"Wine15": sz("A valid line"), "Wine16": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00"), "Wine17": sz("Another valid line")},
		absent: []string{"Wine14"}, skips: []string{"broken-continuation", "not-a-line"}},
	{name: "commented-out values (Wine18-19)",
		body:   "#\"Comment1\"=\"Value 1\"\n;\"Comment2\"=\"Value 2\"\n    #\"Comment3\"=\"Value 3\"\n    ;\"Comment4\"=\"Value 4\"\n\"Wine18\"=\"Value 6\"#\"Comment5\"=\"Value 5\"\n\"Wine19\"=\"Value 7\";\"Comment6\"=\"Value 6\"\n",
		want:   map[string]winstate.Value{"Wine19": sz("Value 7")},
		absent: []string{"Comment1", "Comment2", "Comment3", "Comment4", "Wine18", "Comment5", "Comment6"}},
	{name: "comment characters in and around data (Wine20-31)",
		body:   "\"Wine20\"=#\"Value 8\"\n\"Wine21\"=;\"Value 9\"\n\"Wine22\"=\"#comment1\"\n\"Wine23\"=\";comment2\"\n\"Wine24\"=\"Value#comment3\"\n\"Wine26\"=\"Value #comment5\"\n\"Wine28\"=#dword:00000001\n\"Wine30\"=dword:00000003#comment\n\"Wine31\"=dword:00000004;comment\n",
		want:   map[string]winstate.Value{"Wine22": sz("#comment1"), "Wine23": sz(";comment2"), "Wine24": sz("Value#comment3"), "Wine26": sz("Value #comment5"), "Wine31": dw(4)},
		absent: []string{"Wine20", "Wine21", "Wine28", "Wine30"}},
	{name: "wrapped hex with ; comments after the backslash (Multi-Line1, 7, 8)",
		body: "\"ML1\"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n  63,61,74,\\;comment\n  65,6e,61,74,69,6f,6e,00,00\n\"ML8\"=hex(7):4c,69,6e,\\;#comment\n  65,20,\\;#comment\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n",
		want: map[string]winstate.Value{"ML1": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00"), "ML8": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00")}},
	{name: "a comment after a comma ends the value there (Multi-Line2)",
		body: "\"ML2\"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n  63,61,74,;comment\n  65,6e,61,74,69,6f,6e,00,00\n",
		want: map[string]winstate.Value{"ML2": wide(winstate.TypeMultiSZ, "Line concat\x00")}, skips: []string{"not-a-line"}},
	{name: "the comma goes before the backslash (Multi-Line3, 4, 9)",
		body:   "\"ML3\"=hex(7):4c,69,6e,65,20\\\n,63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n\"ML4\"=hex(7):4c,69,6e,65,20\\\n  ,63,6f,6e\n\"ML9\"=hex(7):4c,69,6e,\\;comment\n  63,61,74,\\#comment\n  65,6e,00,00\n",
		absent: []string{"ML3", "ML4", "ML9"}},
	{name: "blank lines inside a wrap are passed over (Multi-Line10, Wine60e-f)",
		body: "\"ML10\"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n  63,61,74,\\\n\n  65,6e,\\;comment\n\n  61,74,69,6f,6e,00,00\n\"W60f\"=hex(7):4c,69,6e,65,20,\\\n \n\t\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n",
		want: map[string]winstate.Value{"ML10": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00"), "W60f": wide(winstate.TypeMultiSZ, "Line concatenation\x00\x00")}},
	{name: "dword takes 1 to 8 hex digits (Wine32-36)",
		body:   "\"W32a\"=dword:1\n\"W32b\"=dword:4444\n\"W33a\"=dword:\n\"W33b\"=dword:hello\n\"W33c\"=dword:123456789\n\"W33e\"=dword:000000001\n\"W34a\"=dword:12345678abc\n\"W34b\"=dword:12345678 abc\n\"W35a\"=dword:0x123\n\"W35b\"=dword:123 456\n\"W36a\"=dword:1234;5678\n\"W36b\"=dword:1234 ;5678\n\"W36c\"=dword:1234#5678\n",
		want:   map[string]winstate.Value{"W32a": dw(1), "W32b": dw(0x4444), "W36a": dw(0x1234), "W36b": dw(0x1234)},
		absent: []string{"W33a", "W33b", "W33c", "W33e", "W34a", "W34b", "W35a", "W35b", "W36c"}},
	{name: "quotes (Wine37, Test38, double\\\"quote)",
		body:   "\"W37a\"=\"foo\"bar\"\n\"W37b\"=\"foo\"\"bar\"\n\"Empty string\"=\"\"\n\"\"=\"Default Value Name\"\n\"T38a\"=\n\"T38b\"=\\\"\n\"double\\\"quote\"=\"valid \\\"or\\\" not\"\n\"single'quote\"=dword:00000008\n\"NoQuotes\"=Asdffdsa\n\"NoEndQuote\"=\"Asdffdsa\n",
		want:   map[string]winstate.Value{"Empty string": sz(""), "": sz("Default Value Name"), "double\"quote": sz("valid \"or\" not"), "single'quote": dw(8)},
		absent: []string{"W37a", "W37b", "T38a", "T38b", "NoQuotes", "NoEndQuote"}},
	{name: "lines that are no entry are skipped, later lines still import",
		body:   "This file turns TLS 1.2 on.\nNameNoBeginQuote\"=\"Asdffdsa\"\n\"After\"=dword:00000001\n",
		want:   map[string]winstate.Value{"After": dw(1)},
		absent: []string{"NameNoBeginQuote"}, skips: []string{"not-a-line", "not-a-line"}},
	{name: "a wrap into a string line drops both (Wine40)",
		body:   "\"W40a\"=hex(2):4c,69,6e,65,00\n\"W40b\"=\"Value 1\"\n\"W40c\"=hex(2):4c,69,6e,65\\\n\"W40d\"=\"Value 2\"\n\"W40e\"=hex(2):4c,69,6e,65,\\\n\"W40f\"=\"Value 3\"\n\"W40g\"=\"Value 4\"\n",
		want:   map[string]winstate.Value{"W40a": wide(winstate.TypeExpandSZ, "Line\x00"), "W40b": sz("Value 1"), "W40d": sz("Value 2"), "W40g": sz("Value 4")},
		absent: []string{"W40c", "W40e", "W40f"}},
	{name: "no wrap for dword or string data (Wine41)",
		body:   "\"W41a\"=dword:1234\\\n5678\n\"W41b\"=\"Test \\\nValue\"\n",
		absent: []string{"W41a", "W41b"}},
	{name: "hex byte wraps (Wine45)",
		body:   "\"W45a\"=hex:11,22,33,44,55,66,77,88\n\"W45b\"=hex:11,22,33,44,\\\n  55,66,77,88\n\"W45e\"=hex:11,22,33,44\\\n  55,66,77,88\n\"W45f\"=hex:11,22,33,4\\\n4,55,66,77,88\n\"W45h\"=hex:11,22,33,44,\\;comment\n  55,66,\\\n  77,88\n\"W45i\"=hex:11,22,33,44,\\;comment\n  55,66,\n  77,88\n",
		want:   map[string]winstate.Value{"W45a": raw(3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88), "W45b": raw(3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88), "W45h": raw(3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88), "W45i": raw(3, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66)},
		absent: []string{"W45e", "W45f"}},
	{name: "value deletion (Wine46)",
		body:   "\"W46a\"=dword:1\n\"W46b\"=dword:1\n\"W46c\"=dword:1\n\"W46d\"=dword:1\n\"W46e\"=dword:1\n\"W46a\"=-\n\"W46b\"=  -\n\"W46c\"=  \t-\t  \n\"W46d\"=-\"Test\"\n\"W46e\"=- ;comment\n",
		want:   map[string]winstate.Value{"W46d": dw(1)},
		absent: []string{"W46a", "W46b", "W46c", "W46e"}},
	{name: "hex(type) takes 1 to 8 hex digits (Wine47)",
		body:   "\"W47a\"=hex(0):56,61,6c,75,65,00\n\"W47b\"=hex(10):56,61,6c,75,65,00\n\"W47h\"=hex(ffffffff):56,61,6c,75,65,00\n\"W47i\"=hex(100000000):56,61,6c,75,65,00\n\"W47j\"=hex(0x2):56,61,6c,75,65,00\n",
		want:   map[string]winstate.Value{"W47a": raw(0, 'V', 'a', 'l', 'u', 'e', 0), "W47b": raw(0x10, 'V', 'a', 'l', 'u', 'e', 0), "W47h": raw(0xffffffff, 'V', 'a', 'l', 'u', 'e', 0)},
		absent: []string{"W47i", "W47j"}},
	{name: "blanks before the backslash, a trailing comma (Wine48-50)",
		body:   "\"W48a\"=hex:01,02,  \\\n  03\n\"W49\"=hex:01,02,\n\"W50a\"=hex:01,02  ;comment\n\"W50c\"=hex:01,02  #comment\n",
		want:   map[string]winstate.Value{"W48a": raw(3, 1, 2, 3), "W49": raw(3, 1, 2), "W50a": raw(3, 1, 2)},
		absent: []string{"W50c"}},
	{name: "bytes over 0xff and misplaced backslashes (Wine51-53)",
		body:   "\"W51a\"=hex:25,50,100,54\n\"W52a\"=hex:25,48\\,4f\n\"W52b\"=hex:25,48,\\4f,4d\n\"W52i\"=hex:25,50,\\,41\n\"W52k\"=hex:,\\\n  25,48\n\"W52l\"=hex:\\\n  25,48\n\"W53c\"=hex:25,48,  \\  ;comment\n  25,50\n\"W53d\"=hex:25,48  \\  ;comment\n  25,50\n",
		want:   map[string]winstate.Value{"W52l": raw(3, 0x25, 0x48), "W53c": raw(3, 0x25, 0x48, 0x25, 0x50)},
		absent: []string{"W51a", "W52a", "W52b", "W52i", "W52k", "W53d"}},
	{name: "a wrap into a key line drops the value and the key (Wine54a)",
		body:   "\"W54a\"=hex:4c,69,\\\n[" + grammarKey + "\\Subkey1]\n\"W54after\"=dword:1\n",
		want:   map[string]winstate.Value{"W54after": dw(1)}, // still in the section before the lost key line
		absent: []string{"W54a"}},
	{name: "a wrap into a comment line: ; is passed over, # is consumed (Wine55)",
		body:   "\"W55c\"=hex:4c,69,\\\n;comment\n\"W55d\"=\"Test value\"\n\"W55e\"=hex:4c,69,\\\n#comment\n\"W55f\"=\"Test value\"\n\"W55g\"=hex:4c,69,\\\n\n\"W55h\"=\"Test value\"\n",
		want:   map[string]winstate.Value{"W55f": sz("Test value")},
		absent: []string{"W55c", "W55d", "W55e", "W55g", "W55h"}},
	{name: "a lone backslash line or a doubled comma breaks a wrap (Wine59, 63)",
		body:   "\"W59a\"=hex:11,22,33,\\\n\\\n  44,55,66\n\"W63b\"=hex:4c,69,\\\n  63,,6f\n",
		absent: []string{"W59a", "W63b"}},
	{name: "the file ends inside a wrap (Wine62a)", body: "\"W62a\"=hex(0):56,61,6c,75,65,\\",
		want: map[string]winstate.Value{"W62a": raw(0, 'V', 'a', 'l', 'u', 'e')}},
	{name: "empty hex data (Wine68)",
		body: "\"W68a\"=hex(1):\n\"W68c\"=hex(3):\n\"W68h\"=hex:\n\"W68g\"=hex(abcd):\n",
		want: map[string]winstate.Value{"W68a": raw(1), "W68c": raw(3), "W68h": raw(3), "W68g": raw(0xabcd)}},
	{name: "escaped backslash-zero is text, \\0 is refused (Wine69-70)",
		body:   "\"W69a\"=\"\\\\0\"\n\"W69e\"=\"Value3\\\\0Value4\"\n\"W70a\"=\"\\0\"\n\"W70e\"=\"Value3\\0Value4\"\n",
		want:   map[string]winstate.Value{"W69a": sz(`\0`), "W69e": sz(`Value3\0Value4`)},
		absent: []string{"W70a", "W70e"}},
	{name: "slashes in names (count/up)",
		body: "\"count/up\"=\"one/two/three\"\n\"\\\\foo\\\\bar\"=\"\"\n",
		want: map[string]winstate.Value{"count/up": sz("one/two/three"), `\foo\bar`: sz("")}},
	{name: "whitespace around names, = and data (test_import_with_whitespace)",
		body: "  \"Wine5a\"=\"Leading spaces\"\n\t\t\"Wine5b\"\t\t=\"Leading tabs\"\n\t  \"Wine5c\"=\t  \"Tabs and spaces\"\n  \"  Wine6c  \"  =  \"  Spaces everywhere  \"  \n\"Wine9a\"=dword:  00000008\n\t@\t=\tdword:\t00000008\t\n",
		want: map[string]winstate.Value{"Wine5a": sz("Leading spaces"), "Wine5b": sz("Leading tabs"), "Wine5c": sz("Tabs and spaces"), "  Wine6c  ": sz("  Spaces everywhere  "), "Wine9a": dw(8), "": dw(8)}},
	{name: "values in a [-key] section are not imported (Wine46a)",
		body:   "[-" + grammarKey + "\\Gone]\n\"Wine46a\"=dword:12345678\n",
		absent: []string{"Wine46a"}, skips: []string{"under-deleted-key"}},
	{name: "values after a key line regedit rejects are not imported (Wine46b)",
		body:   "[HKEY_CURRENT_USERS\\Software\\qadoctor-grammar]\n\"Wine46b\"=dword:12345678\n[ " + grammarKey + "]\n\"Lead\"=dword:1\n[" + grammarKey + "\n\"NoBracket\"=dword:1\n",
		absent: []string{"Wine46b", "Lead", "NoBracket"}, skips: []string{"unknown-root", "under-bad-key", "bad-key", "under-bad-key", "bad-key", "under-bad-key"}},
	{name: "regedit takes the roots spelled out, not HKCU",
		body:   "[HKCU\\Software\\qadoctor-grammar]\n\"Short\"=dword:1\n",
		absent: []string{"Short"}, skips: []string{"short-root", "under-bad-key"}},
	{name: "a value on the key line is not written; the key is",
		body:   "[" + grammarKey + "]\"OnKeyLine\"=dword:1\n\"Next\"=dword:2\n",
		want:   map[string]winstate.Value{"Next": dw(2)},
		absent: []string{"OnKeyLine"}, skips: []string{"text-after-key"}},
	{name: "version 5: hex(2) and hex(7) are UTF-16 (test_unicode_import)", header: "Windows Registry Editor Version 5.00", utf16: true,
		body: "\"W44a\"=hex(2):25,00,50,00,41,00,54,00,48,00,25,00,00,00\n\"W66a\"=hex(7):4c,00,69,00,6e,00,65,00\n\"JP\"=\"クイックアシスト\"\n",
		want: map[string]winstate.Value{"W44a": wide(winstate.TypeExpandSZ, "%PATH%\x00"), "W66a": wide(winstate.TypeMultiSZ, "Line\x00"), "JP": sz("クイックアシスト")}},
	{name: "version 5 in an ANSI file (Test4)", header: "Windows Registry Editor Version 5.00",
		body: "\"Test4\"=\"Value4\"\n", want: map[string]winstate.Value{"Test4": sz("Value4")}},
	{name: "version 5 in an ANSI file: hex(2) bytes are ANSI, by the file's encoding (Wine regproc.c is_unicode)", header: "Windows Registry Editor Version 5.00",
		body: "\"V5ansi\"=hex(2):25,00,50,00,00,00\n",
		want: map[string]winstate.Value{"V5ansi": wide(winstate.TypeExpandSZ, "%\x00P\x00\x00\x00")}},
	{name: "REGEDIT4 header with leading blanks (test_import_with_whitespace)", header: " \t REGEDIT4",
		body: "\"Wine1c\"=\"Value\"\n", want: map[string]winstate.Value{"Wine1c": sz("Value")}},
}

// grammarFile is a row's file as regedit would read it.
func grammarFile(c grammarCase) []byte {
	header := c.header
	if header == "" {
		header = "REGEDIT4"
	}
	text := header + "\n\n[" + grammarKey + "]\n" + c.body
	if !c.utf16 {
		return []byte(text)
	}
	u := utf16.Encode([]rune(text))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// checkGrammar compares what reg holds under grammarKey with the row.
func checkGrammar(t *testing.T, c grammarCase, reg winstate.Registry) {
	t.Helper()
	for name, want := range c.want {
		got, err := reg.Value(grammarKey, name)
		if err != nil {
			t.Errorf("%q: %v; want %s % x", name, err, winstate.TypeName(want.Type), want.Data)
			continue
		}
		if got.Type != want.Type || string(got.Data) != string(want.Data) {
			t.Errorf("%q = %s % x; want %s % x", name, winstate.TypeName(got.Type), got.Data, winstate.TypeName(want.Type), want.Data)
		}
	}
	for _, name := range c.absent {
		if got, err := reg.Value(grammarKey, name); !errors.Is(err, winstate.ErrNotExist) {
			t.Errorf("%q = %s % x (err %v); want not imported", name, winstate.TypeName(got.Type), got.Data, err)
		}
	}
}

func TestRegGrammar(t *testing.T) {
	for _, c := range grammarCases {
		t.Run(c.name, func(t *testing.T) {
			h, err := winstate.ParseReg("grammar.reg", grammarFile(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			checkGrammar(t, c, h)
			if c.skips != nil {
				lines, _ := h.Skipped()
				var got []string
				for _, l := range lines {
					got = append(got, l.Reason)
				}
				if strings.Join(got, " ") != strings.Join(c.skips, " ") {
					t.Errorf("skipped lines %+v; want reasons %v", lines, c.skips)
				}
			}
		})
	}
}

// The header decides whether regedit reads the file at all (import.c
// test_import: the words are case-sensitive and the header must be on the
// first line).
func TestRegHeaders(t *testing.T) {
	tests := []struct {
		header string
		want   string // "ok", or the error's text
	}{
		{"REGEDIT4", "ok"},
		{" REGEDIT4", "ok"},
		{"\tREGEDIT4", "ok"},
		{"Windows Registry Editor Version 5.00", "ok"},
		{"  Windows Registry Editor Version 5.00", "ok"},
		{"\xef\xbb\xbfWindows Registry Editor Version 5.00", "ok"},
		{"regedit4", "want the header"},
		{"Regedit4", "want the header"},
		{"AREGEDIT4", "want the header"},
		{"\nREGEDIT4", "want the header"},
		{"Windows Registry Editor Version 4.00", "want the header"},
		{"Windows Registry Editor Version 5", "want the header"},
		{"WINDOWS REGISTRY EDITOR VERSION 5.00", "want the header"},
		{"Windows Registry Editor version 5.00", "want the header"},
		{"REGEDIT3", "imports nothing"},
		{"REGEDIT 4", "imports nothing"},
		{"REGEDIT4 FOO", "imports nothing"},
		{"REGEDIT4FOO", "imports nothing"},
		{"REGEDIT5", "imports nothing"},
		{"", "want the header"},
	}
	for _, tt := range tests {
		data := tt.header + "\n\n[HKEY_CURRENT_USER\\Software\\X]\n\"a\"=dword:1\n"
		h, err := winstate.ParseReg("h.reg", []byte(data), nil)
		switch {
		case tt.want == "ok" && err != nil:
			t.Errorf("header %q: %v; want it read", tt.header, err)
		case tt.want == "ok":
			if v, err := h.Value(`HKCU\Software\X`, "a"); err != nil || v.Type != winstate.TypeDWORD {
				t.Errorf("header %q: value a = %v, %v; want imported", tt.header, v, err)
			}
		case err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "h.reg:1:"):
			t.Errorf("header %q: err = %v; want h.reg:1: …%s…", tt.header, err, tt.want)
		}
	}
	if _, err := winstate.ParseReg("e.reg", nil, nil); err == nil || !strings.Contains(err.Error(), "e.reg:1: empty file") {
		t.Errorf("empty file: err = %v", err)
	}
}

// Windows 3.1 files ("REGEDIT" alone) set HKEY_CLASSES_ROOT defaults
// (import.c test_import_win31).
func TestRegWin31(t *testing.T) {
	data := "REGEDIT\r\nHKEY_CLASSES_ROOT\\qadoctor = Value0\r\n hkey_classes_root\\other = x\r\n"
	h, err := winstate.ParseReg("w.reg", []byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Value(`HKCR\qadoctor`, ""); err != nil || v.String() != "Value0" {
		t.Errorf("default value = %q, %v; want Value0", v.String(), err)
	}
	if lines, total := h.Skipped(); total != 1 || lines[0].Line != 3 {
		t.Errorf("skipped %+v (%d); want line 3", lines, total)
	}
}
