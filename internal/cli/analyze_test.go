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
		{[]string{"analyze"}, "requires at least 1 arg"},
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

// Real-world .reg files written by others, read from ../shared/samples/reg
// (its SOURCES.md names each file's repository, path and commit; the project
// keeps no copy). The verdicts were written from Microsoft's documentation
// before the files were run: SCHANNEL protocol switches
// (learn.microsoft.com/windows-server/security/tls/tls-registry-settings:
// Enabled≠0 with DisabledByDefault=0 is on, absent is the build's default),
// SecureProtocols and DefaultSecureProtocols bits (KB3140245: 0x800 is
// TLS 1.2), the cipher-suite order (manage-tls: the policy key wins over the
// local order; ECDH off leaves no ECDHE suite whatever the order), .NET's
// SchUseStrongCrypto/SystemDefaultTlsVersions (TLS best practices with the
// .NET Framework), FIPS (FipsAlgorithmPolicy Enabled=1). Regedit's grammar is
// Wine's regedit import (programs/regedit/regproc.c): text after a key
// line's last ] is ignored, so the one-line files 13 and 14 set no value.
// Checks not listed must skip, saying the export leaves their keys out.
func TestAnalyzeRealWorldReg(t *testing.T) {
	dir := testpeer.Samples(t, "reg")
	allOS := []string{"os.schannel", "os.winhttp", "os.inet", "os.dotnet", "os.cipher-policy", "os.fips", "os.version", "app.quickassist", "app.webview2", "clock.settings"}
	type v = map[string]string // check ID -> "status" or "status reason"
	tests := []struct {
		file  string
		want  v
		skips int // lines regedit skips, each named in the evidence
	}{
		// IIS Crypto's restore deletes the policy's Functions, so the local
		// order decides the suites, and it is not in the file.
		{"01-iiscrypto-backup-restore.reg", v{"os.schannel": "pass", "os.fips": "pass"}, 0},
		// A regedit export of SCHANNEL alone: the cipher-suite policy and
		// the local order, which decide os.cipher-policy, are not in it.
		{"02-pssl-schannel-export-utf16.reg", v{"os.schannel": "pass"}, 0},
		{"03-reem-tls11-tls12-export-utf16.reg", v{"os.schannel": "pass"}, 0},
		{"04-racetracks-tls12-strict.reg", v{"os.schannel": "pass", "os.cipher-policy": "pass", "os.fips": "pass"}, 0},
		{"05-racetracks-tls13.reg", v{"os.schannel": "pass", "os.cipher-policy": "pass", "os.fips": "pass"}, 0},
		{"06-racetracks-defaults.reg", v{"os.schannel": "pass", "os.fips": "pass"}, 0},
		{"07-containers-tls12.reg", v{"os.schannel": "pass"}, 0},
		{"08-ieaddons-tls12-secureprotocols.reg", v{"os.schannel": "pass", "os.inet": "pass"}, 0},
		// TLS 1.3 only: TLS 1.2, the deciding key, is not in the file.
		{"09-ieaddons-tls13-secureprotocols.reg", v{"os.inet": "pass"}, 0},
		{"10-leitoxa-tls12-dotnet.reg", v{"os.schannel": "pass", "os.dotnet": "pass"}, 0},
		{"11-nuget-tls-fix-dotnet-only.reg", v{"os.dotnet": "pass"}, 0},
		{"12-novaq-tls12-inline-comment.reg", v{"os.schannel": "pass", "os.winhttp": "pass", "os.inet": "pass"}, 0},
		{"13-natthasath-enable-tls12-oneline.reg", v{"os.schannel": "pass"}, 4},
		// Meant to turn TLS 1.2 off, but regedit sets none of its values:
		// TLS 1.2 stays at the default (on), and each line is named.
		{"14-natthasath-disable-tls12-oneline.reg", v{"os.schannel": "pass"}, 4},
		{"15-natthasath-enable-tls13.reg", nil, 0},
		{"16-natthasath-delete-tls13.reg", nil, 0},
		{"17-granitedan-strongcrypto-malformed.reg", v{"os.dotnet": "pass"}, 0},
		{"18-sfb-tlsprereq.reg", v{"os.schannel": "pass", "os.winhttp": "pass", "os.dotnet": "pass"}, 0},
		{"19-sfb-tlsdisable.reg", v{"os.schannel": "pass", "os.cipher-policy": "pass"}, 0},
		{"20-aadconnect-disable-tls12.reg", v{"os.schannel": "fail schannel-tls12-off", "os.dotnet": "warn dotnet-old-tls"}, 0},
		{"21-wstools-disable-tls12.reg", v{"os.schannel": "fail schannel-tls12-off"}, 0},
		{"22-imperva-rsa-only-cipher-order.reg", v{"os.cipher-policy": "fail cipher-policy-no-modern-suite"}, 0},
		// No policy key, but ECDH off: no ECDHE suite is left whatever the order.
		{"23-imperva-ecdh-off-no-policy-key.reg", v{"os.cipher-policy": "fail cipher-policy-no-modern-suite"}, 0},
		{"24-stig-fips-enable.reg", v{"os.fips": "warn fips-on"}, 0},
		// TLS 1.0 and 1.1 off; TLS 1.2, the deciding key, is not in the file.
		{"25-gholliday-disable-tls10-tls11.reg", nil, 0},
		{"26-isp-ie-settings-ssl-only.reg", v{"os.inet": "warn inet-no-tls12"}, 0}, // neither leg uses WinINet
		{"27-win11debloat-disable-telemetry.reg", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, out, errOut := runCLI(t, gather.Env{}, "analyze", filepath.Join(dir, tt.file), "--json")
			r := decodeReport(t, out)
			skipped := map[string]bool{}
			for _, f := range r.Findings {
				for _, e := range f.Evidence {
					if strings.HasPrefix(e.Detail, "regedit skips") {
						skipped[e.Subject] = true
					}
				}
			}
			if len(skipped) != tt.skips {
				t.Errorf("lines named as skipped by regedit: %v; want %d", skipped, tt.skips)
			}
			for _, id := range allOS {
				w, ok := tt.want[id]
				if !ok {
					if f := want(t, r, id, finding.Skip, ""); !strings.Contains(f.Summary, "does not include") {
						t.Errorf("%s: %q; want a skip saying the export leaves the key out", id, f.Summary)
					}
					continue
				}
				name, reason, _ := strings.Cut(w, " ")
				st, err := finding.ParseStatus(name)
				if err != nil {
					t.Fatal(err)
				}
				if f := want(t, r, id, st, reason); t.Failed() {
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
