package eventlog

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// FuzzReadFile feeds ReadEVTX crafted files. An input that starts with
// the file magic is a whole file; any other is chunks put behind a file
// header. The seeds are chunks of the real samples (read at test time:
// the project keeps no copy), chunks the builder writes, and the hostile
// chunks of hostile_test.go.
//
// Run it for minutes with:
//
//	go test -run XXX -fuzz FuzzReadFile -fuzztime 10m ./internal/eventlog
func FuzzReadFile(f *testing.F) {
	for _, name := range []string{"StolenSzechuan-DC01_System.evtx", "DFIRArtifactMuseum-Win11_System.evtx",
		"StolenSzechuan-DC01_Application.evtx", "DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx",
		"omerbenamram-samples_security.evtx"} {
		chunks := sampleChunks(f, name)
		for _, i := range []int{0, len(chunks) / 2, len(chunks) - 1} {
			f.Add(chunks[i])
		}
	}
	c := newChunk()
	c.add(schannel36887(1, t0, 40))
	c.add(ev{provider: "Application Error", channel: "Application", id: 1000, level: 2, time: t0, recordID: 2,
		names: []string{"AppName", "AppVersion"}, values: []arg{argString("QuickAssist.exe"), argString("2.0.32.0")}})
	c.add(ev{provider: "Microsoft-Windows-Security-Auditing", channel: "Security", id: 5058, time: t0, recordID: 3,
		names: []string{"KeyName", "Operation", "ReturnCode"}, values: []arg{argString("Desktop Sharing"), argString("%%2458"), argHex32(0)}})
	f.Add(c.bytes())
	f.Add(fileOf(c.bytes()))
	for _, h := range hostileChunks {
		b := h.chunk()
		copy(b[0x100:], utf16le("Schannel")) // so the pre-filter lets it through
		f.Add(b)
	}
	lim := Limits{MaxKept: 3}
	f.Fuzz(func(t *testing.T, data []byte) {
		file := data
		if !bytes.HasPrefix(data, []byte(fileHeaderMagic)) {
			file = append(fileOf(), data...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		lr, recs := ReadEVTX(ctx, "fuzz.evtx", bytes.NewReader(file), int64(len(file)), Window{}, lim)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("ReadEVTX took %v", d)
		}
		checkFuzzed(t, lr, recs, lim.withDefaults())
	})
}

// checkFuzzed checks what a read must give whatever the input.
func checkFuzzed(t *testing.T, lr facts.LogRead, recs []facts.EventRecord, lim Limits) {
	t.Helper()
	states := []string{facts.ReadOK, facts.ReadTruncated, facts.ReadCorrupt, facts.ReadError}
	if !slices.Contains(states, lr.State) {
		t.Fatalf("state %q", lr.State)
	}
	if lr.State != facts.ReadOK && !strings.Contains(lr.Error, "fuzz.evtx") {
		t.Errorf("error %q does not name the file", lr.Error)
	}
	if strings.Contains(lr.Error, "parser failed") {
		t.Errorf("the evtx library panicked behind the guard: %s", lr.Error)
	}
	if len(recs) > lim.MaxKept || lr.Kept != len(recs) {
		t.Errorf("kept %d (LogRead says %d); limit %d", len(recs), lr.Kept, lim.MaxKept)
	}
	if n := sumN(recs); n > lr.Matched {
		t.Errorf("the kept records stand for %d; %d matched", n, lr.Matched)
	}
	checkFolded(t, recs)
	for _, r := range recs {
		if r.Time.Location() != time.UTC {
			t.Errorf("time %v not UTC", r.Time)
		}
		if len(r.Data) > lim.MaxFields {
			t.Errorf("%d values", len(r.Data))
		}
		for _, s := range append([]string{r.Channel, r.Provider}, dataStrings(r)...) {
			if !validCut(s, lim.MaxString) {
				t.Errorf("%q: not valid UTF-8 within %d bytes", s, lim.MaxString)
			}
		}
		row, ok := Lookup(r)
		if !ok {
			t.Errorf("kept a record no row takes: %+v", r)
			continue
		}
		for _, d := range r.Data {
			if !slices.ContainsFunc(row.Fields, func(f Field) bool { return f.Name == d.Name }) {
				t.Errorf("kept %q, which row %s does not list", d.Name, row.Code)
			}
		}
	}
}

// FuzzParseEventXML feeds the live reader's XML parser: it must not
// panic, must keep its bounds, and what it keeps must pass the same checks.
func FuzzParseEventXML(f *testing.F) {
	for _, s := range []string{ms5058, crashClassic, crashNamed, userData, alertXML(7, t0, 48)} {
		f.Add([]byte(s))
	}
	lim := Limits{}.withDefaults()
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseEventXML(b)
		if err != nil {
			return
		}
		if len(e.Named)+len(e.Pos) > maxRawValues {
			t.Errorf("%d values", len(e.Named)+len(e.Pos))
		}
		row, ok := match(rows, &e)
		if !ok {
			return
		}
		r := keep(row, &e, lim)
		checkFuzzed(t, facts.LogRead{State: facts.ReadOK, Matched: 1, Kept: 1}, []facts.EventRecord{r}, lim)
	})
}

// FuzzChunk feeds one chunk straight to the guard and the library, with
// no pre-filter (which passes few of the real chunks to them), and reads
// every record the guard passes as a table that takes all records would.
// It fails if the library panics behind the guard, or a chunk takes long.
//
//	go test -run XXX -fuzz FuzzChunk -fuzztime 10m ./internal/eventlog
func FuzzChunk(f *testing.F) {
	for _, name := range []string{"StolenSzechuan-DC01_System.evtx", "DFIRArtifactMuseum-Win11_System.evtx",
		"StolenSzechuan-DC01_Application.evtx", "DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx",
		"omerbenamram-samples_security.evtx"} {
		chunks := sampleChunks(f, name)
		for _, i := range []int{0, len(chunks) / 3, 2 * len(chunks) / 3, len(chunks) - 1} {
			f.Add(chunks[i])
		}
	}
	for _, h := range hostileChunks {
		f.Add(h.chunk())
	}
	lim := Limits{}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		b := make([]byte, chunkSize)
		copy(b, data)
		copy(b, chunkMagic)
		start := time.Now()
		v := checkChunk(b)
		recs, err := parseChunk(b, v.records)
		if err != nil {
			t.Fatalf("the library failed behind the guard: %v", err)
		}
		// The library drops a record whose number is 2^63 or more (it
		// compares it as an int); it never reads more than it is given.
		if len(recs) > v.records {
			t.Errorf("the library read %d records; the guard passed %d", len(recs), v.records)
		}
		for _, rec := range recs {
			e, ok := fromLibrary(rec, maxRawValues)
			if !ok {
				continue
			}
			if len(e.Named)+len(e.Pos) > maxRawValues {
				t.Errorf("%d values", len(e.Named)+len(e.Pos))
			}
			row := &Row{Code: "all", Channel: e.Channel, Fields: []Field{{Name: "a", Pos: 1}, {Name: "b", Pos: 2, Hex: true}}}
			r := keep(row, &e, lim)
			for _, s := range append([]string{r.Provider}, dataStrings(r)...) {
				if !validCut(s, lim.MaxString) {
					t.Errorf("%q: not valid UTF-8 within %d bytes", s, lim.MaxString)
				}
			}
			if r.Time.Location() != time.UTC {
				t.Errorf("time %v not UTC", r.Time)
			}
		}
		// The budget holds a chunk to about 50 ms; the bound leaves room
		// for a machine busy with other work.
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("one chunk took %v (guard cost %d)", d, v.cost)
		}
	})
}
