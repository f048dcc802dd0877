package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// powershell51 writes text as Windows PowerShell 5.1 does: `>` as
// UTF-16LE with a BOM, Out-File -Encoding utf8 as UTF-8 with a BOM.
func powershell51(text []byte) map[string][]byte {
	le := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(string(text))) {
		le = append(le, byte(u), byte(u>>8))
	}
	return map[string][]byte{
		"UTF-8":                       text,
		"UTF-8 with BOM (Out-File)":   append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"UTF-16LE with BOM (5.1's >)": le,
	}
}

// A report, a snapshot and a profile saved by Windows PowerShell 5.1 are
// read as the UTF-8 ones are: summarize counts the report, analyze gives
// the same verdict, profile validate accepts the profile.
func TestPowerShellEncodings(t *testing.T) {
	dir := testpeer.TempDir(t)
	h := winstate.NewHive()
	h.Set(winstate.KeyCurrentVersion, "CurrentBuildNumber", winstate.StringValue("26200"))
	h.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(0))
	env := gather.Env{System: func() facts.System { return winstate.Collect(h, "live", "", nil) }}
	_, report, _ := runCLI(t, env, "diagnose", "--json", "--only", "os.schannel")
	snap := filepath.Join(dir, "snap.json")
	if code, _, errOut := runCLI(t, env, "collect", "-o", snap); code != ExitOK {
		t.Fatalf("collect: %d %s", code, errOut)
	}
	snapshot, _ := os.ReadFile(snap)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, testpeer.ClosedPort(t)))
	profile, _ := os.ReadFile(prof)

	reports := filepath.Join(dir, "reports")
	os.Mkdir(reports, 0o755)
	i := 0
	for _, data := range powershell51([]byte(report)) {
		i++
		os.WriteFile(filepath.Join(reports, "pc"+string(rune('0'+i))+".json"), data, 0o644)
	}
	_, out, _ := runCLI(t, gather.Env{}, "summarize", reports, "--format", "json")
	if !strings.Contains(out, `"reports": 3`) || !strings.Contains(out, `"unreadable": 0`) {
		t.Errorf("summarize of the three encodings:\n%s", out)
	}

	_, wantOut, _ := runCLI(t, gather.Env{}, "analyze", snap, "--json", "--only", "os.schannel")
	want := byID(t, decodeReport(t, wantOut), "os.schannel")
	for enc, data := range powershell51(snapshot) {
		p := filepath.Join(dir, "snap-"+strings.Fields(enc)[0]+".json")
		os.WriteFile(p, data, 0o644)
		code, out, errOut := runCLI(t, gather.Env{}, "analyze", p, "--json", "--only", "os.schannel")
		if code != ExitFailed {
			t.Errorf("analyze of a %s snapshot: exit %d, %s", enc, code, errOut)
			continue
		}
		if got := byID(t, decodeReport(t, out), "os.schannel"); got.Status != want.Status || got.Reason != want.Reason || got.Summary != want.Summary {
			t.Errorf("analyze of a %s snapshot: %s %s %q; want the UTF-8 one's %s %s %q", enc, got.Status, got.Reason, got.Summary, want.Status, want.Reason, want.Summary)
		}
	}
	for enc, data := range powershell51(profile) {
		p := filepath.Join(dir, "profile-"+strings.Fields(enc)[0]+".json")
		os.WriteFile(p, data, 0o644)
		if code, out, errOut := runCLI(t, gather.Env{}, "profile", "validate", p); code != ExitOK || !strings.Contains(out, "valid profile") {
			t.Errorf("profile validate of a %s profile: exit %d, %q %q", enc, code, out, errOut)
		}
	}
}
