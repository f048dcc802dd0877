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

// Detection exits 1 only when the approved repairs can change something:
// a failure no approved repair can fix is named with exit 0, so Intune
// does not run a remediation that cannot help; --strict is the old rule.
func TestIntuneDetect(t *testing.T) {
	b := newFixBench(t) // TLS 1.2 off
	detect := []string{"intune", "detect", "--only", "os.schannel,os.version", "--timeout", "2s"}
	tests := []struct {
		name  string
		extra []string
		code  int
		says  string
	}{
		{"every repair allowed", nil, ExitFailed, "REMEDIATE schannel.tls12-on; FAIL os.schannel(schannel-tls12-off)"},
		{"the repair approved", []string{"--allow", "os.schannel"}, ExitFailed, "REMEDIATE schannel.tls12-on"},
		{"another repair approved", []string{"--allow", "os.winhttp"}, ExitOK, "FAIL os.schannel(schannel-tls12-off)"},
		{"another repair approved, strict", []string{"--allow", "os.winhttp", "--strict"}, ExitFailed, "FAIL os.schannel"},
	}
	for _, tt := range tests {
		code, out, errOut := b.run(t, false, "", append(detect, tt.extra...)...)
		if code != tt.code || !strings.Contains(out, tt.says) || strings.Count(out, "\n") != 1 {
			t.Errorf("%s: exit %d, %q %q; want %d and one line with %q", tt.name, code, out, errOut, tt.code, tt.says)
		}
		if tt.name == "another repair approved" && strings.Contains(out, "REMEDIATE") {
			t.Errorf("%s: %q names a remediation that is not approved", tt.name, out)
		}
	}
	b.hive.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "Enabled", winstate.DWORDValue(1))
	b.hive.Set(winstate.KeySchannelProtocols+`\TLS 1.2\Client`, "DisabledByDefault", winstate.DWORDValue(0))
	code, out, _ := b.run(t, false, "", "intune", "detect", "--only", "os.schannel", "--timeout", "2s")
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
	// Approved for another finding only: this one stays broken, and is
	// named, but the approved remediation had nothing to do: success.
	if code, out, _ := b.run(t, false, "", append(args, "--allow", "os.winhttp")...); code != ExitOK || b.enabled(t) != "0" || !strings.Contains(out, "FAIL os.schannel") {
		t.Errorf("remediate --allow os.winhttp: exit %d, %q, Enabled %s; want 0, no change, os.schannel named", code, out, b.enabled(t))
	}
	// Approved: repaired without a prompt (no terminal here), journaled;
	// SCHANNEL takes it at the next start, which the line says.
	code, out, errOut := b.run(t, false, "", append(args, "--allow", "os.schannel")...)
	if code != ExitOK || b.enabled(t) != "1" || !strings.Contains(out, "remediated schannel.tls12-on") || !strings.Contains(out, "RESTART NEEDED") || !strings.Contains(out, "COMPLIANT") {
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
