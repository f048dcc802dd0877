package sessionread

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/history"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\bob.CONTOSO\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`: `%LOCALAPPDATA%\Temp\QuickAssist\EBWebView\Default\History`,
		`D:\Profiles\x\TEMP\QuickAssist\EBWebView\Default\History`:                      `%LOCALAPPDATA%\TEMP\QuickAssist\EBWebView\Default\History`,
		`C:\elsewhere\History`: `History`,
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMergeDropsCopies: a log given twice, or a snapshot beside the files
// it was made from, counts each visit and record once.
func TestMergeDropsCopies(t *testing.T) {
	at := time.Date(2020, 9, 19, 3, 20, 26, 0, time.UTC)
	one := facts.Sessions{State: facts.SessionsRead, Since: at.Add(-time.Hour), Until: at,
		History: facts.HistoryRead{State: facts.ReadOK, Path: "History"},
		Visits:  []facts.Visit{{Time: at, Host: "h", Path: "/"}},
		Records: []facts.EventRecord{{Time: at, Channel: "System", Provider: "Schannel", EventID: 36888, RecordID: 7}, {Time: at, Channel: "System", Provider: "Schannel", EventID: 36874, RecordID: 6}}}
	m := Merge(one, one)
	if len(m.Visits) != 1 || len(m.Records) != 2 {
		t.Errorf("merged %d visits, %d records; want 1 and 2", len(m.Visits), len(m.Records))
	}
}

// TestMergeDropsUnwritableTimes: a record a damaged .evtx dates past 9999
// is left out, so the JSON report can still be written.
func TestMergeDropsUnwritableTimes(t *testing.T) {
	at := time.Date(2020, 9, 19, 3, 20, 26, 0, time.UTC)
	s := facts.Sessions{State: facts.SessionsRead, Records: []facts.EventRecord{{Time: at, RecordID: 1}, {Time: time.Date(30827, 10, 24, 0, 0, 0, 0, time.UTC), RecordID: 2}}}
	if m := Merge(s, facts.Sessions{State: facts.SessionsRead}); len(m.Records) != 1 || m.Records[0].RecordID != 1 {
		t.Errorf("records %+v", m.Records)
	}
}

// TestFilesWindow: off the PC the window counts back from the newest page
// on record, a snapshot's included, not from the log's newest record: the
// sample DC's Schannel storm (2020-09-19 03:19:26 to 03:20:26) lies in the
// window of a session at its end, and outside that of a session a week
// later, however new the log itself is.
func TestFilesWindow(t *testing.T) {
	system := filepath.Join(testpeer.Samples(t, "evtx"), "StolenSzechuan-DC01_System.evtx")
	any := func(string) bool { return true }
	storm := time.Date(2020, 9, 19, 3, 20, 26, 0, time.UTC)
	page := func(at time.Time) []facts.Visit {
		return []facts.Visit{{Time: at, Host: "remoteassistance.support.services.microsoft.com", Path: "/"}}
	}
	for _, tc := range []struct {
		name    string
		known   []facts.Visit
		since   time.Duration
		records int
	}{
		{"no page: the log's newest record", nil, 0, 29205 * 2},
		{"a page at the storm, 30 minutes back", page(storm), 30 * time.Minute, 29205 * 2},
		{"a page a week later, 2 hours back", page(storm.Add(7 * 24 * time.Hour)), 2 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Files(t.Context(), nil, []string{system}, tc.since, any, tc.known)
			n := 0
			for _, r := range s.Records {
				n += r.N()
			}
			if n != tc.records {
				t.Errorf("records in %v..%v stand for %d; want %d", s.Since, s.Until, n, tc.records)
			}
		})
	}
}

// TestMergeHistoryKeepsTheGoodRead: one corrupt History beside one read
// whole is read, and names the corrupt one's error, in either order.
func TestMergeHistoryKeepsTheGoodRead(t *testing.T) {
	good := facts.HistoryRead{State: facts.ReadOK, Path: "a/History", Rows: 10, Kept: 3}
	bad := facts.HistoryRead{State: facts.ReadCorrupt, Path: "b/History", Error: "b/History: not a database"}
	for _, m := range []facts.HistoryRead{mergeHistory(good, bad), mergeHistory(bad, good)} {
		if m.State != facts.ReadOK || m.Kept != 3 || !strings.Contains(m.Error, "b/History: not a database") {
			t.Errorf("merged %+v", m)
		}
	}
}

// TestWindowHoldsTheLastSession: a --since shorter than the last session
// still holds all of it, from a minute before its first page.
func TestWindowHoldsTheLastSession(t *testing.T) {
	at := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	host := "remoteassistance.support.services.microsoft.com"
	visits := []facts.Visit{{Time: at, Host: host, Path: "/"}, {Time: at.Add(3 * time.Minute), Host: host, Path: "/screenshare"}, {Time: at.Add(4*time.Minute + 40*time.Second), Host: host, Path: "/status/ended"}}
	from, until := windowOf(visits, time.Minute)
	if want := at.Add(-time.Minute); !from.Equal(want) || !until.Equal(visits[2].Time.Add(After)) {
		t.Errorf("window %v..%v; want %v..%v", from, until, want, visits[2].Time.Add(After))
	}
	// Live: run at 10:30 with --since 5m, a session shared from 10:21 to
	// 10:26; the window holds it from 10:20, its first page a minute before.
	run := visits[0].Time.Add(15 * time.Minute)
	if got := liveSince(visits, run.Add(-14*time.Minute), run); !got.Equal(at.Add(-time.Minute)) {
		t.Errorf("live window from %v; want %v", got, at.Add(-time.Minute))
	}
	if got := liveSince(visits, run.Add(time.Hour), run.Add(2*time.Hour)); !got.Equal(run.Add(time.Hour)) {
		t.Errorf("no page in the live window: from %v; want since", got)
	}
	if from, until := windowOf(nil, time.Hour); !from.IsZero() || !until.IsZero() {
		t.Errorf("no page: window %v..%v; want none", from, until)
	}
}

