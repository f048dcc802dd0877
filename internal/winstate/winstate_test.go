// Golden files in testdata/ are regenerated with:
//
//	go test ./internal/winstate -update
package winstate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// dump lists a hive's values, one per line, sorted: the golden form.
func dump(h *Hive) string {
	var lines []string
	h.each(func(k *hiveKey) {
		if len(k.values) == 0 && !k.hasSubKeys() {
			lines = append(lines, fmt.Sprintf("[%s]", k.path()))
		}
		for lname, v := range k.values {
			lines = append(lines, fmt.Sprintf("[%s] %q %s %q", k.path(), k.names[lname], TypeName(v.Type), v.String()))
		}
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func TestParseRegGolden(t *testing.T) {
	tests := []struct{ file, golden string }{
		{"mixed-utf16.reg", "mixed.golden"},
		// The same text saved as UTF-8: its strings read the same, but its
		// hex(2) and hex(7) bytes are taken as ANSI, as Wine's regedit
		// takes them in a file that is not UTF-16 (see ParseReg).
		{"mixed-utf8.reg", "mixed-utf8.golden"},
		{"regedit4-ansi.reg", "regedit4-ansi.golden"},
		{"schannel-tls12-off.reg", "schannel-tls12-off.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			h, err := ParseReg(tt.file, data, nil)
			if err != nil {
				t.Fatalf("ParseReg: %v", err)
			}
			got := dump(h)
			path := filepath.Join("testdata", tt.golden)
			if *update {
				os.WriteFile(path, []byte(got), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("ParseReg(%s) differs from %s:\n%s", tt.file, tt.golden, got)
			}
		})
	}
}

func TestParseRegValues(t *testing.T) {
	data, _ := os.ReadFile("testdata/mixed-utf16.reg")
	h, err := ParseReg("mixed-utf16.reg", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	const key = `HKLM\SOFTWARE\qadoctor\Test`
	num := func(name string) uint64 {
		v, err := h.Value(key, name)
		if err != nil {
			t.Fatalf("Value(%s): %v", name, err)
		}
		n, err := v.Uint()
		if err != nil {
			t.Fatalf("Uint(%s): %v", name, err)
		}
		return n
	}
	if n := num("dword"); n != 10 {
		t.Errorf("Dword = %d; want 10", n)
	}
	if n := num("QWORD"); n != 2048 {
		t.Errorf("Qword = %d; want 2048", n)
	}
	v, _ := h.Value(key, "Multi")
	if got := v.Strings(); len(got) != 2 || got[0] != "NistP256" || got[1] != "NistP384" {
		t.Errorf("Multi = %q; want [NistP256 NistP384]", got)
	}
	if _, err := h.Value(key, "Gone"); !errors.Is(err, ErrNotExist) {
		t.Errorf("deleted value: err = %v; want ErrNotExist", err)
	}
	if _, err := h.Value(`HKLM\SOFTWARE\qadoctor\Deleted`, "ignored"); !errors.Is(err, ErrNotExist) {
		t.Errorf("value under a deleted key: err = %v; want ErrNotExist", err)
	}
	// Not in the export at all: unknown, not "not set".
	if _, err := h.Value(`HKLM\SOFTWARE\Elsewhere`, "x"); !errors.Is(err, ErrNotCovered) {
		t.Errorf("key outside the export: err = %v; want ErrNotCovered", err)
	}
	// Below an exported key: regedit exports whole subtrees, so it is known.
	if _, err := h.Value(`HKLM\SOFTWARE\qadoctor\Test\Sub`, "x"); !errors.Is(err, ErrNotExist) {
		t.Errorf("key under an exported key: err = %v; want ErrNotExist", err)
	}
	if subs, err := h.SubKeys(`HKEY_CURRENT_USER\Software\qadoctor`); err != nil || len(subs) != 1 || subs[0] != "Child" {
		t.Errorf("SubKeys = %v, %v; want [Child]", subs, err)
	}
}

// Lines regedit cannot read are skipped, not fatal: each is named with its
// line number and reason, and the lines after it still import.
func TestParseRegSkippedLines(t *testing.T) {
	const hdr = "Windows Registry Editor Version 5.00\n\n"
	const key = "[HKEY_LOCAL_MACHINE\\X]\n"
	tests := []struct {
		name, input string
		line        int
		reason      string
	}{
		{"value before key", hdr + "\"a\"=dword:1\n", 3, SkipBeforeKey},
		{"unknown root", hdr + "[HKEY_NOWHERE\\X]\n", 3, SkipUnknownRoot},
		{"short root", hdr + "[HKLM\\X]\n", 3, SkipShortRoot},
		{"unclosed key", hdr + "[HKEY_LOCAL_MACHINE\\X\n", 3, SkipBadKey},
		{"bad dword", hdr + key + "\"a\"=dword:xyz\n", 4, SkipBadDWORD},
		{"long dword", hdr + key + "\"a\"=dword:123456789\n", 4, SkipBadDWORD},
		{"bad hex byte", hdr + key + "\"a\"=hex:01,zz\n", 4, SkipBadHex},
		{"bad hex continuation", hdr + key + "\"a\"=hex:01,\\\n  02,g0\n", 5, SkipBadHex},
		{"unterminated name", hdr + key + "\"a=dword:1\n", 4, SkipBadName},
		{"no equals", hdr + key + "\"a\" dword:1\n", 4, SkipNoEquals},
		{"unknown data", hdr + key + "\"a\"=word:1\n", 4, SkipBadData},
		{"stray line", hdr + key + "hello\n", 4, SkipNotALine},
		{"hash comment after data", hdr + key + "\"a\"=dword:00000a00 # TLS 1.1+1.2\n", 4, SkipHashComment},
		{"too deep", hdr + "[HKEY_LOCAL_MACHINE" + strings.Repeat("\\a", 512) + "]\n", 3, SkipTooDeep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseReg("x.reg", []byte(tt.input+"[HKEY_LOCAL_MACHINE\\Later]\n\"b\"=dword:2\n"), nil)
			if err != nil {
				t.Fatalf("ParseReg: %v; regedit imports such a file", err)
			}
			lines, total := h.Skipped()
			if total != 1 || lines[0].Line != tt.line || lines[0].Reason != tt.reason {
				t.Errorf("skipped %+v (%d in all); want line %d %s", lines, total, tt.line, tt.reason)
			}
			if v, err := h.Value(`HKLM\Later`, "b"); err != nil || v.String() != "2" {
				t.Errorf("the value after the skipped line: %v, %v; want 2", v, err)
			}
		})
	}
}

// A file of UTF-16 big-endian text (PowerShell's BigEndianUnicode) reads
// as its little-endian twin.
func TestParseRegBigEndian(t *testing.T) {
	le, _ := os.ReadFile("testdata/mixed-utf16.reg")
	be := make([]byte, len(le))
	for i := 0; i+1 < len(le); i += 2 {
		be[i], be[i+1] = le[i+1], le[i]
	}
	a, err := ParseReg("le.reg", le, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseReg("be.reg", be, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dump(a) != dump(b) {
		t.Errorf("big-endian file reads differently:\n%s\nwant\n%s", dump(b), dump(a))
	}
}

func TestValueCoercions(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want uint64
		err  bool
	}{
		{"dword", DWORDValue(0xA80), 0xA80, false},
		{"qword", Value{Type: TypeQWORD, Data: []byte{1, 0, 0, 0, 0, 0, 0, 1}}, 1<<56 | 1, false},
		{"big-endian dword", Value{Type: TypeDWORDBE, Data: []byte{0, 0, 1, 0}}, 256, false},
		{"decimal string", StringValue("2048"), 2048, false},
		{"hex string", StringValue(" 0x800 "), 0x800, false},
		{"word string", StringValue("on"), 0, true},
		{"short dword", Value{Type: TypeDWORD, Data: []byte{1}}, 0, true},
		{"binary", Value{Type: TypeBinary, Data: []byte{1, 2, 3, 4}}, 0, true},
	}
	for _, tt := range tests {
		got, err := tt.v.Uint()
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%s: Uint() = %d, %v; want %d, error %v", tt.name, got, err, tt.want, tt.err)
		}
	}
	if s := MultiStringValue("a", "b").Strings(); len(s) != 2 || s[1] != "b" {
		t.Errorf("MultiStringValue round trip = %q", s)
	}
	if s := StringValue("x").Strings(); len(s) != 1 || s[0] != "x" {
		t.Errorf("a REG_SZ read as strings = %q; want [x]", s)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	h := NewHive()
	h.Set(KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", DWORDValue(0))
	h.Set(KeyCipherPolicy, "EccCurves", MultiStringValue("NistP256"))
	h.Set(KeyAppxUserPackages+`\MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe`, "", StringValue("x"))
	sys := Collect(h, "live", "", nil)

	var b bytes.Buffer
	if err := WriteSnapshot(&b, &Snapshot{Schema: SnapshotSchema, Tool: "test", System: sys}); err != nil {
		t.Fatal(err)
	}
	_, reg, err := ReadSnapshot("s.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	again := Collect(reg, "snapshot", "s.json", nil)
	for i := range sys.Values {
		a, b := sys.Values[i], again.Values[i]
		if a.State != b.State || a.Data != b.Data || a.Type != b.Type {
			t.Errorf("value %s\\%s: live %+v, from snapshot %+v", a.Key, a.Name, a, b)
		}
	}
	if got := Lookup(again, KeySchannelProtocols+`\tls 1.2\client`, "enabled"); got.State != facts.ValueSet || got.Display != "0" {
		t.Errorf("Lookup = %+v; want Enabled = 0", got)
	}
	if again.SubKeys[0].State != facts.ValueSet || len(again.SubKeys[0].Names) != 1 {
		t.Errorf("subkeys = %+v; want the Quick Assist package", again.SubKeys[0])
	}
}

func TestOpenTellsFormatsApart(t *testing.T) {
	for _, f := range []string{"schannel-tls12-off.reg", "mixed-utf8.reg"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		if _, src, err := Open(f, data); err != nil || src != "reg" {
			t.Errorf("Open(%s) = %q, %v; want a .reg", f, src, err)
		}
	}
	if _, _, err := Open("x.json", []byte(`{"schema": "other"}`)); err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Errorf("Open of a foreign JSON: err = %v; want one naming the file", err)
	}
	if _, _, err := Open("x.txt", []byte("hello")); err == nil || !strings.Contains(err.Error(), "x.txt") {
		t.Errorf("Open of text: err = %v; want one naming the file", err)
	}
}

// FuzzParseReg: ParseReg never panics; only the header makes it refuse a
// file (errors name the file and line 1); every skipped line exists; and
// what it imports, exported again, imports the same (exportHive).
// Seeds: testdata/*.reg, the grammar rows and testdata/fuzz/FuzzParseReg.
func FuzzParseReg(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.reg")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte("REGEDIT4\n[HKEY_CURRENT_USER\\a]\n\"x\"=hex(7):41,\\\n  ;c\n  42,00,00\n[-HKEY_CURRENT_USER\\a]\n"))
	f.Add([]byte("Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\b]]\"y\"=-\r\n@=dword:1 ;x\r\n\"z\"=hex(2):\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseReg("fuzz.reg", data, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.reg:1:") && !strings.HasPrefix(err.Error(), "fuzz.reg:0:") {
				t.Fatalf("error %q is not about the header", err)
			}
			return
		}
		lines := 1 + strings.Count(decodeRegText(data), "\n") + strings.Count(decodeRegText(data), "\r")
		skipped, total := h.Skipped()
		if len(skipped) > total || len(skipped) > maxSkippedKept {
			t.Fatalf("%d skipped lines kept of %d", len(skipped), total)
		}
		for _, l := range skipped {
			if l.Line < 2 || l.Line > lines || l.Reason == "" {
				t.Fatalf("skipped line %+v: the file has %d lines", l, lines)
			}
		}
		h.each(func(k *hiveKey) {
			for _, v := range k.values {
				_ = v.String()
				_, _ = v.Uint()
				_ = v.Strings()
			}
		})
		again, err := ParseReg("again.reg", exportHive(h), nil)
		if err != nil {
			t.Fatalf("re-reading the export: %v\n%s", err, exportHive(h))
		}
		if got, want := dumpValues(again), dumpValues(h); got != want {
			t.Fatalf("the export reads differently:\n%s\nwant\n%s\nexport:\n%s", got, want, exportHive(h))
		}
	})
}

// exportHive writes a hive's keys and values as a regedit 5 export, every
// value as hex(type) data: the canonical form for the round trip.
func exportHive(h *Hive) []byte {
	long := map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT", "HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG", "HKDD": "HKEY_DYN_DATA"}
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\n")
	var keys []*hiveKey
	h.each(func(k *hiveKey) {
		if len(k.values) > 0 {
			keys = append(keys, k)
		}
	})
	sort.Slice(keys, func(i, j int) bool { return keys[i].path() < keys[j].path() })
	for _, k := range keys {
		root, rest, _ := strings.Cut(k.path(), `\`)
		fmt.Fprintf(&b, "\n[%s\\%s]\n", long[root], rest)
		for lname, v := range k.values {
			name := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(k.names[lname])
			if lname == "" {
				b.WriteString("@")
			} else {
				fmt.Fprintf(&b, "%q", "")
				s := b.String()
				b.Reset()
				b.WriteString(s[:len(s)-1] + name + `"`)
			}
			fmt.Fprintf(&b, "=hex(%x):", v.Type)
			for i, c := range v.Data {
				if i > 0 {
					b.WriteString(",")
				}
				if i > 0 && i%16 == 0 {
					b.WriteString("\\\n  ")
				}
				fmt.Fprintf(&b, "%02x", c)
			}
			b.WriteString("\n")
		}
	}
	return append([]byte{0xFF, 0xFE}, EncodeUTF16(b.String())...) // UTF-16, as regedit exports: hex bytes stay bytes
}

