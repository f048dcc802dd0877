package winstate_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// underWine fails or skips the test unless it runs under Wine: it rewrites
// HKLM, which must never happen on a real PC. scripts/wine/exec sets
// QADOCTOR_WINE=1, so under scripts/test the test cannot be skipped.
func underWine(t *testing.T) {
	t.Helper()
	reg, err := winstate.Live()
	if err != nil {
		t.Fatal(err)
	}
	_, err = reg.SubKeys(`HKLM\Software\Wine`)
	switch {
	case err == nil:
	case os.Getenv("QADOCTOR_WINE") == "1":
		t.Fatalf("QADOCTOR_WINE=1 but HKLM\\Software\\Wine is not there: %v", err)
	default:
		t.Skip("rewrites HKLM: runs only under Wine (scripts/test)")
	}
}

// regImport applies a .reg file with Wine's own regedit, as an admin would.
func regImport(t *testing.T, file string) {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := regedit(abs); err != nil {
		t.Fatalf("regedit /S %s: %v\n%s", file, err, out)
	}
}

func schannelStatus(t *testing.T) finding.Finding {
	t.Helper()
	sys := winstate.LiveSystem()
	if sys.State != facts.SystemRead {
		t.Fatalf("live system state: %+v", sys)
	}
	cs, err := checks.Select([]string{"os.schannel"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return checks.Judge(&facts.Facts{MinTLS: "1.2", System: sys}, cs, nil)[0]
}

func TestLiveSchannelUnderWine(t *testing.T) {
	underWine(t)
	t.Cleanup(func() { regImport(t, "schannel-restore.reg") })

	regImport(t, "schannel-tls12-off.reg")
	if f := schannelStatus(t); f.Status != finding.Fail || f.Reason != "schannel-tls12-off" {
		t.Errorf("after importing TLS 1.2 off: os.schannel = %s %q (%s); want fail", f.Status, f.Reason, f.Summary)
	}
	regImport(t, "schannel-tls12-on.reg")
	if f := schannelStatus(t); f.Status != finding.Pass {
		t.Errorf("after importing TLS 1.2 on: os.schannel = %s (%s); want pass", f.Status, f.Summary)
	}
	regImport(t, "schannel-restore.reg")
	if f := schannelStatus(t); f.Status != finding.Pass || f.Evidence[3].Facts.([]facts.RegValue)[0].State != facts.ValueAbsent {
		t.Errorf("after restoring: os.schannel = %s; want pass with TLS 1.2 values absent", f.Status)
	}
}

// The live reader and a .reg export of the same keys agree value by value.
func TestLiveMatchesRegExportUnderWine(t *testing.T) {
	underWine(t)
	t.Cleanup(func() { regImport(t, "schannel-restore.reg") })
	regImport(t, "schannel-tls12-off.reg")

	live := winstate.LiveSystem()
	data, err := os.ReadFile(filepath.Join("testdata", "schannel-tls12-off.reg"))
	if err != nil {
		t.Fatal(err)
	}
	hive, err := winstate.ParseReg("schannel-tls12-off.reg", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := winstate.Collect(hive, "reg", "schannel-tls12-off.reg", nil)
	for i, v := range fromFile.Values {
		if v.State == facts.ValueUnknown {
			continue // outside the export
		}
		if l := live.Values[i]; l.State != v.State || l.Data != v.Data || l.Type != v.Type {
			t.Errorf("%s\\%s: live %s %s %s; from the export %s %s %s", v.Key, v.Name, l.State, l.Type, l.Data, v.State, v.Type, v.Data)
		}
	}
}

// clock.settings reads W32Time from the live registry: automatic time
// switched off with regedit is seen as off.
func TestLiveClockSettingsUnderWine(t *testing.T) {
	underWine(t)
	reg, _ := winstate.Live()
	before, err := reg.Value(winstate.KeyW32TimeParameters, "Type")
	if err != nil && !errors.Is(err, winstate.ErrNotExist) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restore := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters]\r\n\"Type\"=-\r\n"
		if err == nil {
			restore = strings.Replace(restore, `"Type"=-`, `"Type"="`+before.String()+`"`, 1)
		}
		path := filepath.Join(testpeer.TempDir(t), "restore.reg")
		os.WriteFile(path, []byte(restore), 0o644)
		exec.Command("regedit", "/S", path).Run()
	})
	regImport(t, "w32time-nosync.reg")
	cs, _ := checks.Select([]string{"clock.settings"}, nil)
	f := checks.Judge(&facts.Facts{System: winstate.LiveSystem()}, cs, nil)[0]
	if f.Status != finding.Warn || f.Reason != "clock-settings" || !strings.Contains(f.Summary, "NoSync") {
		t.Errorf("clock.settings = %s %q %q; want warn naming NoSync", f.Status, f.Reason, f.Summary)
	}
	for _, e := range f.Evidence {
		if e.Subject == "service W32Time" {
			return // the service manager was asked, whatever Wine answers
		}
	}
	t.Errorf("evidence %+v lacks the W32Time service state", f.Evidence)
}

// The policies an organisation sets to block Quick Assist, applied with
// regedit: the live registry and the .reg file give the same app.blocked
// verdict, and the live run also sees the WebView2 and Store policies.
func TestLivePolicyBlocksUnderWine(t *testing.T) {
	underWine(t)
	t.Cleanup(func() { regImport(t, "policy-blocks-restore.reg") })
	regImport(t, "policy-blocks.reg")

	cs, err := checks.Select([]string{"app.blocked", "app.webview2", "app.quickassist"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]finding.Finding{}
	for _, f := range checks.Judge(&facts.Facts{System: winstate.LiveSystem()}, cs, nil) {
		live[f.ID] = f
	}
	data, err := os.ReadFile(filepath.Join("testdata", "policy-blocks.reg"))
	if err != nil {
		t.Fatal(err)
	}
	hive, err := winstate.ParseReg("policy-blocks.reg", data, winstate.WantedInterest())
	if err != nil {
		t.Fatal(err)
	}
	fromFile := checks.Judge(&facts.Facts{Analyzed: "policy-blocks.reg", System: winstate.Collect(hive, "reg", "policy-blocks.reg", nil)}, cs, nil)
	if f := live["app.blocked"]; f.Status != finding.Fail || f.Reason != "blocked-by-organisation" || f.Status != fromFile[0].Status || f.Reason != fromFile[0].Reason {
		t.Errorf("app.blocked: live %s %q, from the file %s %q; want both fail blocked-by-organisation", f.Status, f.Reason, fromFile[0].Status, fromFile[0].Reason)
	}
	if f := live["app.blocked"]; !strings.Contains(f.Summary, "sinkholes") || !strings.Contains(f.Cause, "tenant restrictions") {
		t.Errorf("app.blocked live: %q / %q; want the NRPT sinkhole and the tenant restrictions named", f.Summary, f.Cause)
	}
	var override, updates bool
	for _, e := range live["app.webview2"].Evidence {
		override = override || strings.Contains(e.Detail, "BrowserExecutableFolder for QuickAssist.exe")
		updates = updates || strings.Contains(e.Detail, "UpdateDefault=0x0")
	}
	if !override || !updates {
		t.Errorf("app.webview2 live evidence %+v; want the loader override and UpdateDefault=0", live["app.webview2"].Evidence)
	}
	if f := live["app.quickassist"]; f.Reason != "quickassist-missing-no-store" {
		t.Errorf("app.quickassist live = %s %q (%s); Wine has no Quick Assist and the Store is off: want quickassist-missing-no-store", f.Status, f.Reason, f.Summary)
	}
}
