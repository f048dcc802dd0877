package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/fix"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// fixBench is a machine with TLS 1.2 off in SCHANNEL, and the seams that
// let fix change it: diagnose reads the same hive fix writes.
type fixBench struct {
	hive    *winstate.Hive
	journal string
	ran     [][]string
	admin   bool
}

func newFixBench(t *testing.T) *fixBench {
	h := winstate.NewHive()
	h.Set(winstate.KeyCurrentVersion, "CurrentBuildNumber", winstate.StringValue("26200"))
	h.Set(winstate.KeyCurrentVersion, "InstallationType", winstate.StringValue("Client"))
	h.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(0))
	h.Set(winstate.KeyAppxUserPackages+`\MicrosoftCorporationII.QuickAssist_2.0.35.0_x64__8wekyb3d8bbwe`, "", winstate.StringValue(""))
	h.Set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("142.0"))
	return &fixBench{hive: h, journal: filepath.Join(testpeer.TempDir(t), "journal"), admin: true}
}

func (b *fixBench) Run(_ context.Context, argv []string) ([]byte, error) {
	b.ran = append(b.ran, argv)
	return nil, nil
}

// run runs qadoctor against the bench, with a terminal on stdin or not.
func (b *fixBench) run(t *testing.T, tty bool, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := Run(context.Background(), args, &Deps{
		IO:    IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, InTTY: tty},
		Build: BuildInfo{Version: "test"},
		Env: gather.Env{
			System: func() facts.System { return winstate.Collect(b.hive, "live", "", nil) },
			Getenv: func(string) string { return "" },
			OSStack: func(_ context.Context, url string) facts.OSStack {
				return facts.OSStack{State: facts.OSStackNotWindows}
			},
		},
		Fix: FixDeps{
			Writer:   func() (winstate.Writer, error) { return b.hive, nil },
			Runner:   b,
			Elevated: func() bool { return b.admin },
		},
	})
	return code, out.String(), errOut.String()
}

func (b *fixBench) enabled(t *testing.T) string {
	v, err := b.hive.Value(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled")
	if err != nil {
		return err.Error()
	}
	return v.String()
}

// The network checks are skipped: these tests are about the registry.
var systemOnly = []string{"--only", "os.schannel", "--timeout", "2s"}

func TestFixAppliesAndUndoRestores(t *testing.T) {
	b := newFixBench(t)
	code, out, errOut := b.run(t, false, "", append([]string{"fix", "--yes", "--journal", b.journal}, systemOnly...)...)
	if code != ExitOK {
		t.Fatalf("fix --yes: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Plan (1 action(s))", `Enabled: REG_DWORD 0x0 -> REG_DWORD 0x1`, "DisabledByDefault: (not set) -> REG_DWORD 0x0", "os.schannel      fail -> pass", "qadoctor undo "} {
		if !strings.Contains(out, want) {
			t.Errorf("fix output lacks %q:\n%s", want, out)
		}
	}
	if got := b.enabled(t); got != "1" {
		t.Errorf("after fix Enabled = %s; want 1", got)
	}
	code, out, _ = b.run(t, false, "", "undo", "--journal", b.journal)
	if code != ExitOK || !strings.Contains(out, "Restored 2 value(s)") {
		t.Errorf("undo: exit %d, %q", code, out)
	}
	if got := b.enabled(t); got != "0" {
		t.Errorf("after undo Enabled = %s; want 0 again", got)
	}
	if _, err := b.hive.Value(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "DisabledByDefault"); err == nil {
		t.Error("after undo DisabledByDefault exists; it was absent before the fix")
	}
	code, out, _ = b.run(t, false, "", "undo", "--journal", b.journal)
	if code != ExitOK || !strings.Contains(out, "Nothing to undo") {
		t.Errorf("second undo: exit %d, %q; want nothing to undo", code, out)
	}
}

func TestFixConsent(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		stdin   string
		admin   bool
		args    []string
		code    int
		says    string
		changed bool
	}{
		{"no terminal, no --yes", false, "", true, nil, ExitNotApplied, "no consent", false},
		{"terminal, answer no", true, "n\n", true, nil, ExitNotApplied, "did not agree", false},
		{"terminal, answer yes", true, "y\n", true, nil, ExitOK, "", true},
		{"not administrator", false, "", false, []string{"--yes"}, ExitNotApplied, "administrator", false},
		{"dry run", false, "", true, []string{"--dry-run"}, ExitOK, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newFixBench(t)
			b.admin = tt.admin
			args := append(append([]string{"fix", "--journal", b.journal}, tt.args...), systemOnly...)
			code, out, errOut := b.run(t, tt.tty, tt.stdin, args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.says) {
				t.Errorf("exit %d, output %q %q; want %d saying %q", code, out, errOut, tt.code, tt.says)
			}
			if changed := b.enabled(t) == "1"; changed != tt.changed {
				t.Errorf("registry changed = %v; want %v", changed, tt.changed)
			}
			if !tt.changed {
				if entries, _ := os.ReadDir(b.journal); len(entries) != 0 {
					t.Errorf("a journal was written though nothing was applied: %v", entries)
				}
			}
		})
	}
}

