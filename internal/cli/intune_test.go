package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func TestIntuneDetect(t *testing.T) {
	b := newFixBench(t) // TLS 1.2 off
	code, out, errOut := b.run(t, false, "", "intune", "detect", "--only", "os.schannel,os.version", "--timeout", "2s")
	if code != ExitFailed || !strings.Contains(out, "FAIL os.schannel(schannel-tls12-off)") || strings.Count(out, "\n") != 1 {
		t.Errorf("detect on a broken PC: exit %d, %q %q; want 1 and one line naming os.schannel", code, out, errOut)
	}
	b.hive.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(1))
	code, out, _ = b.run(t, false, "", "intune", "detect", "--only", "os.schannel", "--timeout", "2s")
	if code != ExitOK || !strings.Contains(out, "COMPLIANT") {
		t.Errorf("detect on a compliant PC: exit %d, %q; want 0 and COMPLIANT", code, out)
	}
}

func TestIntuneRemediate(t *testing.T) {
	b := newFixBench(t)
	args := []string{"intune", "remediate", "--only", "os.schannel", "--journal", b.journal, "--timeout", "2s"}

	// Nothing approved: a usage error, nothing changed.
	if code, _, errOut := b.run(t, false, "", args...); code != ExitUsage || !strings.Contains(errOut, "--allow") || b.enabled(t) != "0" {
		t.Errorf("remediate without --allow: exit %d, %q, Enabled %s", code, errOut, b.enabled(t))
	}
	// Approved for another finding only: this one stays broken.
	if code, out, _ := b.run(t, false, "", append(args, "--allow", "os.winhttp")...); code != ExitFailed || b.enabled(t) != "0" || !strings.Contains(out, "FAIL os.schannel") {
		t.Errorf("remediate --allow os.winhttp: exit %d, %q, Enabled %s; want 1 and no change", code, out, b.enabled(t))
	}
	// Approved: repaired without a prompt (no terminal here), journaled.
	code, out, errOut := b.run(t, false, "", append(args, "--allow", "os.schannel")...)
	if code != ExitOK || b.enabled(t) != "1" || !strings.Contains(out, "remediated schannel.tls12-on") || !strings.Contains(out, "COMPLIANT") {
		t.Errorf("remediate --allow os.schannel: exit %d, %q %q, Enabled %s", code, out, errOut, b.enabled(t))
	}
	if code, out, _ := b.run(t, false, "", "undo", "--journal", b.journal); code != ExitOK || !strings.Contains(out, "Restored 2") {
		t.Errorf("undo after remediate: exit %d, %q", code, out)
	}
}

func TestSummarizeCommand(t *testing.T) {
	dir := testpeer.TempDir(t)
	b := newFixBench(t)
	for i, extra := range []string{"", "bad"} {
		code, out, _ := b.run(t, false, "", "diagnose", "--json", "--only", "os.schannel", "--timeout", "2s")
		if code != ExitFailed {
			t.Fatalf("diagnose: exit %d", code)
		}
		if extra != "" {
			out = out[:len(out)/2] // a report cut off in transit
		}
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("pc%d.json", i)), []byte(out), 0o644)
	}
	code, out, errOut := runCLI(t, gather.Env{}, "summarize", dir)
	if code != ExitOK || !strings.Contains(out, "1 reports, 1 files unreadable") || !strings.Contains(out, "os.schannel: schannel-tls12-off") {
		t.Errorf("summarize: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, gather.Env{}, "summarize", filepath.Join(dir, "missing")); code != ExitUsage || !strings.Contains(errOut, "missing") {
		t.Errorf("summarize of a missing folder: exit %d, %q", code, errOut)
	}
	if code, _, _ := runCLI(t, gather.Env{}, "summarize", dir, "--format", "pdf"); code != ExitUsage {
		t.Errorf("summarize --format pdf: exit %d; want %d", code, ExitUsage)
	}
}
