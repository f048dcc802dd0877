package winstate_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// judgeLive judges checks from this machine's live registry and files.
func judgeLive(t *testing.T, ids ...string) map[string]finding.Finding {
	t.Helper()
	sys := winstate.LiveSystem()
	if sys.State != facts.SystemRead {
		t.Fatalf("live system state: %+v", sys)
	}
	cs, err := checks.Select(ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]finding.Finding{}
	for _, f := range checks.Judge(&facts.Facts{MinTLS: "1.2", System: sys}, cs, nil) {
		out[f.ID] = f
	}
	return out
}

// The screen leg read live, as an admin's regedit leaves it: Wine has no
// Desktop Sharing and no RDP policy; importing the classes and putting
// rdpencom.dll where %SystemRoot% says makes os.desktop-sharing pass;
// KB 811770's policies make os.fips fail and os.rdp-policy warn; and
// WebView2's pv in MSRD-Collect's three places gives the newest, with an
// old Quick Assist registered for the user.
func TestLiveScreenLegUnderWine(t *testing.T) {
	underWine(t)
	dll := winstate.ExpandPath(winstate.DesktopSharingPath, os.Getenv)
	if _, err := os.Stat(dll); err == nil {
		t.Fatalf("%s exists before the test; Wine ships no Desktop Sharing", dll)
	}
	t.Cleanup(func() {
		os.Remove(dll)
		regImport(t, "screen-leg-restore.reg")
	})
	regImport(t, "screen-leg-restore.reg") // a clean start, whatever a failed run left
	// Wine turns UAC off (EnableLUA=0), which app.quickassist reports
	// before the version: turn it on for the test, and back as it was.
	setDWORDUnderWine(t, winstate.KeyPoliciesSystem, "EnableLUA", 1)

	ids := []string{"os.fips", "os.rdp-policy", "os.desktop-sharing", "app.quickassist", "app.webview2"}
	got := judgeLive(t, ids...)
	if f := got["os.desktop-sharing"]; f.Status != finding.Warn || f.Reason != "desktop-sharing-missing" || !strings.Contains(f.Summary, "RDPSession, RDPViewer, rdpencom.dll") {
		t.Errorf("Wine as it is: os.desktop-sharing = %s %q (%s); want warn desktop-sharing-missing naming both classes and the DLL", f.Status, f.Reason, f.Summary)
	}
	if f := got["os.rdp-policy"]; f.Status != finding.Pass {
		t.Errorf("Wine as it is: os.rdp-policy = %s %q (%s); want pass (no policy)", f.Status, f.Reason, f.Summary)
	}

	regImport(t, "desktop-sharing.reg")
	if err := os.WriteFile(dll, []byte("MZ test stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	regImport(t, "rdp-fips.reg")
	regImport(t, "webview2-three-places.reg")
	got = judgeLive(t, ids...)
	want := map[string]string{
		"os.desktop-sharing": "pass",
		"os.fips":            "fail fips-rdp",
		"os.rdp-policy":      "warn rdp-fips-encryption",
		"app.quickassist":    "warn quickassist-old",
		"app.webview2":       "pass",
	}
	for id, w := range want {
		f := got[id]
		if v := strings.TrimSpace(f.Status.String() + " " + f.Reason); v != w {
			t.Errorf("after the imports: %s = %s (%s); want %s", id, v, f.Summary, w)
		}
	}
	if f := got["app.webview2"]; !strings.Contains(f.Summary, "143.0.3650.66") {
		t.Errorf("app.webview2 = %q; want the newest pv, the user's 143.0.3650.66", f.Summary)
	}

	// The live reader and the .reg files agree value by value.
	live := winstate.LiveSystem()
	for _, file := range []string{"desktop-sharing.reg", "rdp-fips.reg", "webview2-three-places.reg"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		hive, err := winstate.ParseReg(file, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range winstate.Collect(hive, "reg", file, nil).Values {
			if v.State != facts.ValueSet {
				continue // outside the file
			}
			if l := winstate.Lookup(live, v.Key, v.Name); l.State != v.State || l.Data != v.Data || l.Type != v.Type {
				t.Errorf("%s: %s\\%s live %s %s %s; in the file %s %s %s", file, v.Key, v.Name, l.State, l.Type, l.Data, v.State, v.Type, v.Data)
			}
		}
	}
}

// setDWORDUnderWine sets an HKLM DWORD with regedit and puts back what was
// there (or nothing) when the test ends.
func setDWORDUnderWine(t *testing.T, key, name string, n uint32) {
	t.Helper()
	reg, err := winstate.Live()
	if err != nil {
		t.Fatal(err)
	}
	before, err := reg.Value(key, name)
	if err != nil && !errors.Is(err, winstate.ErrNotExist) {
		t.Fatal(err)
	}
	section := "[HKEY_LOCAL_MACHINE" + strings.TrimPrefix(key, "HKLM") + "]"
	write := func(line string) {
		path := filepath.Join(testpeer.TempDir(t), "set.reg")
		text := "Windows Registry Editor Version 5.00\r\n\r\n" + section + "\r\n" + line + "\r\n"
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := regedit(path); err != nil {
			t.Fatalf("regedit /S: %v\n%s", err, out)
		}
	}
	restore := fmt.Sprintf("%q=-", name)
	if err == nil {
		old, uerr := before.Uint()
		if uerr != nil {
			t.Fatalf("%s\\%s: %v", key, name, uerr)
		}
		restore = fmt.Sprintf("%q=dword:%08x", name, old)
	}
	t.Cleanup(func() { write(restore) })
	write(fmt.Sprintf("%q=dword:%08x", name, n))
}