// TestSanitize: what no reader writes is mended.
func TestSanitize(t *testing.T) {
	at := time.Date(2026, 11, 1, 3, 15, 0, 0, time.UTC)
	s := facts.Sessions{History: facts.HistoryRead{Rows: -1, Kept: 1<<63 - 1}, Logs: []facts.LogRead{{Scanned: -100, Matched: -1, Kept: -1}},
		Records: []facts.EventRecord{{Time: at, Count: -7, Last: at.Add(-time.Hour)}, {Time: at, Count: 1 << 40}}}
	Sanitize(&s)
	if s.History.Rows != 0 || s.History.Kept != history.DefaultMaxRows || s.Logs[0] != (facts.LogRead{}) || s.Records[0].Count != 0 || !s.Records[0].Last.IsZero() || s.Records[1].Count > 1<<31 {
		t.Errorf("sanitized %+v", s)
	}
}

// TestMergeCountsRecordsOnce: a snapshot's folded storm and the same log
// read again over another window fold their records from different first
// ones; the two overlap and stand for the same records, counted once.
func TestMergeCountsRecordsOnce(t *testing.T) {
	at := time.Date(2020, 9, 19, 3, 19, 26, 0, time.UTC)
	alert := func(from time.Duration, n int) facts.EventRecord {
		return facts.EventRecord{Time: at.Add(from), Last: at.Add(time.Minute), Count: n, Channel: "System", Provider: "Schannel", EventID: 36888, Level: 2,
			Data: []facts.EventData{{Name: "AlertDesc", Value: "40"}}}
	}
	other := alert(0, 5)
	other.EventID = 36874
	later := alert(time.Hour, 3)
	later.Last = at.Add(time.Hour + time.Minute)
	snap := facts.Sessions{State: facts.SessionsRead, Records: []facts.EventRecord{alert(0, 29205), other, later}}
	files := facts.Sessions{State: facts.SessionsRead, Records: []facts.EventRecord{alert(4*time.Second, 26241)}}
	m := Merge(snap, files)
	n := map[int]int{}
	for _, r := range m.Records {
		n[r.EventID] += r.N()
	}
	if n[36888] != 29205+3 || n[36874] != 5 || len(m.Records) != 3 {
		t.Errorf("merged %+v; want 29,205 + 3 alerts and 5 others", m.Records)
	}
}

// TestMergeKeepsTheLongerRead: two reads of one storm that start at the
// same record (a snapshot cut short, the whole log) are one record with
// the whole log's count and span, whichever comes first.
func TestMergeKeepsTheLongerRead(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	alert := func(n int, last time.Duration) facts.EventRecord {
		return facts.EventRecord{Time: at, Last: at.Add(last), Count: n, Channel: "System", Provider: "Schannel", EventID: 36888, Level: 2, RecordID: 7,
			Data: []facts.EventData{{Name: "AlertDesc", Value: "40"}}}
	}
	short, whole := facts.Sessions{State: facts.SessionsRead, Records: []facts.EventRecord{alert(120, 12*time.Minute)}},
		facts.Sessions{State: facts.SessionsRead, Records: []facts.EventRecord{alert(300, 15*time.Minute)}}
	for _, m := range []facts.Sessions{Merge(short, whole), Merge(whole, short)} {
		if len(m.Records) != 1 || m.Records[0].N() != 300 || !m.Records[0].End().Equal(at.Add(15*time.Minute)) {
			t.Errorf("merged %+v; want one record of 300 to 10:15", m.Records)
		}
	}
}

// TestMergeVisitsOnce: a snapshot's visit without Start (an older
// qadoctor) and the same visit from the History with it are one visit.
func TestMergeVisitsOnce(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	v := facts.Visit{Time: at, Host: "h", Path: "/", ID: 3}
	withStart := v
	withStart.Start = true
	m := Merge(facts.Sessions{State: facts.SessionsRead, Visits: []facts.Visit{v}}, facts.Sessions{State: facts.SessionsRead, Visits: []facts.Visit{withStart}})
	if len(m.Visits) != 1 || !m.Visits[0].Start {
		t.Errorf("merged %+v; want one visit, Start kept", m.Visits)
	}
	// A snapshot from before visits had IDs.
	noID := v
	noID.ID = 0
	m = Merge(facts.Sessions{State: facts.SessionsRead, Visits: []facts.Visit{noID}}, facts.Sessions{State: facts.SessionsRead, Visits: []facts.Visit{withStart}})
	if len(m.Visits) != 1 || m.Visits[0].ID != 3 || !m.Visits[0].Start {
		t.Errorf("merged %+v; want one visit with the History's ID and Start", m.Visits)
	}
}
