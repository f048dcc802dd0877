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
	for _, k := range h.keys {
		if len(k.values) == 0 {
			lines = append(lines, fmt.Sprintf("[%s]", k.path))
		}
		for lname, v := range k.values {
			lines = append(lines, fmt.Sprintf("[%s] %q %s %q", k.path, k.names[lname], TypeName(v.Type), v.String()))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func TestParseRegGolden(t *testing.T) {
	tests := []struct{ file, golden string }{
		{"mixed-utf16.reg", "mixed.golden"},
		{"mixed-utf8.reg", "mixed.golden"}, // the same content in UTF-8 reads the same
		{"regedit4-ansi.reg", "regedit4-ansi.golden"},
		{"schannel-tls12-off.reg", "schannel-tls12-off.golden"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			h, err := ParseReg(tt.file, data)
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
	h, err := ParseReg("mixed-utf16.reg", data)
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

func TestParseRegErrors(t *testing.T) {
	const hdr = "Windows Registry Editor Version 5.00\n\n"
	tests := []struct {
		name, input, want string
	}{
		{"empty", "", "x.reg:1: empty file"},
		{"no header", "[HKEY_LOCAL_MACHINE\\X]\n", "x.reg:1: want the header"},
		{"value before key", hdr + "\"a\"=dword:1\n", "x.reg:3: a value before any [key]"},
		{"unknown root", hdr + "[HKEY_NOWHERE\\X]\n", "x.reg:3: unknown registry root \"HKEY_NOWHERE\""},
		{"unclosed key", hdr + "[HKEY_LOCAL_MACHINE\\X\n", "x.reg:3: key line has no closing ]"},
		{"bad dword", hdr + "[HKLM\\X]\n\"a\"=dword:xyz\n", "x.reg:4: value \"a\": dword: \"xyz\" is not hexadecimal"},
		{"long dword", hdr + "[HKLM\\X]\n\"a\"=dword:123456789\n", "x.reg:4: value \"a\": dword: wants 1 to 8 hex digits"},
		{"bad hex byte", hdr + "[HKLM\\X]\n\"a\"=hex:01,zz\n", "x.reg:4: value \"a\": byte \"zz\" is not two hex digits"},
		{"bad hex continuation", hdr + "[HKLM\\X]\n\"a\"=hex:01,\\\n  02,g0\n", "x.reg:4: value \"a\": byte \"g0\""},
		{"unterminated name", hdr + "[HKLM\\X]\n\"a=dword:1\n", "x.reg:4: value name: missing closing quote"},
		{"no equals", hdr + "[HKLM\\X]\n\"a\" dword:1\n", "x.reg:4: want = after the value name"},
		{"unknown data", hdr + "[HKLM\\X]\n\"a\"=word:1\n", "x.reg:4: value \"a\": want \"string\", dword:"},
		{"stray line", hdr + "[HKLM\\X]\nhello\n", "x.reg:4: want a [key]"},
		{"big endian", "\xfe\xff\x00W", "x.reg:1: UTF-16 big-endian"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReg("x.reg", []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseReg(%q) error = %v; want %q", tt.input, err, tt.want)
			}
		})
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

// FuzzParseReg: ParseReg never panics; errors name the file and a line.
// Seeds: testdata/*.reg and testdata/fuzz/FuzzParseReg.
func FuzzParseReg(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.reg")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseReg("fuzz.reg", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.reg:") {
				t.Fatalf("error %q does not name the file and line", err)
			}
			return
		}
		for _, k := range h.keys {
			for _, v := range k.values {
				_ = v.String()
				_, _ = v.Uint()
				_ = v.Strings()
			}
		}
	})
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
