//go:build !windows

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/sessionread"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// The record of a failed session, from files written by others: a History
// the real Chromium wrote visiting the service's pages (its visits then
// moved, by SQLite itself, to the minute of the log), and the real Windows
// logs in ../shared/samples/evtx (SOURCES.md says what each holds). The
// verdicts were written from CAUSES.md 1c and the samples' inventory first:
// the Stolen Szechuan DC logged Schannel 36874 and 36888 (AlertDesc 40) in
// pairs from 2020-09-19 03:19:26 to 03:20:26 UTC (server-side records, so
// they test the reading and the timeline, not a Quick Assist diagnosis);
// its Application log's only Application Error is spoolsv.exe's, not
// Quick Assist's; the Windows 11 System log has no Schannel at all.

// storm is when the sample DC's Schannel records end.
var storm = time.Date(2020, 9, 19, 3, 20, 26, 0, time.UTC)

// sessionHistory is a copy of a Chromium-written History of one session
// whose visits are moved to when it opened, reached sharing and showed the
// end screen.
func sessionHistory(t *testing.T, opened, sharing, ended time.Time) string {
	t.Helper()
	historyOnce.Do(func() {
		h := testpeer.ChromiumHistory(t, "/", "/screenshare", "/status/ended?code=123456#x")
		historyData, historyErr = os.ReadFile(h)
	})
	if historyErr != nil || historyData == nil {
		t.Fatalf("no Chromium-written History (see the first test that asked): %v", historyErr)
	}
	h := filepath.Join(testpeer.TempDir(t), "History")
	if err := os.WriteFile(h, historyData, 0o600); err != nil {
		t.Fatal(err)
	}
	testpeer.SetVisitTimes(t, h, opened, sharing, ended)
	return h
}

var (
	historyOnce sync.Once
	historyData []byte
	historyErr  error
)

