package fleet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// hostileEmpty is one report of n empty findings, {"findings":[{},{},…]}:
// a few bytes per finding, each once a slot in the summary's memory.
func hostileEmpty(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schema":"qadoctor.report/v1","status":"fail","findings":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("{}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// hostileIDs is report k of n failing findings, each with a check ID,
// so a cause, no other finding (of any k) has.
func hostileIDs(k, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schema":"qadoctor.report/v1","status":"fail","findings":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"x.c%d%07d","status":"fail","reason":"r%07d"}`, k, i, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// BenchmarkSummarizeHostile reads the reports issue 25 measured (a 15 MB
// report of five million empty findings; four 16 MB reports of 290,000
// distinct check IDs each), and 400 reports of 256 distinct check IDs
// each, and reports the bytes allocated (B/op) and the summary's size.
// Memory must follow the bounds, not what the files claim.
func BenchmarkSummarizeHostile(b *testing.B) {
	for _, bc := range []struct {
		name  string
		files func() [][]byte
	}{
		{"empty-findings", func() [][]byte { return [][]byte{hostileEmpty(5_000_000)} }},
		{"distinct-ids", func() [][]byte {
			var out [][]byte
			for k := range 4 {
				out = append(out, hostileIDs(k, 290_000))
			}
			return out
		}},
		// Reports each within MaxFindings, 400 × 256 distinct check IDs:
		// past MaxNames only together.
		{"distinct-ids-in-bounds", func() [][]byte {
			var out [][]byte
			for k := range 400 {
				out = append(out, hostileIDs(k, 256))
			}
			return out
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := testpeer.TempDir(b)
			for i, data := range bc.files() {
				if len(data) > MaxReportSize {
					b.Fatalf("a hostile report of %d bytes is past MaxReportSize: it would test the size cap instead", len(data))
				}
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%d.json", i)), data, 0o644); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			var out bytes.Buffer
			for b.Loop() {
				s := New()
				if err := s.AddPaths([]string{dir}); err != nil {
					b.Fatal(err)
				}
				out.Reset()
				if err := WriteText(&out, s, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "summary-bytes")
		})
	}
}

// A report is read up to MaxFindings findings and refused past them, as
// it is read: the findings kept, not the count the file claims, decide
// the memory. Strings the summary keeps are bounded, and a status is one
// of the five.
func TestParseReportBounds(t *testing.T) {
	withFinding := func(f string) []byte {
		return []byte(`{"schema":"qadoctor.report/v1","findings":[` + f + `]}`)
	}
	long := strings.Repeat("a", maxField+1)
	for _, tc := range []struct {
		name    string
		data    []byte
		kept    int    // findings read, accepted or not (the one refused among them)
		wantErr string // "" for accepted
	}{
		{"MaxFindings empty findings", hostileEmpty(MaxFindings), MaxFindings, ""},
		{"one more", hostileEmpty(MaxFindings + 1), MaxFindings, fmt.Sprintf("more than %d findings", MaxFindings)},
		{"five million", hostileEmpty(5_000_000), MaxFindings, fmt.Sprintf("more than %d findings", MaxFindings)},
		{"an ID of maxField bytes", withFinding(`{"id":"` + long[1:] + `"}`), 1, ""},
		{"an ID past maxField", withFinding(`{"id":"` + long + `"}`), 1, fmt.Sprintf("a finding's id is %d bytes long", maxField+1)},
		{"a reason past maxField", withFinding(`{"id":"a.b","status":"fail","reason":"` + long + `"}`), 1, "a finding's reason is"},
		{"a schema past maxField", []byte(`{"schema":"` + long + `"}`), 0, "schema is"},
		{"a status none has", withFinding(`{"id":"a.b","status":"bogus"}`), 1, `a finding's status: unknown status "bogus"`},
		{"no status", withFinding(`{"id":"a.b"}`), 1, ""},
		{"an escaped key", withFinding(`{"\u0069d":"a.b","st\u0061tus":"warn"}`), 1, ""},
	} {
		h, err := parseReport(tc.data)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: parseReport = %.200v; want it read", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: parseReport = %.200v; want an error saying %q", tc.name, err, tc.wantErr)
		}
		if len(h.findings) != tc.kept || cap(h.findings) > 2*MaxFindings {
			t.Errorf("%s: %d findings kept (room for %d); want %d, room for at most %d", tc.name, len(h.findings), cap(h.findings), tc.kept, 2*MaxFindings)
		}
	}
}

// Each table keeps MaxNames rows, the names that sort first, whatever
// order the reports come in; every row's count is exact, and what has no
// row is counted in Beyond, so nothing is dropped silently.
func TestSummaryTablesBound(t *testing.T) {
	const reports = 5 // of MaxFindings distinct failing checks each: past MaxNames
	var heads []reportHead
	for k := range reports {
		h := reportHead{status: "fail", toolVersion: fmt.Sprintf("1.%d", k), verdict: &struct{ id, reason string }{fmt.Sprintf("v.%d", k), "r"}}
		for i := range MaxFindings {
			h.findings = append(h.findings, findingHead{fmt.Sprintf("x.c%d%04d", k, i), "fail", "r"})
		}
		h.findings[0] = findingHead{"os.schannel", "fail", "schannel-tls12-off"} // on every machine
		heads = append(heads, h)
	}
	forward, backward := New(), New()
	for i := range heads {
		forward.count(heads[i])
		backward.count(heads[len(heads)-1-i])
	}
	var fw, bw bytes.Buffer
	WriteJSON(&fw, forward)
	WriteJSON(&bw, backward)
	if fw.String() != bw.String() {
		t.Errorf("the summary depends on the order reports come in:\n%+v\n%+v", forward.Beyond, backward.Beyond)
	}
	s := forward
	if len(s.Findings) != MaxNames || len(s.Causes) != MaxNames || len(s.names.findings) != MaxNames {
		t.Fatalf("%d check IDs and %d causes kept; want MaxNames (%d)", len(s.Findings), len(s.Causes), MaxNames)
	}
	// The rows are the first MaxNames of all names in sort order.
	var all []string
	for _, h := range heads {
		for _, f := range h.findings {
			all = append(all, f.id)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	if got, want := s.FindingIDs(), all[:MaxNames]; !slices.Equal(got, want) {
		t.Errorf("rows for %s … %s; want %s … %s", got[0], got[len(got)-1], want[0], want[len(want)-1])
	}
	if got, want := s.Beyond.Findings, len(all)-MaxNames; got != want {
		t.Errorf("Beyond.Findings = %d; want %d (one finding per name without a row)", got, want)
	}
	if s.Findings["os.schannel"]["fail"] != reports {
		t.Errorf("os.schannel failed on %d machines; want %d (a row's count is exact)", s.Findings["os.schannel"]["fail"], reports)
	}
	rows := 0
	for _, m := range s.Findings {
		rows += total(m)
	}
	if rows+s.Beyond.Findings != reports*MaxFindings {
		t.Errorf("%d findings in rows + %d beyond; want all %d", rows, s.Beyond.Findings, reports*MaxFindings)
	}
	if n := len(s.ToolVersions) + len(s.Verdicts); n != 2*reports || s.Beyond.ToolVersions+s.Beyond.Verdicts != 0 {
		t.Errorf("versions and verdicts: %d rows, %+v beyond; want %d rows, none beyond", n, s.Beyond, 2*reports)
	}
	// One version per machine, the last first: each new one takes the row
	// of the one sorting last.
	versions := New()
	for i := MaxNames + 10; i > 0; i-- {
		versions.count(reportHead{toolVersion: fmt.Sprintf("1.%05d", i)})
	}
	if n, first, beyond := len(versions.ToolVersions), versions.ToolVersions["1.00001"], versions.Beyond.ToolVersions; n != MaxNames || first != 1 || beyond != 10 {
		t.Errorf("%d tool versions kept (1.00001 on %d machines), %d beyond; want %d, 1 and 10", n, first, beyond, MaxNames)
	}
	var b bytes.Buffer
	if err := WriteText(&b, s, nil); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("… and %d more, under names past the %d per table", s.Beyond.Findings, MaxNames); !strings.Contains(b.String(), want) {
		t.Errorf("the text summary does not say %q", want)
	}
	if lines := strings.Count(b.String(), "\n"); lines > MaxNames+100 {
		t.Errorf("the text summary has %d lines; want its tables bounded", lines)
	}
}

// FuzzSkim: parseReport never panics on any file, and whatever it reads,
// accepted or not, stays within the bounds: at most MaxFindings findings,
// no string past maxField, a status of the five or none.
func FuzzSkim(f *testing.F) {
	real, err := os.ReadFile(filepath.Join("testdata", "diagnose-real-profile-offline.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real)                          // a real report
	f.Add(hostileEmpty(MaxFindings + 1)) // one finding too many
	f.Add([]byte(`{"schema":"qadoctor.report/v1","findings":[{"id":"` + strings.Repeat("x", maxField+1) + `"}]}`))
	f.Add([]byte(`{"schema":"qadoctor.report/v1","status":"nope","findings":null}`))
	f.Add([]byte(`{"findings":[{"i\u0064":"a.b"}],"findings":[{}]}`)) // a key escaped; findings twice
	f.Fuzz(func(t *testing.T, data []byte) {
		h, schema, _ := (&skim{data: data}).head()
		if len(h.findings) > MaxFindings || cap(h.findings) > 2*MaxFindings { // room as append grows it
			t.Fatalf("%d findings kept (room for %d); want at most %d", len(h.findings), cap(h.findings), MaxFindings)
		}
		kept := []string{schema, h.status, h.toolVersion, h.profileVersion}
		if h.verdict != nil {
			kept = append(kept, h.verdict.id, h.verdict.reason)
		}
		for _, f := range h.findings {
			kept = append(kept, f.id, f.reason, f.status)
			if f.status != "" && !slices.Contains(statuses, f.status) {
				t.Fatalf("status %q kept", f.status)
			}
		}
		for _, v := range kept {
			if len(v) > maxField {
				t.Fatalf("a string of %d bytes kept; want at most %d", len(v), maxField)
			}
		}
		parseReport(data)
	})
}

// A row of an Intune export is read within the bounds of what Intune
// keeps of an output; a reason quotes only a clip of what it refuses.
func TestIntuneLineBounds(t *testing.T) {
	huge := "qadoctor 1.2.3 FAIL " + strings.Repeat("x", 1<<20)
	many := "qadoctor 1.2.3 FAIL" + strings.Repeat(" a.b", MaxFindings+1)
	for _, tc := range []struct {
		name, line, wantErr string
	}{
		{"longer than Intune keeps", huge, "Intune keeps at most"},
		{"a version past maxField", "qadoctor " + strings.Repeat("1", maxField+1) + " COMPLIANT", "version is"},
		{"more checks than a report has", many, fmt.Sprintf("more than %d checks", MaxFindings)},
		{"a word not a check", "qadoctor 1.2.3 FAIL " + strings.Repeat("?", 2000), "is not a check"},
		{"neither COMPLIANT nor FAIL", "qadoctor 1.2.3 " + strings.Repeat("y", 2000), "without COMPLIANT or FAIL"},
	} {
		h, err := parseLine(tc.line)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: parseLine = %.200v; want an error saying %q", tc.name, err, tc.wantErr)
			continue
		}
		if len(err.Error()) > 200 {
			t.Errorf("%s: a reason of %d bytes; want a clip of the line", tc.name, len(err.Error()))
		}
		if len(h.findings) > MaxFindings {
			t.Errorf("%s: %d findings kept", tc.name, len(h.findings))
		}
	}
}

// An Intune export is passed on to the counter in batches as it is read,
// not held whole: no batch holds more than csvBatch devices, findings and
// rows.
func TestIntuneExportBatches(t *testing.T) {
	var b strings.Builder
	b.WriteString("Device name,Pre-remediation detection output\n")
	const devices = 5 * csvBatch
	for i := range devices {
		if i%7 == 0 {
			fmt.Fprintf(&b, "PC-%d,Script error\n", i)
		} else {
			fmt.Fprintf(&b, "PC-%d,qadoctor 1.2.3 FAIL os.schannel(schannel-tls12-off) | WARN clock.offset(clock-drift)\n", i)
		}
	}
	dir := testpeer.TempDir(t)
	path := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	results := make(chan parsed, 2*devices)
	sendCSV(path, results)
	close(results)
	s, batches := New(), 0
	for p := range results {
		batches++
		size := len(p.skips)
		for _, h := range p.heads {
			size += 1 + len(h.findings)
			s.count(h)
		}
		if size > csvBatch+MaxFindings {
			t.Errorf("a batch of %d devices, findings and rows; want at most %d", size, csvBatch+MaxFindings)
		}
		if p.err != nil {
			t.Fatal(p.err)
		}
		s.Unreadable += len(p.skips)
	}
	if s.Reports+s.Unreadable != devices || batches < 5 {
		t.Errorf("%d devices and %d rows unreadable in %d batches; want %d in all, in batches", s.Reports, s.Unreadable, batches, devices)
	}
}
