package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// The record shapes below are the ones the eventlog reader keeps from the
// real samples in ../shared/samples/evtx (SOURCES.md): Schannel 36888 with
// AlertDesc 40, Application Error 1000 with its positional strings named.
var (
	t0 = time.Date(2026, 12, 5, 14, 3, 7, 0, time.UTC)
	at = func(d time.Duration) time.Time { return t0.Add(d) }
)

const raHost = "remoteassistance.support.services.microsoft.com"

func visit(d time.Duration, path string) facts.Visit {
	return facts.Visit{Time: at(d), Host: raHost, Path: path}
}

func schannelAlert(d time.Duration, id int, alert string) facts.EventRecord {
	return facts.EventRecord{Time: at(d), Channel: "System", Provider: "Schannel", EventID: id, Level: 2,
		Data: []facts.EventData{{Name: "AlertDesc", Value: alert}, {Name: "ErrorState", Value: "1205"}}}
}

// storm is n Schannel 36887 records folded from d to last.
func storm(d, last time.Duration, n int) facts.EventRecord {
	r := schannelAlert(d, 36887, "40")
	r.Count, r.Last = n, at(last)
	return r
}

func crash(d time.Duration, app string) facts.EventRecord {
	return facts.EventRecord{Time: at(d), Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2,
		Data: []facts.EventData{{Name: "AppName", Value: app}, {Name: "AppVersion", Value: "2.0.35.0"}, {Name: "ModuleName", Value: "ntdll.dll"}, {Name: "ExceptionCode", Value: "c0000005"}}}
}

func readSessions(visits []facts.Visit, records ...facts.EventRecord) facts.Sessions {
	return facts.Sessions{State: facts.SessionsRead, Source: "files", Since: at(-7 * 24 * time.Hour), Until: at(time.Hour),
		History: facts.HistoryRead{State: facts.ReadOK, Path: "History", Rows: len(visits) + 3, Kept: len(visits)},
		Logs:    []facts.LogRead{{Channel: "System", File: "System.evtx", State: facts.ReadOK, Scanned: 1000, Kept: len(records)}},
		Visits:  visits, Records: records}
}

// sharedThenEnded is a session that opened, reached sharing 33 s later and
// showed the end screen 4 s after that.
var sharedThenEnded = []facts.Visit{visit(0, "/"), visit(33*time.Second, "/screenshare"), visit(37*time.Second, "/status/ended")}

