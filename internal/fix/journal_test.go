package fix

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// plant writes a journal file as an attacker who can write the folder
// would: a valid shape, steps of their choosing.
func plant(t *testing.T, dir, run string, steps ...RegStep) string {
	t.Helper()
	j := Journal{Schema: JournalSchema, Run: run, Started: time.Unix(0, 0).UTC(), Tool: "qadoctor 1.0.0",
		Actions: []PlannedAction{{Finding: "os.schannel", Action: "schannel.tls12-on", Title: "x", Admin: true, Registry: steps}}}
	data, _ := json.Marshal(j)
	path := filepath.Join(dir, run+".json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sz(s string) RegValueState {
	b := make([]byte, 0, 2*len(s)+2)
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return RegValueState{Exists: true, Type: "REG_SZ", Data: hex.EncodeToString(append(b, 0, 0))}
}

func dw(n uint32) RegValueState {
	return RegValueState{Exists: true, Type: "REG_DWORD", Data: hex.EncodeToString([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})}
}

// The attacks a hostile review made work under Wine, as planted journals:
// each is refused whole, and undo writes nothing.
func TestUndoRefusesPlantedJournals(t *testing.T) {
	const run = "20261125T184653Z-29bf63"
	tests := []struct {
		name string
		step RegStep
		says string
	}{
		{"a Run key pointing at an attacker's exe", RegStep{Key: `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run`, Name: "updater",
			Prior: sz(`C:\Users\Public\evil.exe`), New: RegValueState{}, State: StateApplied}, "never changes"},
		{"the sethc.exe IFEO debugger set to cmd.exe", RegStep{Key: `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe`, Name: "Debugger",
			Prior: sz(`C:\Windows\System32\cmd.exe`), State: StateApplied}, "never changes"},
		{"RunAsPPL deleted", RegStep{Key: `HKLM\SYSTEM\CurrentControlSet\Control\Lsa`, Name: "RunAsPPL", Prior: RegValueState{}, New: dw(1), State: StateApplied}, "never changes"},
		{"an allowed value given a path-sized string", RegStep{Key: tls12, Name: "Enabled", Prior: sz(strings.Repeat("A", 600)), New: dw(1), State: StateApplied}, "never records"},
		{"an allowed value given binary data", RegStep{Key: tls12, Name: "Enabled", Prior: RegValueState{Exists: true, Type: "REG_BINARY", Data: "4d5a"}, New: dw(1), State: StateApplied}, "never records"},
		{"an allowed value whose created keys reach elsewhere", RegStep{Key: tls12, Name: "Enabled", Created: []string{`HKLM\SYSTEM\CurrentControlSet\Services\WinDefend`}, Prior: dw(0), New: dw(1), State: StateApplied}, "does not create"},
		{"a string with a control character", RegStep{Key: winstate.KeyW32TimeParameters, Name: "NtpServer", Prior: sz("a\x1bb"), New: sz("time.windows.com,0x9"), State: StateApplied}, "never records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testpeer.TempDir(t)
			plant(t, dir, run, tt.step)
			if _, err := LoadJournal(filepath.Join(dir, run+".json")); err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("LoadJournal = %v; want a refusal saying %q", err, tt.says)
			}
			j, skipped, err := FindJournal(dir, "")
			if j != nil || err != nil || len(skipped) != 1 {
				t.Errorf("FindJournal = %v, %v, %v; want nothing to undo and the planted journal named as skipped", j, skipped, err)
			}
		})
	}
}

// A run is a name: a path in its place is refused before any file is
// opened.
func TestUndoRunIsAName(t *testing.T) {
	dir := testpeer.TempDir(t)
	for _, run := range []string{`..\..\Users\Public\x`, "../x", `C:\x`, "20261125T184653Z-29bf63/../../x"} {
		if _, _, err := FindJournal(dir, run); err == nil || !strings.Contains(err.Error(), "not a fix run ID") {
			t.Errorf("FindJournal(%q) = %v; want it refused as not a run ID", run, err)
		}
	}
}

