package sessionread

import (
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
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
