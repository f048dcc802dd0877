package eventlog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The expected values below are written from ../shared/samples/evtx/SOURCES.md
// and its inventory/, which python-evtx 0.6.1 produced; python-evtx turns
// a FILETIME into seconds through a float64 and so is off by up to about
// 2.5 µs (a float64 of 1.3e17 units of 100 ns, then of 1.3e10 s, then
// rounded to the µs), which the time checks allow.

const pythonEvtxSlack = 3 * time.Microsecond

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

func near(a, b time.Time) bool {
	d := a.Sub(b)
	return d <= pythonEvtxSlack && d >= -pythonEvtxSlack
}

// codes counts the kept records by their row's code.
func codes(t *testing.T, recs []facts.EventRecord) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range recs {
		row, ok := Lookup(r)
		if !ok {
			t.Errorf("kept a record no row takes: %+v", r)
			continue
		}
		out[row.Code] += r.N()
	}
	return out
}

func sumN(recs []facts.EventRecord) int {
	n := 0
	for _, r := range recs {
		n += r.N()
	}
	return n
}

// checkFolded checks what folding promises: no record spans more than
// FoldSpan, and of two alike records next in time, the later starts past
// FoldGap after the earlier ends, or folding them would pass FoldSpan.
func checkFolded(t *testing.T, recs []facts.EventRecord) {
	t.Helper()
	for i, r := range recs {
		if r.End().Sub(r.Time) > FoldSpan || r.Count < 0 {
			t.Errorf("record %d spans %v to %v (%d)", i, r.Time, r.End(), r.Count)
		}
		for _, o := range recs[i+1:] {
			if !r.Alike(o) {
				continue
			}
			if o.Time.Sub(r.End()) <= FoldGap && o.End().Sub(r.Time) <= FoldSpan {
				t.Errorf("records alike not folded: %+v and %+v", r, o)
			}
			break // the next alike one in time
		}
	}
}

// dcSystem is the DC's System log read whole, once for the tests that
// share it (a read takes about a second).
var dcSystem = sync.OnceValues(func() (facts.LogRead, []facts.EventRecord) {
	dir, err := testpeer.SamplesDir()
	if err != nil {
		return facts.LogRead{State: err.Error()}, nil
	}
	return ReadFile(context.Background(), filepath.Join(dir, "evtx", "StolenSzechuan-DC01_System.evtx"), Window{}, Limits{MaxKept: 1 << 20, noFold: true})
})