// One damaged newest journal does not block the undo of an older, valid
// one; it is named.
func TestUndoSkipsADamagedJournal(t *testing.T) {
	h := broken()
	original := snapshot(t, h)
	plan, err := Plan(findings(), []string{"os.schannel"}, h)
	if err != nil {
		t.Fatal(err)
	}
	dir := testpeer.TempDir(t)
	j, err := NewJournal(dir, "test", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), plan)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), j, h, &recorder{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "20261201T000000Z-aaaaaa.json"), []byte(`{"schema": "qadoctor.journal/v1", "run": `), 0o600)
	found, skipped, err := FindJournal(dir, "")
	if err != nil || found == nil || found.Run != j.Run || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "aaaaaa") {
		t.Fatalf("FindJournal = %v, %v, %v; want the older run, the damaged one named", found, skipped, err)
	}
	if _, err := Undo(found, h); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, h); got != original {
		t.Errorf("after undo:\n%s\nwant:\n%s", got, original)
	}
}

// A journal larger than any fix writes is refused before it is read.
func TestLoadJournalBounded(t *testing.T) {
	dir := testpeer.TempDir(t)
	path := filepath.Join(dir, "20261125T184653Z-29bf63.json")
	f, _ := os.Create(path)
	f.Truncate(MaxJournalSize + 1)
	f.Close()
	if _, err := LoadJournal(path); err == nil || !strings.Contains(err.Error(), "more than the 1048576") {
		t.Errorf("LoadJournal of %d bytes = %v; want a refusal naming the limit", MaxJournalSize+1, err)
	}
}

// Every registry change a check can plan is in the catalogue, so a real
// fix is never refused: each recorded machine's findings are planned and
// journaled.
func TestCatalogueCoversEveryAction(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "checks", "testdata", "snapshots", "*.json"))
	if len(files) < 10 {
		t.Fatalf("found %d snapshots; want the checks' recorded machines", len(files))
	}
	planned := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		reg, source, err := winstate.Open(file, data)
		if err != nil {
			t.Fatal(err)
		}
		f := &facts.Facts{System: winstate.Collect(reg, source, file, nil), Analyzed: file}
		fs := checks.Judge(f, checks.All(), i18n.New(i18n.English))
		h := winstate.NewHive()
		plan, err := Plan(fs, nil, h)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, a := range plan {
			planned += len(a.Registry)
		}
		if _, err := NewJournal(testpeer.TempDir(t), "test", time.Unix(0, 0), plan); err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
		}
	}
	if planned < 5 {
		t.Errorf("planned %d registry changes over every snapshot; the test should see the repairs", planned)
	}
}

// watchingWriter records every change a replay makes.
type watchingWriter struct {
	*winstate.Hive
	t *testing.T
}

func (w watchingWriter) SetValue(key, name string, v winstate.Value) error {
	if _, ok := lookupChangeable(key, name); !ok {
		w.t.Errorf("undo set %s\\%s, outside the catalogue", key, name)
	}
	return w.Hive.SetValue(key, name, v)
}

func (w watchingWriter) DeleteValue(key, name string) error {
	if _, ok := lookupChangeable(key, name); !ok {
		w.t.Errorf("undo deleted %s\\%s, outside the catalogue", key, name)
	}
	return w.Hive.DeleteValue(key, name)
}

func (w watchingWriter) DeleteKeyIfEmpty(key string) error {
	in := false
	for _, c := range catalogue {
		in = in || createdBy(key, c.key)
	}
	if !in {
		w.t.Errorf("undo removed the key %s, which no catalogue value creates", key)
	}
	return w.Hive.DeleteKeyIfEmpty(key)
}

