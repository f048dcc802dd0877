package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/fleet"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// writeSummarizeReport writes a report of the given findings ("id:status:reason").
func writeSummarizeReport(t *testing.T, path string, findings []string) {
	t.Helper()
	var fs []string
	for _, f := range findings {
		p := strings.SplitN(f, ":", 3)
		fs = append(fs, fmt.Sprintf(`{"id":%q,"status":%q,"reason":%q}`, p[0], p[1], p[2]))
	}
	data := `{"schema":"qadoctor.report/v1","status":"fail","tool":{"version":"1.2.3"},"findings":[` + strings.Join(fs, ",") + `]}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// summarize on reports past the bounds: a report of more findings than
// any has is listed as unreadable, with why; reports that name more
// checks together than a summary keeps rows for are summed up in "… and N
// more" lines, in the person's language, and in the JSON's "beyond".
func TestSummarizeHostileReports(t *testing.T) {
	dir := testpeer.TempDir(t)
	writeSummarizeReport(t, filepath.Join(dir, "real.json"), []string{"net.dns:fail:dns-nxdomain", "os.schannel:pass:"})
	var many []string
	for range fleet.MaxFindings + 1 {
		many = append(many, "x.y:pass:")
	}
	writeSummarizeReport(t, filepath.Join(dir, "too-many.json"), many)
	const distinct = 5 // reports of MaxFindings distinct checks each
	for k := range distinct {
		var fs []string
		for i := range fleet.MaxFindings {
			fs = append(fs, fmt.Sprintf("z.c%d%04d:fail:r", k, i))
		}
		writeSummarizeReport(t, filepath.Join(dir, fmt.Sprintf("distinct-%d.json", k)), fs)
	}
	beyond := distinct*fleet.MaxFindings - (fleet.MaxNames - 2) // net.dns and os.schannel sort first

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"text", nil, []string{
			"6 reports, 1 files unreadable",
			fmt.Sprintf("… and %d more, under names past the %d per table", beyond, fleet.MaxNames),
			fmt.Sprintf("too-many.json: not a report: more than %d findings", fleet.MaxFindings),
		}},
		{"Japanese", []string{"--lang", "ja"}, []string{
			fmt.Sprintf("… ほか %d 件 (集計は表ごとに名前順で最初の %d 個まで", beyond, fleet.MaxNames),
		}},
		{"html", []string{"--format", "html"}, []string{
			fmt.Sprintf("… and %d more, under names past the %d per table", beyond, fleet.MaxNames),
		}},
		{"csv", []string{"--format", "csv"}, []string{fmt.Sprintf("(other checks),any,%d", beyond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, gather.Env{}, append([]string{"summarize", dir}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit code %d; want 0\n%s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the summary lacks %q:\n%.3000s", w, out)
				}
			}
			if n := strings.Count(out, "\n"); n > 2*fleet.MaxNames+100 { // csv lists the checks and the causes
				t.Errorf("a summary of %d lines; want its tables bounded", n)
			}
		})
	}

	code, out, errOut := runCLI(t, gather.Env{}, "summarize", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit code %d; want 0\n%s", code, errOut)
	}
	var s fleet.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Reports != 1+distinct || s.Unreadable != 1 || len(s.Findings) != fleet.MaxNames || s.Beyond.Findings != beyond || s.Beyond.Causes == 0 {
		t.Errorf("JSON summary: %d reports, %d unreadable, %d check rows, beyond %+v; want %d, 1, %d, %d findings and some causes beyond",
			s.Reports, s.Unreadable, len(s.Findings), s.Beyond, 1+distinct, fleet.MaxNames, beyond)
	}
}