func TestReadFileSamples(t *testing.T) {
	all := Limits{MaxKept: 1 << 20, noFold: true}
	week := Window{Since: utc("2020-09-13 00:00:00"), Until: utc("2020-09-20 00:00:00")}
	for _, tc := range []struct {
		name    string
		file    string
		w       Window
		lim     Limits
		state   string
		scanned int
		codes   map[string]int
	}{
		// Every Schannel record lies beyond the header's chunk count.
		{"DC System, all", "StolenSzechuan-DC01_System.evtx", Window{}, all, facts.ReadOK, 60189,
			map[string]int{"schannel-no-common-cipher": 29205, "schannel-fatal-alert-sent": 29205}},
		{"DC System, a week around the Schannel minute", "StolenSzechuan-DC01_System.evtx", week, all, facts.ReadOK, 60189,
			map[string]int{"schannel-no-common-cipher": 29205, "schannel-fatal-alert-sent": 29205}},
		// As qadoctor reads it: each storm is one record.
		{"DC System, folded", "StolenSzechuan-DC01_System.evtx", week, Limits{}, facts.ReadOK, 60189,
			map[string]int{"schannel-no-common-cipher": 29205, "schannel-fatal-alert-sent": 29205}},
		{"DC System, the minute after", "StolenSzechuan-DC01_System.evtx", Window{Since: utc("2020-09-19 03:20:27")}, all, facts.ReadOK, 60189,
			map[string]int{}},
		{"DC System, the week before", "StolenSzechuan-DC01_System.evtx", Window{Until: utc("2020-09-19 03:19:26")}, all, facts.ReadOK, 60189,
			map[string]int{}},
		// A normal Windows 11 System log: nothing that matters.
		{"Win11 System", "DFIRArtifactMuseum-Win11_System.evtx", Window{}, all, facts.ReadOK, 1077, map[string]int{}},
		// Its one Application Error 1000 is spoolsv.exe's.
		{"DC Application", "StolenSzechuan-DC01_Application.evtx", Window{}, all, facts.ReadOK, 733, map[string]int{}},
		// Its 15 errors are for Photos and Office Hub, not Quick Assist.
		{"Win11 AppX", "DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx", Window{}, all, facts.ReadOK, 3632, map[string]int{}},
		// Its 102 × 5058 are the IIS Express certificate's key.
		{"Security", "omerbenamram-samples_security.evtx", Window{}, all, facts.ReadOK, 2261, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lr facts.LogRead
			var recs []facts.EventRecord
			if tc.file == "StolenSzechuan-DC01_System.evtx" && tc.w == (Window{}) && tc.lim == all {
				sampleFile(t, tc.file) // fails, saying where it looked, when the samples are missing
				lr, recs = dcSystem()
				lr.Channel, lr.File = "", ""
			} else {
				lr, recs = ReadFile(t.Context(), sampleFile(t, tc.file), tc.w, tc.lim)
			}
			if lr.State != tc.state || lr.Scanned != tc.scanned || lr.Kept != len(recs) {
				t.Errorf("ReadFile = %+v; want %s, %d scanned", lr, tc.state, tc.scanned)
			}
			if got := codes(t, recs); !mapsEqual(got, tc.codes) {
				t.Errorf("kept %v; want %v", got, tc.codes)
			}
			checkRecords(t, recs, tc.lim.withDefaults(), tc.w)
			if !tc.lim.noFold {
				checkFolded(t, recs)
			}
		})
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkRecords checks what every kept record must be.
func checkRecords(t *testing.T, recs []facts.EventRecord, lim Limits, w Window) {
	t.Helper()
	for i, r := range recs {
		if r.Time.Location() != time.UTC || !w.in(r.Time) {
			t.Errorf("record %d: time %v; want UTC, in %+v", i, r.Time, w)
		}
		if i > 0 && r.Time.Before(recs[i-1].Time) {
			t.Errorf("record %d at %v after one at %v: want oldest first", i, r.Time, recs[i-1].Time)
		}
		if len(r.Data) > lim.MaxFields {
			t.Errorf("record %d: %d values", i, len(r.Data))
		}
		for _, s := range append([]string{r.Channel, r.Provider}, dataStrings(r)...) {
			if !validCut(s, lim.MaxString) {
				t.Errorf("record %d: %q is not valid UTF-8 within %d bytes", i, s, lim.MaxString)
			}
		}
		row, ok := Lookup(r)
		if !ok {
			t.Errorf("record %d: no row takes %+v", i, r)
			continue
		}
		for _, d := range r.Data {
			if !slices.ContainsFunc(row.Fields, func(f Field) bool { return f.Name == d.Name }) {
				t.Errorf("record %d: kept %q, which row %s does not list", i, d.Name, row.Code)
			}
		}
	}
}

func dataStrings(r facts.EventRecord) []string {
	var out []string
	for _, d := range r.Data {
		out = append(out, d.Name, d.Value)
	}
	return out
}

// TestReadFileSchannel checks the DC's Schannel records one by one
// against SOURCES.md: pairs of 36874 (Protocol TLS 1.2) at n and 36888
// (AlertDesc 40, ErrorState 1205) at n+1, the same time, from 1730/1731 at
// 03:19:26.299562 to 60138/60139 at 03:20:26.000502.
func TestReadFileSchannel(t *testing.T) {
	sampleFile(t, "StolenSzechuan-DC01_System.evtx")
	lr, recs := dcSystem()
	if lr.Kept != 58410 {
		t.Fatalf("kept %d; want 58410", lr.Kept)
	}
	first, last := recs[0], recs[len(recs)-1]
	if first.RecordID != 1730 || !near(first.Time, utc("2020-09-19 03:19:26.299562")) {
		t.Errorf("first = %d at %v; want 1730 at 03:19:26.299562", first.RecordID, first.Time)
	}
	if last.RecordID != 60139 || !near(last.Time, utc("2020-09-19 03:20:26.000502")) {
		t.Errorf("last = %d at %v; want 60139 at 03:20:26.000502", last.RecordID, last.Time)
	}
	for i := 0; i+1 < len(recs); i += 2 {
		a, b := recs[i], recs[i+1]
		if a.EventID != 36874 || b.EventID != 36888 || b.RecordID != a.RecordID+1 || !a.Time.Equal(b.Time) {
			t.Fatalf("records %d, %d = %d/%d (%d, %d); want a 36874/36888 pair", i, i+1, a.RecordID, b.RecordID, a.EventID, b.EventID)
		}
		want := []facts.EventData{{Name: "Protocol", Value: "TLS 1.2"}}
		if !slices.Equal(a.Data, want) {
			t.Fatalf("%d: %v; want %v", a.RecordID, a.Data, want)
		}
		want = []facts.EventData{{Name: "AlertDesc", Value: "40"}, {Name: "ErrorState", Value: "1205"}}
		if !slices.Equal(b.Data, want) || a.Level != 2 || a.Provider != "Schannel" || a.Channel != "System" {
			t.Fatalf("%d: %+v; want %v, level 2, Schannel, System", b.RecordID, b, want)
		}
		if row, _ := Lookup(b); row.Code != "schannel-fatal-alert-sent" || row.Leg != leg.Screen {
			t.Fatalf("Lookup(%d) = %s %s", b.RecordID, row.Code, row.Leg)
		}
	}
}

// TestReadFileLimits: over MaxKept the newest are kept and the state says
// truncated; the chunks left are older and not read.
func TestReadFileLimits(t *testing.T) {
	path := sampleFile(t, "StolenSzechuan-DC01_System.evtx")
	lr, recs := ReadFile(t.Context(), path, Window{}, Limits{MaxKept: 10, noFold: true})
	if lr.State != facts.ReadTruncated || len(recs) != 10 || lr.Kept != 10 || lr.Error == "" {
		t.Fatalf("ReadFile(MaxKept 10) = %+v, %d records; want truncated, 10", lr, len(recs))
	}
	if recs[9].RecordID != 60139 || recs[0].RecordID != 60130 {
		t.Errorf("kept %d..%d; want the newest, 60130..60139", recs[0].RecordID, recs[9].RecordID)
	}
	lr, recs = ReadFile(t.Context(), path, Window{}, Limits{MaxScanned: 1000})
	if lr.State != facts.ReadTruncated || lr.Scanned >= 2000 {
		t.Errorf("ReadFile(MaxScanned 1000) = %+v; want truncated after about 1000", lr)
	}
	lr, _ = ReadFile(t.Context(), path, Window{}, Limits{MaxFileSize: 4096 + 10*chunkSize})
	if lr.State != facts.ReadTruncated || lr.Scanned != 1675 {
		t.Errorf("ReadFile(10 chunks) = %+v; want truncated, records 1..1675", lr)
	}
	if l := (Limits{MaxString: 1, MaxFields: 1}).withDefaults(); l.MaxString != 64 || l.MaxFields != 4 {
		t.Errorf("Limits{MaxString: 1, MaxFields: 1} = %+v; want the least, 64 and 4", l)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	lr, recs = ReadFile(ctx, path, Window{}, Limits{})
	if lr.State != facts.ReadTruncated || len(recs) != 0 {
		t.Errorf("ReadFile(cancelled) = %+v; want truncated, nothing", lr)
	}
	lr, _ = ReadFile(t.Context(), path+".missing", Window{}, Limits{})
	if lr.State != facts.ReadAbsent {
		t.Errorf("ReadFile(missing) = %+v; want absent", lr)
	}
}

// allEvents reads every record of a sample the way readEVTX does, before
// the table: for the tests that check what the table turns down.
func allEvents(t *testing.T, name string) []event {
	t.Helper()
	var out []event
	for _, c := range sampleChunks(t, name) {
		v := checkChunk(c)
		recs, err := parseChunk(c, v.records)
		if err != nil || v.defect != "" {
			t.Fatalf("%s: %v %s", name, err, v.defect)
		}
		for _, r := range recs {
			if e, ok := fromLibrary(r, maxRawValues); ok {
				out = append(out, e)
			}
		}
	}
	return out
}

// TestNegativesAreRead checks the sample records the table turns down are
// read, and turned down by their values only: the same record with Quick
// Assist's values is kept, with only the row's fields.
func TestNegativesAreRead(t *testing.T) {
	t.Run("spoolsv.exe 1000", func(t *testing.T) {
		var found []event
		for _, e := range allEvents(t, "StolenSzechuan-DC01_Application.evtx") {
			if e.Provider == "Application Error" && e.EventID == 1000 {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Fatalf("found %d Application Error 1000; want 1", len(found))
		}
		e := found[0]
		// SOURCES.md lists 15 strings, the last two empty; the library
		// drops trailing empty strings of a string array.
		want := []string{"spoolsv.exe", "6.3.9600.16384", "5215d570", "unknown", "0.0.0.0", "00000000", "c0000005",
			"0000006e4418ed80", "4ec", "01d68e2367ca609d", `C:\Windows\System32\spoolsv.exe`, "unknown", "56b7eab8-fa28-11ea-80bf-000c29e184e6"}
		if !slices.Equal(e.Pos, want) || e.RecordID != 709 || e.Level != 2 || !near(e.Time, utc("2020-09-19 03:29:35")) {
			t.Fatalf("the 1000 = %+v; want %v, record 709, level 2, 03:29:35", e, want)
		}
		if _, ok := match(rows, &e); ok {
			t.Errorf("spoolsv.exe's crash was taken")
		}
		e.Pos[0] = "QUICKASSIST.EXE" // the app name is compared ignoring case
		row, ok := match(rows, &e)
		if !ok || row.Code != "app-crash-quickassist" {
			t.Fatalf("Quick Assist's crash: row %v, %v", row, ok)
		}
		got := keep(row, &e, Limits{}.withDefaults()).Data
		wantData := []facts.EventData{{Name: "AppName", Value: "QUICKASSIST.EXE"}, {Name: "AppVersion", Value: "6.3.9600.16384"},
			{Name: "ModuleName", Value: "unknown"}, {Name: "ExceptionCode", Value: "c0000005"}}
		if !slices.Equal(got, wantData) {
			t.Errorf("kept %v; want %v", got, wantData)
		}
	})
	t.Run("Photos AppX errors", func(t *testing.T) {
		var errs []event
		for _, e := range allEvents(t, "DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx") {
			if e.Level == 2 {
				errs = append(errs, e)
			}
		}
		if len(errs) != 15 { // 404 ×4, 401 ×3, 419 ×3, 543 ×2, 403, 465, 497
			t.Fatalf("found %d errors; want 15", len(errs))
		}
		for _, e := range errs {
			if e.Provider != "Microsoft-Windows-AppXDeployment-Server" || e.Channel != chanAppX {
				t.Errorf("%d: provider %q channel %q", e.EventID, e.Provider, e.Channel)
			}
			if _, ok := match(rows, &e); ok {
				t.Errorf("%d (%v) was taken", e.EventID, e.Named)
			}
		}
		e := errs[slices.IndexFunc(errs, func(e event) bool { return e.EventID == 401 })]
		for i, n := range e.Named {
			if n.Name == "PackageFullName" {
				e.Named[i].Value = "MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe"
			}
		}
		row, ok := match(rows, &e)
		if !ok || row.Code != "appx-quickassist-error" {
			t.Fatalf("Quick Assist's 401: row %v, %v", row, ok)
		}
		got := keep(row, &e, Limits{}.withDefaults()).Data
		want := []facts.EventData{{Name: "ErrorCode", Value: "0x80073d02"}, {Name: "PackageFullName", Value: "MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe"}}
		if !slices.Equal(got, want) {
			t.Errorf("kept %v; want %v", got, want)
		}
	})
	t.Run("IIS Express 5058", func(t *testing.T) {
		var found []event
		for _, e := range allEvents(t, "omerbenamram-samples_security.evtx") {
			if e.EventID == 5058 {
				found = append(found, e)
			}
		}
		if len(found) != 102 {
			t.Fatalf("found %d × 5058; want 102", len(found))
		}
		for _, e := range found {
			key, _ := e.get(Field{Name: "KeyName"})
			if key != "IIS Express Development Certificate Container" || e.Level != 0 {
				t.Errorf("5058 %d: KeyName %q level %d", e.RecordID, key, e.Level)
			}
			if _, ok := match(rows, &e); ok {
				t.Errorf("5058 %d was taken", e.RecordID)
			}
		}
		e := found[0]
		for i, n := range e.Named {
			if n.Name == "KeyName" {
				e.Named[i].Value = "Desktop Sharing"
			}
		}
		row, ok := match(rows, &e)
		if !ok || row.Code != "desktop-sharing-key" {
			t.Fatalf("Desktop Sharing's 5058: row %v, %v", row, ok)
		}
		got := keep(row, &e, Limits{}.withDefaults()).Data
		want := []facts.EventData{{Name: "KeyName", Value: "Desktop Sharing"}, {Name: "Operation", Value: "%%2458"}, {Name: "ReturnCode", Value: "0x0"}}
		if !slices.Equal(got, want) {
			t.Errorf("kept %v; want %v (no subject, no key file path)", got, want)
		}
	})
}

// everything is a table whose one row takes every record of a channel,
// for the tests of order and completeness.
func everything(channel string) []Row {
	return []Row{{Code: "all", Channel: channel, Fields: []Field{{Name: "ErrorCode", Hex: true}}}}
}

// TestReadWrappedLog reads the wrapped AppX log whole: its chunks start
// at record 4371 and end at 4370 in file order; the records come out
// oldest first, from 3226 at 19:16:27.979637 to the newest at
// 03:55:14.339516 (by time: the record IDs, 3226..6857, are not quite in
// time order).
func TestReadWrappedLog(t *testing.T) {
	name := "DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx"
	var fileOrder []uint64
	for _, e := range allEvents(t, name) {
		fileOrder = append(fileOrder, e.RecordID)
	}
	if fileOrder[0] != 4371 || fileOrder[len(fileOrder)-1] != 4370 || slices.IsSorted(fileOrder) {
		t.Fatalf("file order %d..%d; want 4371..4370, not sorted", fileOrder[0], fileOrder[len(fileOrder)-1])
	}
	b, err := os.ReadFile(sampleFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	lr, recs := readEVTX(t.Context(), name, bytes.NewReader(b), int64(len(b)), Window{}, Limits{MaxKept: 1 << 20, noFold: true},
		facts.LogRead{}, everything(chanAppX))
	if lr.State != facts.ReadOK || len(recs) != 3632 {
		t.Fatalf("read %+v, %d records; want 3632", lr, len(recs))
	}
	ids := map[uint64]bool{}
	for _, r := range recs {
		ids[r.RecordID] = true
	}
	if len(ids) != 3632 || !ids[3226] || !ids[6857] {
		t.Errorf("read %d distinct records; want 3226..6857", len(ids))
	}
	if recs[0].RecordID != 3226 || !near(recs[0].Time, utc("2022-02-05 19:16:27.979637")) || !near(recs[3631].Time, utc("2022-02-13 03:55:14.339516")) {
		t.Errorf("read %d at %v .. %d at %v; want 3226 at 19:16:27.979637 .. 03:55:14.339516",
			recs[0].RecordID, recs[0].Time, recs[3631].RecordID, recs[3631].Time)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Time.Before(recs[i-1].Time) {
			t.Fatalf("record %d (%v) before %d (%v)", recs[i].RecordID, recs[i].Time, recs[i-1].RecordID, recs[i-1].Time)
		}
	}
	// MaxKept keeps the newest, wrapped or not.
	_, newest := readEVTX(t.Context(), name, bytes.NewReader(b), int64(len(b)), Window{}, Limits{MaxKept: 3, noFold: true}, facts.LogRead{}, everything(chanAppX))
	if !reflect.DeepEqual(newest, recs[3629:]) {
		t.Errorf("MaxKept 3 kept %v; want %v", newest, recs[3629:])
	}
}

// TestReadSecurity5058 reads the 102 × 5058 through a table that takes
// them all: 919..1121 (odd and even with the 5061s), 00:44:06.060192 to
// 00:44:07.228256.
func TestReadSecurity5058(t *testing.T) {
	name := "omerbenamram-samples_security.evtx"
	b, err := os.ReadFile(sampleFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	table := []Row{{Code: "5058", Channel: "Security", EventIDs: []int{5058}, Fields: []Field{{Name: "KeyName"}, {Name: "ReturnCode", Hex: true}}}}
	_, recs := readEVTX(t.Context(), name, bytes.NewReader(b), int64(len(b)), Window{}, Limits{noFold: true}, facts.LogRead{}, table)
	if len(recs) != 102 || recs[0].RecordID < 919 || recs[101].RecordID > 1121 ||
		!near(recs[0].Time, utc("2016-07-16 00:44:06.060192")) || !near(recs[101].Time, utc("2016-07-16 00:44:07.228256")) {
		t.Fatalf("read %d: %+v .. %+v", len(recs), recs[0], recs[len(recs)-1])
	}
	want := []facts.EventData{{Name: "KeyName", Value: "IIS Express Development Certificate Container"}, {Name: "ReturnCode", Value: "0x0"}}
	for _, r := range recs {
		if !slices.Equal(r.Data, want) {
			t.Fatalf("%d: %v; want %v", r.RecordID, r.Data, want)
		}
	}
}
