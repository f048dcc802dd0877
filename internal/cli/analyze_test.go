package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func regFixture(name string) string { return filepath.Join("..", "winstate", "testdata", name) }

func TestAnalyzeRegExport(t *testing.T) {
	tests := []struct {
		file   string
		code   int
		status finding.Status
	}{
		{"schannel-tls12-off.reg", ExitFailed, finding.Fail},
		{"schannel-tls12-on.reg", ExitOK, finding.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			code, out, errOut := runCLI(t, gather.Env{}, "analyze", regFixture(tt.file), "--json")
			if code != tt.code {
				t.Errorf("exit code = %d; want %d\n%s", code, tt.code, errOut)
			}
			r := decodeReport(t, out)
			want(t, r, "os.schannel", tt.status, "")
			// Live-only checks skip, saying why; keys outside the export skip too.
			if f := want(t, r, "net.reach", finding.Skip, ""); !strings.Contains(f.Summary, "live run") {
				t.Errorf("net.reach summary %q should say only a live run can know", f.Summary)
			}
			if f := want(t, r, "os.winhttp", finding.Skip, ""); !strings.Contains(f.Summary, "does not include") {
				t.Errorf("os.winhttp summary %q should say the export lacks the key", f.Summary)
			}
			if r.Analyzed == "" {
				t.Error("report does not name the analyzed file")
			}
		})
	}
}

// A snapshot written by collect and judged by analyze gives the same
// system findings as diagnose on the same machine.
func TestCollectThenAnalyzeMatchesLive(t *testing.T) {
	h := winstate.NewHive()
	h.Set(winstate.KeyCurrentVersion, "CurrentBuildNumber", winstate.StringValue("26200"))
	h.Set(winstate.KeyCurrentVersion, "InstallationType", winstate.StringValue("Client"))
	h.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(0))
	h.Set(winstate.KeyWinHTTP, "DefaultSecureProtocols", winstate.DWORDValue(0xA0))
	sys := func() facts.System { return winstate.Collect(h, "live", "", nil) }
	system := "os.schannel,os.winhttp,os.inet,os.dotnet,os.cipher-policy,os.fips,os.version,app.quickassist,app.webview2"

	snap := filepath.Join(testpeer.TempDir(t), "snap.json")
	code, _, errOut := runCLI(t, gather.Env{System: sys}, "collect", "-o", snap)
	if code != ExitOK || !strings.Contains(errOut, "qadoctor analyze") {
		t.Fatalf("collect: exit %d, %s", code, errOut)
	}
	liveCode, liveOut, _ := runCLI(t, gather.Env{System: sys}, "diagnose", "--json", "--only", system)
	fileCode, fileOut, _ := runCLI(t, gather.Env{}, "analyze", snap, "--json", "--only", system)
	live, file := decodeReport(t, liveOut), decodeReport(t, fileOut)
	if liveCode != ExitFailed || fileCode != liveCode {
		t.Errorf("exit codes: diagnose %d, analyze %d; want both %d", liveCode, fileCode, ExitFailed)
	}
	for i := range live.Findings {
		l, f := live.Findings[i], file.Findings[i]
		if l.ID != f.ID || l.Status != f.Status || l.Reason != f.Reason || l.Summary != f.Summary {
			t.Errorf("%s: live %s %q; from the snapshot %s %q", l.ID, l.Status, l.Summary, f.Status, f.Summary)
		}
	}
}

func TestAnalyzeBadInput(t *testing.T) {
	dir := testpeer.TempDir(t)
	badReg := filepath.Join(dir, "bad.reg")
	os.WriteFile(badReg, []byte("windows registry editor version 5.00\n\n[HKEY_LOCAL_MACHINE\\X]\n\"a\"=dword:1\n"), 0o644)
	badSnap := filepath.Join(dir, "snap.json")
	os.WriteFile(badSnap, []byte(`{"schema": "qadoctor.snapshot/v9"}`), 0o644)
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte("hello"), 0o644)
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"analyze", badReg}, "bad.reg:1:"},
		{[]string{"analyze", badSnap}, "qadoctor.snapshot/v1"},
		{[]string{"analyze", other}, "neither a qadoctor snapshot"},
		{[]string{"analyze", filepath.Join(dir, "missing.reg")}, "missing.reg"},
		{[]string{"analyze"}, "accepts 1 arg"},
		{[]string{"collect"}, "-o FILE"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, gather.Env{}, tt.args...)
		if code != ExitUsage || !strings.Contains(errOut, tt.says) {
			t.Errorf("%v: exit %d, stderr %q; want %d mentioning %q", tt.args, code, errOut, ExitUsage, tt.says)
		}
	}
}

