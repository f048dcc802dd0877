package fleet

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/intune"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// An Intune Remediations export, its columns named as Graph's properties
// or as words, each row's qadoctor line (post-remediation first) counted
// as that device's report; a row without one is listed, not dropped.
func TestSummarizeIntuneExport(t *testing.T) {
	broken := intune.Line("qadoctor 1.2.3 REMEDIATE schannel.tls12-on;", []finding.Finding{
		{ID: "os.schannel", Status: finding.Fail, Reason: "schannel-tls12-off"},
		{ID: "clock.offset", Status: finding.Warn, Reason: "clock-drift"}}, []string{"net.proxy"})
	fixed := intune.Line("qadoctor 1.2.3 remediated schannel.tls12-on (journal 20261125T184653Z-29bf63); RESTART NEEDED;", nil, nil)
	offline := intune.Line("qadoctor 1.2.2", []finding.Finding{{ID: "net.dns", Status: finding.Fail, Reason: "dns-none-resolve"}}, nil)
	dir := testpeer.TempDir(t)
	write := func(name string, header []string, rows [][]string) {
		var b strings.Builder
		b.WriteString("\uFEFF") // as exports often are
		w := csv.NewWriter(&b)
		w.Write(header)
		w.WriteAll(rows)
		os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644)
	}
	write("graph.csv", []string{"DeviceName", "PreRemediationDetectionScriptOutput", "PostRemediationDetectionScriptOutput"}, [][]string{
		{"PC-1", broken, fixed},      // remediated: the line after counts
		{"PC-2", offline, ""},        // detected only
		{"PC-3", "Script error", ""}, // not qadoctor's
	})
	write("portal.csv", []string{"Device name", "Pre-remediation detection output", "Post-remediation detection output"}, [][]string{
		{"PC-4", broken, ""},
	})
	write("other.csv", []string{"a", "b"}, [][]string{{"1", "2"}})
	s := New()
	if err := s.AddPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	if s.Reports != 3 || s.Status["pass"] != 1 || s.Status["fail"] != 2 || s.Status["warn"] != 0 {
		t.Errorf("reports %d, status %v; want 3: PC-1 compliant, PC-2 and PC-4 failing", s.Reports, s.Status)
	}
	if s.Causes["os.schannel: schannel-tls12-off"] != 1 || s.Causes["clock.offset: clock-drift"] != 1 || s.Causes["net.dns: dns-none-resolve"] != 1 {
		t.Errorf("causes %v", s.Causes)
	}
	if s.Verdicts["os.schannel: schannel-tls12-off"] != 1 || s.ToolVersions["1.2.3"] != 2 || s.ToolVersions["1.2.2"] != 1 {
		t.Errorf("verdicts %v, versions %v", s.Verdicts, s.ToolVersions)
	}
	if s.Unreadable != 2 {
		t.Errorf("unreadable %d (%v); want PC-3's row and other.csv", s.Unreadable, s.Skipped)
	}
	listed := ""
	for _, sk := range s.Skipped {
		listed += sk.Path + ": " + sk.Reason + "\n"
	}
	for _, want := range []string{"graph.csv row 4: no qadoctor line", "other.csv: not an Intune Remediations export"} {
		if !strings.Contains(listed, want) {
			t.Errorf("the unreadable list lacks %q:\n%s", want, listed)
		}
	}
}

// FuzzParseLine: any text is read as a line or refused, never a panic; a
// line intune.Line wrote reads back to its findings.
func FuzzParseLine(f *testing.F) {
	f.Add("qadoctor 1.2.3 FAIL os.schannel(schannel-tls12-off) | WARN clock.offset(clock-drift)")
	f.Add("qadoctor 1.2.3 REMEDIATE a.b; COMPLIANT | as SYSTEM: x")
	f.Add("qadoctor")
	f.Fuzz(func(t *testing.T, line string) {
		h, err := parseLine(line)
		if err == nil && h.status == "fail" && h.verdict == nil {
			t.Fatalf("a failing line without a verdict: %q", line)
		}
	})
}
