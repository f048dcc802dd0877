// Golden files in testdata/ are regenerated with:
//
//	go test ./internal/fix -update
package fix

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var update = flag.Bool("update", false, "rewrite testdata/")

const tls12 = winstate.KeySchannelProtocols + `\TLS 1.2\Client`

// broken is a registry with TLS 1.2 switched off and WinHTTP limited to
// TLS 1.0; the TLS 1.3 key does not exist.
func broken() *winstate.Hive {
	h := winstate.NewHive()
	h.Set(tls12, "Enabled", winstate.DWORDValue(0))
	h.Set(tls12, "DisabledByDefault", winstate.DWORDValue(1))
	h.Set(winstate.KeyWinHTTP, "DefaultSecureProtocols", winstate.DWORDValue(0x80))
	return h
}

// findings are what the checks say of broken(): three registry actions
// (one creating keys), and one command.
func findings() []finding.Finding {
	return []finding.Finding{
		{ID: "os.schannel", Status: finding.Fail, Actions: []finding.Action{{ID: "schannel.tls12-on", Title: "TLS 1.2 on", Admin: true, Restart: true,
			Registry: []finding.RegChange{
				{Key: tls12, Name: "Enabled", Type: "REG_DWORD", Value: "1"},
				{Key: tls12, Name: "DisabledByDefault", Type: "REG_DWORD", Value: "0"},
			}}}},
		{ID: "os.winhttp", Status: finding.Fail, Actions: []finding.Action{{ID: "winhttp.tls12-on", Title: "WinHTTP", Admin: true,
			Registry: []finding.RegChange{{Key: winstate.KeyWinHTTP, Name: "DefaultSecureProtocols", Type: "REG_DWORD", Value: "2688"}}}}},
		{ID: "os.other", Status: finding.Warn, Actions: []finding.Action{{ID: "new.key", Title: "a key that does not exist yet",
			Registry: []finding.RegChange{{Key: winstate.KeySchannelProtocols + `\TLS 1.3\Client`, Name: "Enabled", Type: "REG_DWORD", Value: "1"}},
			Commands: [][]string{{"w32tm", "/resync", "/force"}}}}},
		{ID: "os.passing", Status: finding.Pass, Actions: []finding.Action{{ID: "never", Title: "not planned: the check passed"}}},
	}
}