func TestAnalyzeHistoryAndLogs(t *testing.T) {
	samples := testpeer.Samples(t, "evtx")
	system := filepath.Join(samples, "StolenSzechuan-DC01_System.evtx")
	application := filepath.Join(samples, "StolenSzechuan-DC01_Application.evtx")
	win11 := filepath.Join(samples, "DFIRArtifactMuseum-Win11_System.evtx")
	atStorm := sessionHistory(t, storm.Add(-40*time.Second), storm.Add(-4*time.Second), storm)

	t.Run("the session ended as Schannel failed", func(t *testing.T) {
		code, out, errOut := runCLI(t, gather.Env{}, "analyze", atStorm, system, application, "--json")
		if code != ExitFailed {
			t.Fatalf("exit %d, want %d\n%s", code, ExitFailed, errOut)
		}
		r := decodeReport(t, out)
		f := want(t, r, "app.last-session", finding.Fail, "last-session-schannel")
		// The storm is read whole (folded, not cut to the newest 1000):
		// 29,205 alerts from its first, 20 s before the session's first page.
		for _, s := range []string{"got as far as screen sharing", "ended 4 s after sharing started (end screen /status/ended)", "Schannel 36888 (AlertDesc=40, ErrorState=1205)",
			"29205 times from 2020-09-19 03:19:26 UTC to 03:20:26 UTC, the first 20 s before a page of the session"} {
			if !strings.Contains(f.Summary, s) {
				t.Errorf("summary %q lacks %q", f.Summary, s)
			}
		}
		if strings.Contains(out, "123456") {
			t.Error("the report holds the page's query (a session code)")
		}
		if r.Verdict == nil || r.Verdict.ID != "app.last-session" || r.Verdict.Leg != "screen" || r.Verdict.Step != "sharing" {
			t.Errorf("verdict %+v, want app.last-session on the screen leg at sharing", r.Verdict)
		}
		ls := r.LastSessions
		if ls == nil || len(ls.Sessions) != 1 || ls.Sessions[0].Reached != "sharing" || ls.Sessions[0].EndPage != "/status/ended" {
			t.Fatalf("timeline %+v", ls)
		}
		codes := map[string]int{}
		for _, rec := range ls.Sessions[0].Records {
			codes[rec.Code] += rec.Count
		}
		if codes["schannel-fatal-alert-sent"] == 0 || codes["schannel-no-common-cipher"] == 0 || len(codes) != 2 {
			t.Errorf("records beside the session: %v; want the Schannel pairs only (spoolsv.exe's crash is not Quick Assist's)", codes)
		}
	})

	t.Run("the same in Japanese, in every format", func(t *testing.T) {
		for _, format := range []string{"text", "md", "html"} {
			code, out, _ := runCLI(t, gather.Env{Getenv: func(k string) string { return map[string]string{"LANG": "ja_JP.UTF-8"}[k] }}, "analyze", atStorm, system, "--format", format)
			if code != ExitFailed || !strings.Contains(out, "この PC が記録した最近のセッション") || !strings.Contains(out, "Schannel 36888") {
				t.Errorf("%s: exit %d\n%s", format, code, out)
			}
		}
	})

	t.Run("a session with nothing logged", func(t *testing.T) {
		// The Windows 11 log covers 2022-02-05 to 02-13 and has no Schannel.
		at := time.Date(2022, 2, 8, 10, 0, 0, 0, time.UTC)
		h := sessionHistory(t, at, at.Add(30*time.Second), at.Add(35*time.Second))
		_, out, _ := runCLI(t, gather.Env{}, "analyze", h, win11, "--json")
		want(t, decodeReport(t, out), "app.last-session", finding.Warn, "last-session-ended-at-sharing")
	})

	t.Run("logs without a History", func(t *testing.T) {
		_, out, _ := runCLI(t, gather.Env{}, "analyze", system, "--json")
		f := want(t, decodeReport(t, out), "app.last-session", finding.Warn, "windows-logged-schannel")
		if !strings.Contains(f.Summary, "since 2020-09-12") {
			t.Errorf("the window should end at the log's newest record, not this machine's clock: %q", f.Summary)
		}
		_, out, _ = runCLI(t, gather.Env{}, "analyze", application, "--json")
		want(t, decodeReport(t, out), "app.last-session", finding.Skip, "")
	})

	t.Run("a snapshot holding the same record", func(t *testing.T) {
		p, err := profile.Default()
		if err != nil {
			t.Fatal(err)
		}
		s := sessionread.Files(t.Context(), []string{atStorm}, []string{system}, 0, p.ServesSessionPages, nil)
		var b bytes.Buffer
		if err := winstate.WriteSnapshot(&b, &winstate.Snapshot{Schema: winstate.SnapshotSchema, Tool: "test", Collected: storm, System: facts.System{State: facts.SystemRead, Source: "live"}, Sessions: &s}); err != nil {
			t.Fatal(err)
		}
		snap := filepath.Join(testpeer.TempDir(t), "snap.json")
		os.WriteFile(snap, b.Bytes(), 0o600)
		_, out, _ := runCLI(t, gather.Env{}, "analyze", snap, "--json")
		want(t, decodeReport(t, out), "app.last-session", finding.Fail, "last-session-schannel")

		// The same snapshot with its History's pages only, and the System
		// log exported later, given beside it: the log is read around the
		// snapshot's session, not around the log's own newest record.
		pagesOnly := s
		pagesOnly.Records, pagesOnly.Logs = nil, nil
		b.Reset()
		if err := winstate.WriteSnapshot(&b, &winstate.Snapshot{Schema: winstate.SnapshotSchema, Tool: "test", Collected: storm, System: facts.System{State: facts.SystemRead, Source: "live"}, Sessions: &pagesOnly}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(snap, b.Bytes(), 0o600)
		_, out, _ = runCLI(t, gather.Env{}, "analyze", snap, system, "--since", "30m", "--json")
		want(t, decodeReport(t, out), "app.last-session", finding.Fail, "last-session-schannel")
	})

	t.Run("a window shorter than the hour after the last page", func(t *testing.T) {
		// --since counts back from the newest page, so a short window
		// still holds the session (it was after it, and empty).
		_, out, _ := runCLI(t, gather.Env{}, "analyze", atStorm, system, "--since", "30m", "--json")
		want(t, decodeReport(t, out), "app.last-session", finding.Fail, "last-session-schannel")
	})

	t.Run("a corrupt History beside a good one", func(t *testing.T) {
		bad := filepath.Join(testpeer.TempDir(t), "History")
		os.WriteFile(bad, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 4000)...), 0o600)
		for _, order := range [][]string{{atStorm, bad}, {bad, atStorm}} {
			_, out, _ := runCLI(t, gather.Env{}, append([]string{"analyze", system, "--json"}, order...)...)
			f := want(t, decodeReport(t, out), "app.last-session", finding.Fail, "last-session-schannel")
			var ev []string
			for _, e := range f.Evidence {
				ev = append(ev, e.Subject+": "+e.Detail)
			}
			if all := strings.Join(ev, "\n"); !strings.Contains(all, bad) {
				t.Errorf("the evidence should name the corrupt History:\n%s", all)
			}
		}
	})

	t.Run("a window under a minute is refused", func(t *testing.T) {
		code, _, errOut := runCLI(t, gather.Env{}, "analyze", atStorm, "--since", "30s")
		if code != ExitUsage || !strings.Contains(errOut, "--since 30s") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
}

// TestAnalyzeBadRecords: files that claim to be a History or an .evtx and
// are not give a finding naming the file, never a crash.
func TestAnalyzeBadRecords(t *testing.T) {
	dir := testpeer.TempDir(t)
	badHistory := filepath.Join(dir, "History")
	os.WriteFile(badHistory, append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 4000)...), 0o600)
	badLog := filepath.Join(dir, "System.evtx")
	os.WriteFile(badLog, append([]byte("ElfFile\x00"), bytes.Repeat([]byte{0x41}, 70000)...), 0o600)
	code, out, errOut := runCLI(t, gather.Env{}, "analyze", badHistory, badLog, "--json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	f := want(t, decodeReport(t, out), "app.last-session", finding.Skip, "")
	var named []string
	for _, e := range f.Evidence {
		named = append(named, e.Subject+": "+e.Detail)
	}
	all := strings.Join(named, "\n")
	if !strings.Contains(all, badHistory) || !strings.Contains(all, "System.evtx") {
		t.Errorf("evidence should name both files:\n%s", all)
	}
	code, _, errOut = runCLI(t, gather.Env{}, "analyze", badHistory, filepath.Join(dir, "gone.evtx"))
	if code != ExitUsage || !strings.Contains(errOut, "gone.evtx") {
		t.Errorf("a missing file: exit %d, %q", code, errOut)
	}
}
