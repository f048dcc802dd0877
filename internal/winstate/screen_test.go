package winstate

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// The screen leg's values (spec.go) are collected from every source: the
// RDP policy and the Desktop Sharing classes from the registry, the DLL's
// presence as a file a live run records, and WebView2's pv in the three
// places MSRD-Collect reads.
func TestScreenLegWanted(t *testing.T) {
	w := Wanted()
	for _, want := range []ValueRef{
		{KeyRDPPolicy, "MinEncryptionLevel"}, {KeyRDPPolicy, "SecurityLayer"},
		{KeyRDPSessionServer, ""}, {KeyRDPViewerServer, ""},
		{KeyWebView2User, "pv"}, {KeyWebView2Machine64, "pv"}, {KeyWebView2Machine, "pv"},
	} {
		if !slices.Contains(w, want) {
			t.Errorf("Wanted() lacks %s\\%s", want.Key, want.Name)
		}
	}
	if !slices.Contains(WantedFiles, DesktopSharingPath) || !slices.Contains(WantedFiles, LegacyQuickAssistPath) {
		t.Errorf("WantedFiles = %v; want the retired Quick Assist and %s", WantedFiles, DesktopSharingPath)
	}
}

// Each testdata file, read as analyze reads a .reg export, gives the
// values the Wine test imports; absent values are known absent.
func TestScreenLegFromRegFiles(t *testing.T) {
	tests := []struct {
		file string
		want map[ValueRef]string // value -> "TYPE display"
	}{
		{"rdp-fips.reg", map[ValueRef]string{
			{KeyRDPPolicy, "MinEncryptionLevel"}: "REG_DWORD 4",
			{KeyRDPPolicy, "SecurityLayer"}:      "REG_DWORD 2",
			{KeyFIPS, "Enabled"}:                 "REG_DWORD 1",
		}},
		{"desktop-sharing.reg", map[ValueRef]string{
			{KeyRDPSessionServer, ""}: `REG_EXPAND_SZ %SystemRoot%\system32\rdpencom.dll`,
			{KeyRDPViewerServer, ""}:  `REG_EXPAND_SZ %SystemRoot%\system32\rdpencom.dll`,
		}},
		{"webview2-three-places.reg", map[ValueRef]string{
			{KeyWebView2User, "pv"}:      "REG_SZ 143.0.3650.66",
			{KeyWebView2Machine64, "pv"}: "REG_SZ 0.0.0.0",
			{KeyWebView2Machine, "pv"}:   "REG_SZ 142.0.3595.94",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			reg, source, err := Open(tt.file, data)
			if err != nil || source != "reg" {
				t.Fatalf("Open(%s) = %q, %v; want a .reg export", tt.file, source, err)
			}
			s := Collect(reg, source, tt.file, nil)
			for ref, want := range tt.want {
				rv := Lookup(s, ref.Key, ref.Name)
				if got := rv.Type + " " + rv.Display; rv.State != facts.ValueSet || got != want {
					t.Errorf("%s\\%s = %s %q; want set, %q", ref.Key, ref.Name, rv.State, got, want)
				}
			}
		})
	}
}

// A live run records whether the DLL is there (collect's snapshot keeps
// it); a .reg export or a snapshot re-read records no files.
func TestCollectRecordsDesktopSharingDLL(t *testing.T) {
	h := NewHive()
	for _, exists := range []bool{true, false} {
		s := Collect(h, "live", "", func(p string) bool { return p == DesktopSharingPath && exists })
		var b bytes.Buffer
		if err := WriteSnapshot(&b, &Snapshot{Schema: SnapshotSchema, System: s}); err != nil {
			t.Fatal(err)
		}
		snap, _, err := ReadSnapshot("snap.json", b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(snap.System.Files, func(f facts.FileFact) bool { return f.Path == DesktopSharingPath })
		if i < 0 || snap.System.Files[i].Exists != exists {
			t.Errorf("snapshot files %+v; want %s recorded as exists=%v", snap.System.Files, DesktopSharingPath, exists)
		}
	}
	if s := Collect(h, "reg", "x.reg", nil); len(s.Files) != 0 {
		t.Errorf("Collect without a file check recorded %+v; want no files", s.Files)
	}
}

func TestExpandPath(t *testing.T) {
	env := map[string]string{"SystemRoot": `C:\Windows`, "Empty": ""}
	getenv := func(k string) string { return env[k] }
	tests := []struct{ in, want string }{
		{`%SystemRoot%\System32\rdpencom.dll`, `C:\Windows\System32\rdpencom.dll`},
		{`C:\Windows\System32\quickassist.exe`, `C:\Windows\System32\quickassist.exe`},
		{`%Unknown%\x`, `%Unknown%\x`},
		{`%Empty%\x`, `%Empty%\x`},
		{`%%\x`, `%%\x`},
		{`50%\x`, `50%\x`},
		{`%SystemRoot%\a\%SystemRoot%`, `C:\Windows\a\C:\Windows`},
	}
	for _, tt := range tests {
		if got := ExpandPath(tt.in, getenv); got != tt.want {
			t.Errorf("ExpandPath(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