// snapshot lists every value of a hive, for comparing states exactly.
func snapshot(t *testing.T, h *winstate.Hive) string {
	t.Helper()
	var b bytes.Buffer
	for _, ref := range []winstate.ValueRef{{Key: tls12, Name: "Enabled"}, {Key: tls12, Name: "DisabledByDefault"},
		{Key: winstate.KeyWinHTTP, Name: "DefaultSecureProtocols"}, {Key: winstate.KeySchannelProtocols + `\TLS 1.3\Client`, Name: "Enabled"}} {
		v, err := h.Value(ref.Key, ref.Name)
		b.WriteString(ref.Key + `\` + ref.Name + "=")
		if err != nil {
			b.WriteString(err.Error())
		} else {
			b.WriteString(v.String())
		}
		b.WriteString("\n")
	}
	for _, k := range []string{winstate.KeySchannelProtocols + `\TLS 1.3\Client`, winstate.KeySchannelProtocols + `\TLS 1.3`} {
		ok, _ := h.KeyExists(k)
		b.WriteString(k + " exists=" + map[bool]string{true: "yes", false: "no"}[ok] + "\n")
	}
	return b.String()
}

type recorder struct{ argv [][]string }

func (r *recorder) Run(_ context.Context, argv []string) ([]byte, error) {
	r.argv = append(r.argv, argv)
	return []byte("ok"), nil
}

func TestApplyAndUndo(t *testing.T) {
	h := broken()
	original := snapshot(t, h)
	plan, err := Plan(findings(), nil, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 3 {
		t.Fatalf("plan has %d actions; want 3 (the passing check's is left out)", len(plan))
	}
	j, err := NewJournal(testpeer.TempDir(t), "test", time.Unix(0, 0), plan)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := Apply(context.Background(), j, h, rec); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Value(tls12, "Enabled"); v.String() != "1" {
		t.Errorf("after fix Enabled = %s; want 1", v.String())
	}
	if len(rec.argv) != 1 || FormatArgv(rec.argv[0]) != "w32tm /resync /force" {
		t.Errorf("commands run = %v; want w32tm /resync /force", rec.argv)
	}

	// Undo from the journal on disk, as a later process would.
	again, err := LoadJournal(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	n, err := Undo(again, h)
	if err != nil || n != 4 {
		t.Fatalf("Undo = %d, %v; want 4 values restored", n, err)
	}
	if got := snapshot(t, h); got != original {
		t.Errorf("after undo:\n%s\nwant the original:\n%s", got, original)
	}
	// Twice is a no-op.
	if n, err := Undo(again, h); err != nil || n != 0 || again.Undoable() {
		t.Errorf("second Undo = %d, %v; want nothing to do", n, err)
	}
}

// crashingWriter dies on the n-th write: before it (failBefore) or right
// after it, before the journal could record it.
type crashingWriter struct {
	*winstate.Hive
	n, writes  int
	failBefore bool
}

var errCrash = errors.New("simulated crash")

func (c *crashingWriter) SetValue(key, name string, v winstate.Value) error {
	c.writes++
	if c.writes == c.n {
		if !c.failBefore {
			c.Hive.SetValue(key, name, v)
		}
		return errCrash
	}
	return c.Hive.SetValue(key, name, v)
}

func TestUndoAfterACrashAtEveryStep(t *testing.T) {
	for n := 1; n <= 4; n++ {
		for _, before := range []bool{true, false} {
			h := broken()
			original := snapshot(t, h)
			plan, _ := Plan(findings(), nil, h)
			dir := testpeer.TempDir(t)
			j, _ := NewJournal(dir, "test", time.Unix(0, 0), plan)
			err := Apply(context.Background(), j, &crashingWriter{Hive: h, n: n, failBefore: before}, &recorder{})
			if !errors.Is(err, errCrash) {
				t.Fatalf("crash at write %d: Apply = %v", n, err)
			}
			found, _, err := FindJournal(dir, "")
			if err != nil || found == nil {
				t.Fatalf("crash at write %d: FindJournal = %v, %v; want the interrupted run", n, found, err)
			}
			if _, err := Undo(found, h); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, h); got != original {
				t.Errorf("crash at write %d (before=%v), after undo:\n%s\nwant:\n%s", n, before, got, original)
			}
		}
	}
}

func TestPlanOnlyAndDedupe(t *testing.T) {
	fs := findings()
	fs = append(fs, finding.Finding{ID: "os.dup", Status: finding.Fail, Actions: fs[0].Actions})
	plan, err := Plan(fs, []string{"os.schannel", "os.dup"}, broken())
	if err != nil || len(plan) != 1 || plan[0].Finding != "os.schannel" {
		t.Errorf("Plan(--only os.schannel,os.dup) = %+v, %v; want the one action once", plan, err)
	}
	if _, err := Plan(fs, nil, nil); err == nil || !strings.Contains(err.Error(), "Windows PC") {
		t.Errorf("Plan without a registry = %v; want it to say fix runs on Windows", err)
	}
}

func TestExportGolden(t *testing.T) {
	plan, err := Plan(findings(), nil, broken())
	if err != nil {
		t.Fatal(err)
	}
	var reg, undo, ps1 bytes.Buffer
	WriteReg(&reg, plan, false)
	WriteReg(&undo, plan, true)
	WritePS1(&ps1, plan)
	for name, got := range map[string][]byte{"fix.reg": reg.Bytes(), "fix-undo.reg": undo.Bytes(), "fix.ps1": ps1.Bytes()} {
		path := filepath.Join("testdata", name)
		if *update {
			os.WriteFile(path, got, 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file (run with -update if intended)", name)
		}
	}
	// The exported .reg files are real regedit files: the parser reads them.
	for _, b := range [][]byte{reg.Bytes(), undo.Bytes()} {
		h, err := winstate.ParseReg("export.reg", b, nil)
		if err != nil {
			t.Fatalf("exported .reg does not parse: %v", err)
		}
		if _, err := h.Value(tls12, "Enabled"); err != nil {
			t.Errorf("exported .reg lacks Enabled: %v", err)
		}
	}
}