// Whatever a journal file holds, undo never writes outside the catalogue:
// the loader refuses it, or every change it replays is one fix can make.
func FuzzLoadJournal(f *testing.F) {
	// Seeds: a real journal, and planted ones of the review's attacks.
	plan, _ := Plan(findings(), nil, broken())
	real, _ := json.Marshal(Journal{Schema: JournalSchema, Run: "20261125T184653Z-29bf63", Actions: plan})
	f.Add(real)
	f.Add([]byte(`{"schema":"qadoctor.journal/v1","run":"20261125T184653Z-29bf63","actions":[{"registry":[{"key":"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run","name":"x","prior":{"exists":true,"type":"REG_SZ","data":"4100"},"new":{"exists":false},"state":"applied"}]}]}`))
	f.Add([]byte(`{"schema":"qadoctor.journal/v1","run":"..\\..\\x","actions":[]}`))
	f.Add([]byte(`{"schema":"qadoctor.journal/v1","run":"20261125T184653Z-29bf63","actions":[{"registry":[{"key":"HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client","name":"Enabled","created":["HKLM\\SYSTEM"],"prior":{"exists":true,"type":"REG_DWORD","data":"00000000"},"new":{"exists":true,"type":"REG_DWORD","data":"01000000"},"state":"applying"}]}]}`))
	dir := testpeer.TempDir(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "20261125T184653Z-29bf63.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := LoadJournal(path)
		if err != nil {
			return
		}
		for _, a := range j.Actions {
			for _, s := range a.Registry {
				if _, ok := lookupChangeable(s.Key, s.Name); !ok {
					t.Fatalf("accepted a step outside the catalogue: %s\\%s", s.Key, s.Name)
				}
			}
		}
		Undo(j, watchingWriter{winstate.NewHive(), t})
	})
}

// The PS1 undo puts each prior value back with its own type, and a
// typographic quote (which PowerShell takes for ') cannot end a string.
func TestPS1KeepsTypesAndQuotes(t *testing.T) {
	if got := psQuote("it’s"); got != "('it' + [char]0x2019 + 's')" {
		t.Errorf("psQuote(it’s) = %s; want ('it' + [char]0x2019 + 's')", got)
	}
	if got := psQuote("it's"); got != "'it''s'" {
		t.Errorf("psQuote(it's) = %s; want 'it''s'", got)
	}
	plan := []PlannedAction{{Finding: "os.winhttp", Action: "winhttp.tls12-on", Title: "x\r\nRemove-Item C:\\ -Recurse", Admin: true, Registry: []RegStep{
		{Key: winstate.KeyWinHTTP, Name: "DefaultSecureProtocols", Prior: RegValueState{Exists: true, Type: "REG_QWORD", Data: "0008000000000000"}, New: dw(0xa00)},
		{Key: winstate.KeyW32TimeParameters, Name: "NtpServer", Prior: RegValueState{Exists: true, Type: "REG_EXPAND_SZ", Data: hex.EncodeToString([]byte{'%', 0, 'x', 0, '%', 0, 0, 0})}, New: sz("time.windows.com,0x9")},
	}}}
	var b strings.Builder
	if err := WritePS1(&b, plan); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"DefaultSecureProtocols' QWord 0x800", "'NtpServer' ExpandString '%x%'"} {
		if !strings.Contains(out, want) {
			t.Errorf("the PS1 lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\r\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "Remove-Item C:") {
			t.Errorf("a title became a command: %q", line)
		}
	}
}

// A journal saved again as UTF-16LE or UTF-8 with a BOM (PowerShell 5.1,
// Notepad) loads as the one fix wrote.
func TestLoadJournalEncodings(t *testing.T) {
	h := broken()
	plan, err := Plan(findings(), []string{"os.schannel"}, h)
	if err != nil {
		t.Fatal(err)
	}
	j, err := NewJournal(testpeer.TempDir(t), "test", time.Unix(0, 0), plan)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	want, err := LoadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	u16 := []byte{0xFF, 0xFE}
	for _, r := range string(raw) {
		u16 = append(u16, byte(r), byte(r>>8)) // the journal is ASCII
	}
	for name, data := range map[string][]byte{"utf-16le": u16, "utf-8 bom": append([]byte{0xEF, 0xBB, 0xBF}, raw...)} {
		if err := os.WriteFile(j.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := LoadJournal(j.Path())
		if err != nil || got.Run != want.Run || len(got.Actions) != len(want.Actions) {
			t.Errorf("%s: %+v, %v; want run %s", name, got, err, want.Run)
		}
	}
}