func TestJudgeLastSession(t *testing.T) {
	tests := []struct {
		name    string
		s       facts.Sessions
		status  finding.Status
		reason  string
		summary []string
	}{
		{"not read", facts.Sessions{State: facts.SessionsNotSelected}, finding.Skip, "", []string{"not read"}},
		{"off Windows", facts.Sessions{State: facts.SessionsUnavailable, Why: facts.WhyNotWindows}, finding.Skip, "", []string{"Not Windows"}},
		{"no session, no record", readSessions(nil), finding.Skip, "", []string{"No Quick Assist session is on record since 2026-11-28 14:03 UTC"}},
		{"schannel at the end of sharing", readSessions(sharedThenEnded, schannelAlert(37*time.Second, 36888, "40")), finding.Fail, "last-session-schannel",
			[]string{"got as far as screen sharing", "ended 4 s after sharing started (end screen /status/ended)", "Schannel 36888 (AlertDesc=40, ErrorState=1205) at 2026-12-05 14:03:44 UTC, in the same second as the end screen"}},
		{"schannel 3 s before the end screen", readSessions(sharedThenEnded, schannelAlert(34*time.Second, 36887, "48")), finding.Fail, "last-session-schannel",
			[]string{"Schannel 36887 (AlertDesc=48, ErrorState=1205) at 2026-12-05 14:03:41 UTC, 1 s after sharing started"}},
		{"Quick Assist crashed before sharing", readSessions([]facts.Visit{visit(0, "/")}, crash(20*time.Second, "QuickAssist.exe")), finding.Fail, "last-session-app-crash",
			[]string{"got as far as opening Quick Assist", "has no end screen on record", "Application Error 1000 (AppName=QuickAssist.exe"}},
		{"another app's crash is not kept", readSessions(sharedThenEnded, crash(37*time.Second, "spoolsv.exe")), finding.Warn, "last-session-ended-at-sharing",
			[]string{"Windows logged nothing that explains it"}},
		{"ended at sharing without a record", readSessions(sharedThenEnded), finding.Warn, "last-session-ended-at-sharing", []string{"ended 4 s after sharing started"}},
		{"ended before sharing", readSessions([]facts.Visit{visit(0, "/"), visit(90*time.Second, "/status/ended")}), finding.Warn, "last-session-ended-before-sharing",
			[]string{"ended 1 min 30 s after its first page (end screen /status/ended), before screen sharing started"}},
		{"a long session", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(45*time.Minute, "/status/ended")}), finding.Pass, "",
			[]string{"ended 44 min after sharing started"}},
		{"a record a day before the session is not tied to it", readSessions(sharedThenEnded, schannelAlert(-24*time.Hour, 36888, "40")), finding.Warn, "last-session-ended-at-sharing", nil},
		{"records with no History", readSessions(nil, schannelAlert(0, 36888, "40")), finding.Warn, "windows-logged-schannel",
			[]string{"No Quick Assist session is on record", "Windows logged Schannel 36888"}},
		// SCHANNEL carries the screen leg only: a session that never reached
		// sharing did not fail there.
		{"schannel in a session that never reached sharing", readSessions([]facts.Visit{visit(0, "/"), visit(20*time.Second, "/status/ended")}, schannelAlert(19*time.Second, 36888, "40")),
			finding.Warn, "last-session-ended-before-sharing", []string{"before screen sharing started", "Windows also logged Schannel 36888", "which this session never reached"}},
		// A storm the reader folded says its count, first and last.
		{"a storm of one alert", readSessions(sharedThenEnded, func() facts.EventRecord {
			r := schannelAlert(35*time.Second, 36888, "40")
			r.Count, r.Last = 29205, at(37*time.Second)
			return r
		}()), finding.Fail, "last-session-schannel",
			[]string{"29205 times from 2026-12-05 14:03:42 UTC to 14:03:44 UTC, the first 2 s after sharing started"}},
		{"a window with no start", facts.Sessions{State: facts.SessionsRead, History: facts.HistoryRead{State: facts.ReadOK}}, finding.Skip, "",
			[]string{"No Quick Assist session is on record: "}},
		// Quick Assist opened again after the failed session, and nothing
		// after its first page: the failed session is judged, and the
		// opening said.
		// A failure of Windows' TLS comes as the screen leg connects: one
		// long after sharing started, in a session that had no end screen
		// or ended well after it, did not end that session.
		{"schannel long after the last page", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(39*time.Minute, "/screenshare")},
			schannelAlert(78*time.Minute, 36888, "40")), finding.Pass, "", []string{"not when the screen leg connected", "not what ended the session"}},
		{"schannel in the middle of a long session", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(41*time.Minute, "/status/ended")},
			schannelAlert(20*time.Minute, 36888, "40")), finding.Pass, "", []string{"not what ended the session"}},
		// A storm's whole span counts: reconnections failing until Quick
		// Assist gives up, the last 2 s before the end screen.
		{"a storm running up to the end screen", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(20*time.Minute, "/status/ended")},
			storm(16*time.Minute, 19*time.Minute+58*time.Second, 120)), finding.Fail, "last-session-schannel", []string{"120 times"}},
		// Every start of sharing counts: a retry in the app.
		{"a storm at the first of two sharings", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(2*time.Minute, "/code"), visit(3*time.Minute, "/screenshare")},
			storm(time.Minute+5*time.Second, 2*time.Minute+43*time.Second, 50)), finding.Fail, "last-session-schannel", nil},
		// Windows logs the TLS failure before Quick Assist shows its end
		// screen: errors after it did not end the session.
		{"schannel after the end screen", readSessions(sharedThenEnded, storm(47*time.Second, time.Minute, 30)), finding.Warn, "last-session-ended-at-sharing",
			[]string{"not what ended the session"}},
		// Another program's storm, going on before the session and long
		// after its end screen: not the session's failure.
		{"a storm around a healthy session", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(40*time.Minute, "/status/ended")},
			storm(-2*time.Hour, 2*time.Hour, 5000)), finding.Pass, "", []string{"not what ended the session"}},
		{"a storm that stops as the session starts", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(40*time.Minute, "/status/ended")},
			storm(-30*time.Minute, 30*time.Second, 900)), finding.Pass, "", nil},
		// A crash any time in a session that shared and never ended ended it.
		{"a crash during sharing with no later page", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare")}, crash(30*time.Minute, "QuickAssist.exe")),
			finding.Fail, "last-session-app-crash", []string{"Application Error 1000"}},
		{"an opening with nothing after does not hide the session before", readSessions(append([]facts.Visit{visit(-2*time.Hour, "/"), visit(-2*time.Hour+time.Minute, "/screenshare"), visit(-2*time.Hour+2*time.Minute, "/status/ended")}, visit(10*time.Second, "/")),
			schannelAlert(-2*time.Hour+2*time.Minute, 36888, "40")), finding.Fail, "last-session-schannel", []string{"Quick Assist was opened again at 2026-12-05 14:03:17 UTC"}},
		{"the newest session that did something decides", readSessions(append([]facts.Visit{visit(-2*time.Hour, "/"), visit(-2*time.Hour+time.Minute, "/screenshare"), visit(-2*time.Hour+2*time.Minute, "/status/ended")},
			visit(10*time.Second, "/"), visit(40*time.Second, "/screenshare"), visit(45*time.Minute, "/status/ended")),
			schannelAlert(-2*time.Hour+2*time.Minute, 36888, "40")), finding.Pass, "", []string{"got as far as screen sharing"}},
		// Retried in the app with no end screen between: sharing counts
		// from the last start before the end screen.
		{"sharing counts from its last start", readSessions([]facts.Visit{visit(0, "/"), visit(time.Minute, "/screenshare"), visit(59*time.Minute, "/"), visit(time.Hour, "/screenshare"), visit(time.Hour+20*time.Second, "/status/ended")}),
			finding.Warn, "last-session-ended-at-sharing", []string{"ended 20 s after sharing started"}},
	}
	tr := i18n.New(i18n.English)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &facts.Facts{Sessions: tc.s}
			fd := judgeLastSession(f, tr)
			if fd.Status != tc.status || fd.Reason != tc.reason {
				t.Fatalf("got %s %q (%s), want %s %q", fd.Status, fd.Reason, fd.Summary, tc.status, tc.reason)
			}
			for _, want := range tc.summary {
				if !strings.Contains(fd.Summary, want) {
					t.Errorf("summary %q lacks %q", fd.Summary, want)
				}
			}
			ja := judgeLastSession(f, i18n.New(i18n.Japanese))
			if ja.Status != fd.Status || ja.Reason != fd.Reason {
				t.Errorf("Japanese: %s %q", ja.Status, ja.Reason)
			}
		})
	}
}