func TestFixExport(t *testing.T) {
	b := newFixBench(t)
	dir := testpeer.TempDir(t)
	for _, format := range []string{"reg", "ps1"} {
		out := filepath.Join(dir, "repair."+format)
		code, _, errOut := b.run(t, false, "", append([]string{"fix", "--export", format, "-o", out}, systemOnly...)...)
		if code != ExitOK {
			t.Fatalf("--export %s: exit %d, %s", format, code, errOut)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("--export %s wrote no file: %v", format, err)
		}
	}
	undo, err := os.ReadFile(filepath.Join(dir, "repair-undo.reg"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := winstate.ParseReg("repair-undo.reg", undo, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := h.Value(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled"); err != nil || v.String() != "0" {
		t.Errorf("undo .reg sets Enabled to %v, %v; want the prior 0", v, err)
	}
	if got := b.enabled(t); got != "0" {
		t.Errorf("--export changed the registry: Enabled = %s", got)
	}
}

// The app and clock actions run exactly these argument vectors.
func TestFixCommandVectors(t *testing.T) {
	b := newFixBench(t)
	b.hive.Remove(winstate.KeyAppxUserPackages)
	b.hive.Set(winstate.KeyW32TimeParameters, "Type", winstate.StringValue("NoSync"))
	code, out, errOut := b.run(t, false, "", "fix", "--yes", "--journal", b.journal, "--only", "app.quickassist,clock.settings", "--timeout", "2s")
	if code != ExitFailed { // Quick Assist is still not installed: the recorder installs nothing
		t.Errorf("exit %d; want %d\n%s\n%s", code, ExitFailed, out, errOut)
	}
	var got []string
	for _, argv := range b.ran {
		got = append(got, fix.FormatArgv(argv))
	}
	want := []string{ // in report order: clock.settings, then app.quickassist
		"w32tm /config /update",
		"winget install --id 9P7BP5VNWKX5 --source msstore --accept-package-agreements --accept-source-agreements",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("commands run:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, _ := b.hive.Value(winstate.KeyW32TimeParameters, "Type"); v.String() != "NTP" {
		t.Errorf("W32Time Type = %q; want NTP", v.String())
	}
}

func TestFixAppRepairs(t *testing.T) {
	tests := []struct {
		app  string
		want []string
	}{
		{"reset", []string{"powershell.exe -NoProfile -NonInteractive -Command \"Get-AppxPackage -Name MicrosoftCorporationII.QuickAssist | Reset-AppxPackage\""}},
		{"reinstall", []string{
			"powershell.exe -NoProfile -NonInteractive -Command \"Get-AppxPackage -Name MicrosoftCorporationII.QuickAssist -AllUsers | Remove-AppxPackage -AllUsers\"",
			"winget install --id 9P7BP5VNWKX5 --source msstore --accept-package-agreements --accept-source-agreements",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			b := newFixBench(t)
			b.hive.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(1)) // nothing else to fix
			code, out, errOut := b.run(t, false, "", "fix", "--yes", "--app", tt.app, "--journal", b.journal, "--only", "os.schannel", "--timeout", "2s")
			if code != ExitOK {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			var got []string
			for _, argv := range b.ran {
				got = append(got, fix.FormatArgv(argv))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("commands run:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// A journal planted in the folder, as the hostile review planted one under
// Wine: plain undo writes nothing, names the refused journal, and exits 0;
// naming a path as the run is refused.
func TestUndoRefusesAPlantedJournal(t *testing.T) {
	b := newFixBench(t)
	if err := fix.PrepareJournalDir(b.journal); err != nil {
		t.Fatal(err)
	}
	const run = "20261125T184653Z-29bf63"
	planted := `{"schema": "qadoctor.journal/v1", "run": "` + run + `", "started": "2026-11-25T18:46:53Z", "tool": "qadoctor 1.0.0",
 "actions": [{"finding": "os.schannel", "action": "schannel.tls12-on", "title": "x", "admin": true,
  "registry": [{"key": "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "name": "updater",
   "prior": {"exists": true, "type": "REG_SZ", "data": "43003a005c006500760069006c002e00650078006500000000"},
   "new": {"exists": false}, "state": "applied"}]}]}`
	if err := os.WriteFile(filepath.Join(b.journal, run+".json"), []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := b.run(t, false, "", "undo", "--journal", b.journal)
	if code != ExitOK || !strings.Contains(out, "Nothing to undo") || !strings.Contains(errOut, "never changes") {
		t.Errorf("undo with a planted journal: exit %d, %q, %q; want nothing undone and the journal named", code, out, errOut)
	}
	if _, err := b.hive.Value(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, "updater"); err == nil {
		t.Error("undo wrote the planted Run value")
	}
	if code, _, errOut := b.run(t, false, "", "undo", `..\..\Users\Public\x`, "--journal", b.journal); code != ExitUsage || !strings.Contains(errOut, "not a fix run ID") {
		t.Errorf("undo with a path as the run: exit %d, %q; want exit 2", code, errOut)
	}
}

// A reinstall that cannot work is refused before anything runs: with the
// Store turned off by policy, removing Quick Assist would leave nothing
// to install it from. A reset still runs.
func TestFixAppReinstallRefusedWithoutTheStore(t *testing.T) {
	b := newFixBench(t)
	b.hive.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(1))
	b.hive.Set(winstate.KeyStorePolicy, "RemoveWindowsStore", winstate.DWORDValue(1))
	code, out, errOut := b.run(t, false, "", "fix", "--yes", "--app", "reinstall", "--journal", b.journal, "--only", "os.schannel", "--timeout", "2s")
	if code != ExitUsage || !strings.Contains(errOut, "turned off by policy") || !strings.Contains(errOut, "Ask IT") {
		t.Errorf("exit %d, stderr %q; want %d saying the Store is off and to ask IT\n%s", code, errOut, ExitUsage, out)
	}
	if len(b.ran) != 0 {
		t.Errorf("ran %v; want nothing", b.ran)
	}
	code, _, errOut = b.run(t, false, "", "fix", "--yes", "--app", "reset", "--journal", b.journal, "--only", "os.schannel", "--timeout", "2s")
	if code != ExitOK || len(b.ran) != 1 {
		t.Errorf("reset: exit %d, ran %v (%s); want the reset run", code, b.ran, errOut)
	}
}