// dumpValues lists a hive's values only, sorted: what a round trip
// through exportHive keeps (keys without values are not exported).
func dumpValues(h *Hive) string {
	var lines []string
	h.each(func(k *hiveKey) {
		for lname, v := range k.values {
			lines = append(lines, fmt.Sprintf("[%s] %q %s %q", k.path(), k.names[lname], TypeName(v.Type), v.String()))
		}
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func BenchmarkParseRegLongValue(b *testing.B) {
	// One 2.5 MB value wrapped as regedit wraps it: 25 bytes a line.
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"Big\"=hex:")
	for sb.Len() < 2500000 {
		sb.WriteString("00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,\\\r\n  ")
	}
	sb.WriteString("ff\r\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReg("big.reg", data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRegDeletes(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App%d\\Sub]\r\n\"v\"=dword:1\r\n", i)
	}
	for i := range 10000 {
		fmt.Fprintf(&sb, "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\App%d]\r\n", i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReg("deletes.reg", data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// A full HKLM-sized export (64 MiB of UTF-16, 150,000 keys) read as
// analyze reads it: only the wanted keys are kept.
func BenchmarkParseRegFullExport(b *testing.B) {
	data := syntheticExport(150000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseReg("full.reg", data, WantedInterest()); err != nil {
			b.Fatal(err)
		}
	}
}

// syntheticExport is an export of n keys with a few values each, with the
// SCHANNEL keys in the middle, in UTF-16LE as regedit writes it.
func syntheticExport(n int) []byte {
	var sb strings.Builder
	sb.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	for i := range n {
		if i == n/2 {
			sb.WriteString("[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n\"Enabled\"=dword:00000001\r\n\r\n")
		}
		fmt.Fprintf(&sb, "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\CLSID\\{%08X-0000-0000-0000-000000000000}\\InprocServer32]\r\n@=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,00,25,00,\\\r\n  00,00\r\n\"ThreadingModel\"=\"Both\"\r\n\r\n", i)
	}
	return append([]byte{0xFF, 0xFE}, EncodeUTF16(sb.String())...)
}

// FuzzReadSnapshot: no panic on any input; errors name the file.
func FuzzReadSnapshot(f *testing.F) {
	f.Add([]byte(`{"schema":"qadoctor.snapshot/v1","system":{"values":[{"key":"HKLM\\X","name":"a","state":"set","type":"REG_DWORD","data":"01000000"}]}}`))
	f.Add([]byte(`{"schema":"qadoctor.snapshot/v1","system":{"values":[{"state":"set","type":"REG_SZ","data":"zz"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, reg, err := ReadSnapshot("fuzz.json", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.json") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		Collect(reg, "snapshot", "fuzz.json", nil)
	})
}

// A password typed into ProxyServer, or into the connection blob, is in no
// fact Collect records: not as text, not in the hex of the bytes.
func TestCollectKeepsNoCredentials(t *testing.T) {
	h := NewHive()
	h.Set(KeyInetUser, "ProxyServer", StringValue("bob:hunter2@proxy.corp.example:8080"))
	h.Set(KeyConnectionsUser, "DefaultConnectionSettings", Value{Type: TypeBinary, Data: []byte("\x46\x00\x00\x00\x01\x00\x00\x00\x03\x00\x00\x00\x26\x00\x00\x00http://bob:hunter2@proxy.corp.example:80")})
	sys := Collect(h, "live", "", nil)
	for _, v := range sys.Values {
		data, _ := hex.DecodeString(v.Data)
		for _, s := range []string{v.Display, string(data), decodeUTF16(data)} {
			if strings.Contains(s, "hunter2") {
				t.Errorf("%s\\%s keeps the password: %q", v.Key, v.Name, s)
			}
		}
		if v.Name == "ProxyServer" && v.Display != "proxy.corp.example:8080" {
			t.Errorf("ProxyServer = %q; want the proxy without the credentials", v.Display)
		}
	}
}
