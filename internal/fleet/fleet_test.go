package fleet

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/report"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// writeReports writes n reports into dir: every third fails TLS 1.2 in
// SCHANNEL, every fifth has a clock off, the rest pass.
func writeReports(tb testing.TB, dir string, n int) {
	tb.Helper()
	for i := range n {
		r := report.Report{Schema: report.Schema, Tool: report.Tool{Name: "qadoctor", Version: "1.0." + fmt.Sprint(i%2)}, Status: finding.Pass}
		r.Profile.Version = "2026.11.1"
		fs := []finding.Finding{{ID: "os.schannel", Status: finding.Pass}, {ID: "clock.offset", Status: finding.Pass}}
		if i%3 == 0 {
			fs[0] = finding.Finding{ID: "os.schannel", Status: finding.Fail, Reason: "schannel-tls12-off"}
			r.Status = finding.Fail
			r.Verdict = &report.Verdict{ID: "os.schannel", Reason: "schannel-tls12-off"}
		}
		if i%5 == 0 {
			fs[1] = finding.Finding{ID: "clock.offset", Status: finding.Warn, Reason: "clock-drift"}
		}
		r.Findings = fs
		data, _ := json.Marshal(r)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("pc-%06d.json", i)), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestSummarize(t *testing.T) {
	dir := testpeer.TempDir(t)
	writeReports(t, dir, 30)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{not json"), 0o644)
	os.WriteFile(filepath.Join(dir, "other.json"), []byte(`{"schema":"something/v1"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored: not .json"), 0o644)

	s := New()
	if err := s.AddPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	if s.Reports != 30 || s.Unreadable != 2 || len(s.Skipped) != 2 {
		t.Fatalf("reports %d, unreadable %d (%v); want 30 and 2", s.Reports, s.Unreadable, s.Skipped)
	}
	if got := s.Findings["os.schannel"]["fail"]; got != 10 {
		t.Errorf("os.schannel fail on %d machines; want 10", got)
	}
	if got := s.Causes["clock.offset: clock-drift"]; got != 6 {
		t.Errorf("clock drift on %d machines; want 6", got)
	}
	if top := Top(s.Verdicts); len(top) != 1 || top[0].Name != "os.schannel: schannel-tls12-off" || top[0].Count != 10 {
		t.Errorf("top verdicts = %v", top)
	}
	if s.ToolVersions["1.0.0"] != 15 || s.ProfileVersions["2026.11.1"] != 30 {
		t.Errorf("versions = %v %v", s.ToolVersions, s.ProfileVersions)
	}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"text": func(b *bytes.Buffer) error { return WriteText(b, s, nil) },
		"csv":  func(b *bytes.Buffer) error { return WriteCSV(b, s) },
		"json": func(b *bytes.Buffer) error { return WriteJSON(b, s) },
		"html": func(b *bytes.Buffer) error { return WriteHTML(b, s, nil) },
		"text in Japanese": func(b *bytes.Buffer) error {
			err := WriteText(b, s, i18n.New(i18n.Japanese))
			if !strings.Contains(b.String(), "マシンごとの最も可能性の高い原因:") {
				t.Errorf("Japanese text summary:\n%s", b)
			}
			return err
		},
		"html in Japanese": func(b *bytes.Buffer) error {
			err := WriteHTML(b, s, i18n.New(i18n.Japanese))
			if !strings.Contains(b.String(), `lang="ja"`) || !strings.Contains(b.String(), "全体の集計") {
				t.Errorf("Japanese HTML summary lacks its language:\n%s", b)
			}
			return err
		},
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil || !strings.Contains(b.String(), "os.schannel") {
			t.Errorf("%s: %v, output lacks os.schannel", name, err)
		}
		if strings.HasPrefix(name, "text") && !strings.Contains(b.String(), "broken.json: not JSON") {
			t.Errorf("text output should list the unreadable files:\n%s", b.String())
		}
		if strings.HasPrefix(name, "html") && (strings.Contains(b.String(), "<script") || strings.Contains(b.String(), "http://") || strings.Contains(b.String(), "https://")) {
			t.Errorf("html must be self-contained")
		}
	}
}

// stdHead is what encoding/json reads of a valid report: the reference
// FuzzAdd holds the fast reader to.
type stdHead struct {
	Schema  string                   `json:"schema"`
	Tool    struct{ Version string } `json:"tool"`
	Profile struct{ Version string } `json:"profile"`
	Status  string                   `json:"status"`
	Verdict *struct {
		ID     string `json:"id"`
		Reason string `json:"reason"`
	} `json:"verdict"`
	Findings []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"findings"`
}

// foldedKeys reports a key that matches a report field only ignoring case
// ("stAtus"), or a field twice: encoding/json takes those, the report
// schema does not, so the two readers need not agree on such a file.
func foldedKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	seen := map[string]int{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		k, ok := tok.(string)
		if !ok {
			continue
		}
		for _, f := range []string{"schema", "tool", "version", "profile", "status", "verdict", "id", "reason", "findings"} {
			if strings.EqualFold(k, f) && k != f {
				return true
			}
		}
		if seen[k]++; seen[k] > 1 && k == "findings" {
			return true
		}
	}
}

// A report cut short, with data after it, or with fields of the wrong
// type is refused, not counted.
func TestAddRefusesBrokenReports(t *testing.T) {
	good := `{"schema":"qadoctor.report/v1","status":"fail","findings":[{"id":"net.dns","status":"fail","reason":"dns-nxdomain","evidence":[{"subject":"x"}]}]}`
	if err := New().Add(strings.NewReader(good)); err != nil {
		t.Fatalf("Add(good) = %v", err)
	}
	for _, bad := range []string{good[:len(good)-3] + "}", good + `{"x":1}`, strings.Replace(good, `"id":"net.dns"`, `"id":1`, 1),
		strings.Replace(good, `"findings":[`, `"findings":{"a":[`, 1), `[]`, ``, `{"schema":"qadoctor.report/v1"`} {
		if err := New().Add(strings.NewReader(bad)); err == nil {
			t.Errorf("Add(%q) = nil; want it refused", bad)
		}
	}
}

// FuzzAdd: a report file with any content is counted or refused, never a
// panic; and a valid JSON report is counted exactly as encoding/json
// reads it.
func FuzzAdd(f *testing.F) {
	f.Add([]byte(`{"schema":"qadoctor.report/v1","status":"fail","findings":[{"id":"net.dns","status":"fail","reason":"dns-nxdomain"}]}`))
	f.Add([]byte(`{"schema":"qadoctor.report/v1","findings":[{"id":1}]}`))
	f.Add([]byte(`{"schema":"qadoctor.report/v1","verdict":{"id":"a","reason":"b"},"tool":{"version":"1"},"findings":[{"id":"x","status":"warn","reason":"r","evidence":[{"a":"}"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New()
		err := s.Add(bytes.NewReader(data))
		if err == nil && s.Reports != 1 {
			t.Fatalf("accepted without counting")
		}
		var ref stdHead
		if err != nil || !json.Valid(data) || foldedKeys(data) || json.Unmarshal(data, &ref) != nil {
			return
		}
		want := New()
		want.count(reportHead{toolVersion: ref.Tool.Version, profileVersion: ref.Profile.Version, status: ref.Status})
		if ref.Verdict != nil {
			want.Verdicts[ref.Verdict.ID+": "+cmp.Or(ref.Verdict.Reason, "(none)")]++
		}
		for _, f := range ref.Findings {
			want.count(reportHead{findings: []findingHead{{f.ID, f.Status, f.Reason}}})
		}
		if !reflect.DeepEqual(s.Findings, want.Findings) || !reflect.DeepEqual(s.Causes, want.Causes) || !reflect.DeepEqual(s.Verdicts, want.Verdicts) {
			t.Fatalf("counted %v %v %v; encoding/json reads %v %v %v", s.Findings, s.Causes, s.Verdicts, want.Findings, want.Causes, want.Verdicts)
		}
	})
}

// writeRealSizedReports writes n reports as diagnose --json writes them:
// testdata/diagnose-real-profile-offline.json is one, of the built-in
// profile's 16 endpoints on this project's offline machines (54 KB; on a
// network, with certificate chains, reports reach 60 to 90 KB). They are
// hard links to one file: the disk holds one report, the reader reads n.
func writeRealSizedReports(tb testing.TB, dir string, n int) {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "diagnose-real-profile-offline.json"))
	if err != nil {
		tb.Fatal(err)
	}
	first := filepath.Join(dir, "pc-000000.json")
	if err := os.WriteFile(first, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	for i := 1; i < n; i++ {
		name := filepath.Join(dir, fmt.Sprintf("pc-%06d.json", i))
		if err := os.Link(first, name); err != nil {
			if err := os.WriteFile(name, data, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	tb.Logf("%d reports of %d bytes", n, len(data))
}

// BenchmarkSummarize100k reads 100,000 reports and reports the peak heap
// while doing so ("peak-heap-MiB") and the time per report. Run by
// scripts/bench; the figures go in the log, never into an assertion.
func BenchmarkSummarize100k(b *testing.B) {
	const n = 100_000
	dir := testpeer.TempDir(b)
	writeRealSizedReports(b, dir, n)
	for b.Loop() {
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		s := New()
		start := time.Now()
		if err := s.AddPaths([]string{dir}); err != nil || s.Reports != n {
			b.Fatalf("read %d reports: %v", s.Reports, err)
		}
		elapsed := time.Since(start)
		close(stop)
		<-done
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(elapsed.Microseconds())/n, "µs/report")
	}
}

// In every table of the fleet page a number and its column's header share
// one alignment: a right-aligned number never sits under a left-aligned
// header, where it reads as the next column's.
func TestFleetHTMLAlignment(t *testing.T) {
	dir := testpeer.TempDir(t)
	writeReports(t, dir, 6)
	s := New()
	if err := s.AddPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, s, nil); err != nil {
		t.Fatal(err)
	}
	cell := regexp.MustCompile(`<t([hd])( class="n")?>`)
	for i, table := range strings.Split(b.String(), "<table>")[1:] {
		table = table[:strings.Index(table, "</table>")]
		var header []bool
		for r, row := range strings.Split(table, "<tr>")[1:] {
			var numeric []bool
			for _, m := range cell.FindAllStringSubmatch(row, -1) {
				numeric = append(numeric, m[2] != "")
			}
			if r == 0 {
				header = numeric
				continue
			}
			if !reflect.DeepEqual(numeric, header) {
				t.Errorf("table %d row %d: numeric cells %v under headers %v", i+1, r, numeric, header)
			}
		}
	}
}