func TestCollectOffWindows(t *testing.T) {
	out := filepath.Join(testpeer.TempDir(t), "snap.json")
	code, _, errOut := runCLI(t, gather.Env{}, "collect", "-o", out) // runCLI's system is "not Windows"
	if code != ExitUsage || !strings.Contains(errOut, "only on Windows") {
		t.Errorf("collect off Windows: exit %d, %q; want %d saying it runs on Windows", code, errOut, ExitUsage)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("collect wrote a file off Windows")
	}
}

// Real-world .reg files written by others (testdata/realworld/SOURCES.md
// names each source): the verdicts were written from Microsoft's
// documentation before the files were run. Checks not listed must skip,
// saying the export leaves their keys out.
func TestAnalyzeRealWorldReg(t *testing.T) {
	allOS := []string{"os.schannel", "os.winhttp", "os.inet", "os.dotnet", "os.cipher-policy", "os.fips", "os.version", "app.quickassist", "app.webview2", "clock.settings"}
	tests := []struct {
		file string
		want map[string]finding.Status
	}{
		{"windows-containers-tls12.reg", map[string]finding.Status{"os.schannel": finding.Pass}},
		{"ie-addons-tls12.reg", map[string]finding.Status{"os.schannel": finding.Pass, "os.inet": finding.Pass}},
		{"ie-addons-tls13.reg", map[string]finding.Status{"os.inet": finding.Pass}},
		{"windows-crypto-tls12.reg", map[string]finding.Status{"os.schannel": finding.Pass, "os.cipher-policy": finding.Pass, "os.fips": finding.Pass}},
		{"windows-crypto-tls13.reg", map[string]finding.Status{"os.schannel": finding.Pass, "os.cipher-policy": finding.Pass, "os.fips": finding.Pass}},
		{"windows-crypto-defaults.reg", map[string]finding.Status{"os.schannel": finding.Pass, "os.cipher-policy": finding.Pass, "os.fips": finding.Pass}},
		{"reem-demo-tls.reg", map[string]finding.Status{"os.schannel": finding.Pass}},
		{"win11debloat-disable-telemetry.reg", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, out, errOut := runCLI(t, gather.Env{}, "analyze", filepath.Join("testdata", "realworld", tt.file), "--json")
			r := decodeReport(t, out)
			for _, f := range r.Findings {
				for _, e := range f.Evidence {
					if strings.HasPrefix(e.Detail, "regedit skips") {
						t.Errorf("%s: %s: %s; regedit imports these files whole", f.ID, e.Subject, e.Detail)
					}
				}
			}
			for _, id := range allOS {
				st, ok := tt.want[id]
				if !ok {
					if f := want(t, r, id, finding.Skip, ""); !strings.Contains(f.Summary, "does not include") {
						t.Errorf("%s: %q; want a skip saying the export leaves the key out", id, f.Summary)
					}
					continue
				}
				if f := want(t, r, id, st, ""); t.Failed() {
					t.Logf("%s: %s\n%s", id, f.Summary, errOut)
				}
			}
		})
	}
}

// A line regedit skips changes the verdict as importing the file would,
// and is named in the evidence with its line number: here the line meant
// to turn TLS 1.2 back on carries a # comment, so regedit leaves it off.
func TestAnalyzeRegSkippedLine(t *testing.T) {
	path := filepath.Join(testpeer.TempDir(t), "hardening.reg")
	os.WriteFile(path, []byte("Windows Registry Editor Version 5.00\r\n\r\n"+
		"[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client]\r\n"+
		"\"Enabled\"=dword:00000000\r\n"+
		"\"DisabledByDefault\"=dword:00000001\r\n"+
		"\"Enabled\"=dword:00000001 # back on\r\n"+
		"\"DisabledByDefault\"=dword:00000000 ; back on\r\n"), 0o644)
	code, out, _ := runCLI(t, gather.Env{}, "analyze", path, "--json", "--only", "os.schannel,os.winhttp")
	if code != ExitFailed {
		t.Errorf("exit %d; want %d (TLS 1.2 stays off)", code, ExitFailed)
	}
	r := decodeReport(t, out)
	f := want(t, r, "os.schannel", finding.Fail, "schannel-tls12-off")
	var found bool
	for _, e := range f.Evidence {
		if strings.HasSuffix(e.Subject, "hardening.reg line 6") && e.Status == finding.Warn && strings.Contains(e.Detail, "# comment") {
			found = true
		}
	}
	if !found {
		t.Errorf("os.schannel evidence %+v does not name line 6 and its # comment", f.Evidence)
	}
	// The skipped line is under SCHANNEL, not WinHTTP: os.winhttp shows nothing of it.
	for _, e := range want(t, r, "os.winhttp", finding.Skip, "").Evidence {
		if strings.Contains(e.Subject, "line 6") {
			t.Errorf("os.winhttp shows a line of another key: %+v", e)
		}
	}
}