// TestRecordBacksVerdict: with the record of the failure, the verdict is
// the check whose cause would have written it, not the first broken step
// of the chain; with today's checks clean, the record itself is the
// verdict and says so.
func TestRecordBacksVerdict(t *testing.T) {
	tr := i18n.New(i18n.English)
	tls12off := machine(set(schannel12, "Enabled", winstate.DWORDValue(0)), set(schannel12, "DisabledByDefault", winstate.DWORDValue(1)),
		set(winstate.KeyFIPS, "Enabled", winstate.DWORDValue(1)))
	judgeAll := func(h *winstate.Hive, s facts.Sessions) ([]finding.Finding, *finding.Finding) {
		f := &facts.Facts{System: winstate.Collect(h, "live", "", nil), Sessions: s}
		var sel []Check
		for _, c := range All() {
			if !c.Live {
				sel = append(sel, c)
			}
		}
		fs := Judge(f, sel, tr)
		return fs, Verdict(fs, "")
	}
	byID := func(fs []finding.Finding, id string) finding.Finding {
		for _, f := range fs {
			if f.ID == id {
				return f
			}
		}
		t.Fatalf("no %s", id)
		return finding.Finding{}
	}

	fs, v := judgeAll(tls12off, readSessions(sharedThenEnded, schannelAlert(37*time.Second, 36888, "40")))
	if v == nil || v.ID != "os.schannel" || v.Record == "" {
		t.Fatalf("verdict %+v, want os.schannel backed by the record", v)
	}
	if v.Leg != leg.Screen || v.Step != leg.Sharing {
		t.Errorf("verdict leg/step %s/%s", v.Leg, v.Step)
	}
	ls := byID(fs, "app.last-session")
	if !strings.Contains(ls.Cause, "Today's checks find the cause: os.schannel:") || !strings.Contains(ls.Cause, "os.fips") {
		t.Errorf("last-session cause %q should name os.schannel and os.fips", ls.Cause)
	}
	if byID(fs, "os.fips").Record == "" {
		t.Error("os.fips warns and SCHANNEL's record backs it too")
	}
	if byID(fs, "app.quickassist").Record != "" {
		t.Error("app.quickassist is not what a Schannel record is a record of")
	}

	// Without the record, the chain decides (os.schannel still, being the
	// first failure here) and nothing claims a record.
	fs, v = judgeAll(tls12off, readSessions(sharedThenEnded))
	if v == nil || v.Record != "" {
		t.Fatalf("verdict %+v should carry no record", v)
	}

	// Today's settings are clean: the record is the verdict, and it says
	// the checks do not find its cause.
	fs, v = judgeAll(machine(), readSessions(sharedThenEnded, schannelAlert(37*time.Second, 36888, "40")))
	if v == nil || v.ID != "app.last-session" || v.Status != finding.Fail {
		t.Fatalf("verdict %+v, want app.last-session", v)
	}
	if !strings.Contains(v.Cause, "Today's checks of it pass (os.schannel, os.cipher-policy, os.fips") {
		t.Errorf("cause %q should say today's checks pass", v.Cause)
	}
	_ = fs

	// A WebView2 crash backs app.webview2, not Quick Assist's own check or
	// the OS version.
	webview := crash(37*time.Second, "msedgewebview2.exe")
	fs, _ = judgeAll(machine(), readSessions(sharedThenEnded, webview))
	if ls := byID(fs, "app.last-session"); ls.Status != finding.Fail || ls.Reason != "last-session-webview2-crash" {
		t.Fatalf("app.last-session %s %s", ls.Status, ls.Reason)
	}
	for _, id := range []string{"app.quickassist", "os.version"} {
		if byID(fs, id).Record != "" {
			t.Errorf("%s carries the WebView2 crash", id)
		}
	}
	if ls := byID(fs, "app.last-session"); strings.Contains(ls.Cause, "relay") || !strings.Contains(ls.Cause, "faulting module") {
		t.Errorf("a crash's cause should follow the crash, not the network: %q", ls.Cause)
	}

	// With no History, a record is tied to no session: it backs no check.
	fs, _ = judgeAll(tls12off, readSessions(nil, schannelAlert(37*time.Second, 36888, "40")))
	for _, f := range fs {
		if f.Record != "" {
			t.Errorf("%s carries a record no session holds", f.ID)
		}
	}
}

// A span that crosses midnight keeps the second date.
func TestStampAfter(t *testing.T) {
	day := time.Date(2026, 12, 5, 23, 59, 0, 0, time.UTC)
	if got := stampAfter(day.Add(2*time.Minute), day); got != "2026-12-06 00:01:00 UTC" {
		t.Errorf("across midnight: %q", got)
	}
	if got := stampAfter(day.Add(30*time.Second), day); got != "23:59:30 UTC" {
		t.Errorf("the same day: %q", got)
	}
}
