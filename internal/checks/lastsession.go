package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/lastsession"
)

var titleLastSession = i18n.Key("The last Quick Assist session, as this PC recorded it")

// EndedSoon is how soon after sharing started an end screen counts as the
// session ending there: a person who meant to end a session has seen the
// screen for longer. (The security message comes within seconds of
// sharing: CAUSES.md 1b, "What a person sees, by leg".)
const EndedSoon = 60 * time.Second

// recordFamily is a kind of failure an event record is a record of: the
// reason the judge gives when such a record falls at the end of the last
// session, and the checks whose failure today it backs (their causes would
// have made Windows write it).
type recordFamily struct {
	name   string
	reason string // the record falls in the last session
	logged string // the record falls in no session the History holds
	backs  []string
}

var (
	famSchannel = recordFamily{"schannel", "last-session-schannel", "windows-logged-schannel",
		[]string{"os.schannel", "os.cipher-policy", "os.fips", "os.rdp-policy", "tls.os-stack"}}
	famApp = recordFamily{"app", "last-session-app-crash", "windows-logged-app-crash",
		[]string{"app.quickassist"}}
	famWebView = recordFamily{"webview", "last-session-webview2-crash", "windows-logged-webview2-crash",
		[]string{"app.webview2"}}
	famPackage = recordFamily{"package", "last-session-package", "windows-logged-package",
		[]string{"app.quickassist", "app.blocked"}}
	famRemoteAssistance = recordFamily{"remote-assistance", "last-session-remote-assistance", "windows-logged-remote-assistance",
		[]string{"os.desktop-sharing", "os.rdp-policy", "os.fips"}}
)

// recordFamilyOf says what a record is a record of; ok is false for records that
// say a step happened rather than failed (Security 5058, information).
func recordFamilyOf(r lastsession.Record) (recordFamily, bool) {
	if r.Level != 1 && r.Level != 2 { // critical, error
		return recordFamily{}, false
	}
	switch {
	case strings.EqualFold(r.Provider, "Schannel"):
		return famSchannel, true
	case strings.EqualFold(r.Provider, "Application Error"), strings.EqualFold(r.Provider, "Application Hang"):
		if strings.HasSuffix(r.Code, "-webview2") { // the eventlog table's codes: a crash backs its own app's check
			return famWebView, true
		}
		return famApp, true
	case strings.HasPrefix(strings.ToLower(r.Channel), "microsoft-windows-appxdeploymentserver"):
		return famPackage, true
	case strings.HasPrefix(strings.ToLower(r.Channel), "microsoft-windows-remoteassistance"),
		strings.HasPrefix(strings.ToLower(r.Channel), "microsoft-windows-remotehelp"):
		return famRemoteAssistance, true
	}
	return recordFamily{}, false
}

// lastSessionReading is what the judge concluded, kept for the pass that
// ties the record to today's checks.
type lastSessionReading struct {
	family recordFamily
	record lastsession.Record
	found  bool
	// inSession says the record fell in the last session (not merely in
	// the window, with no session on record).
	inSession bool
	// aside is a Schannel record in a last session that never reached
	// sharing (SCHANNEL carries only the screen leg), and apart one of
	// Windows' TLS or the package far from the session's sharing start
	// and end: neither ended the session, so each is said beside the
	// judgement, not as its cause (the newest of each).
	aside, apart *lastsession.Record
}

// readLastSession finds the record of a failure that ended the last
// session (or, with no session on record, the newest one in the window).
func readLastSession(f *facts.Facts) (lastsession.Timeline, lastSessionReading) {
	t := lastsession.Build(f.Sessions)
	var rs []lastsession.Record
	inSession := len(t.Sessions) > 0
	var ss lastsession.Session
	if inSession {
		ss = t.Sessions[judgedSession(t)]
		rs = ss.Records
	} else {
		rs = t.Unplaced
	}
	newer := func(keep **lastsession.Record, r lastsession.Record) {
		if *keep == nil || !r.Last.Before((*keep).Last) {
			*keep = &r
		}
	}
	var out lastSessionReading
	for _, r := range rs { // the newest failure wins
		fam, ok := recordFamilyOf(r)
		if !ok {
			continue
		}
		switch {
		case inSession && fam.name == famSchannel.name && ss.Reached != lastsession.Sharing:
			newer(&out.aside, r)
			continue
		case inSession && !nearTheEnd(ss, fam, r):
			newer(&out.apart, r)
			continue
		}
		if !out.found || !r.Last.Before(out.record.Last) {
			out.family, out.record, out.found, out.inSession = fam, r, true, inSession
		}
	}
	return t, out
}

// nearTheEnd says a record can be the one that ended the session. A crash
// can come any time the session owns (an app that crashes ends it). A
// failure of Windows' TLS or of Remote Assistance comes as the screen leg
// connects: its span (a storm's first to last record) meets a minute
// either side of a start of sharing, or the minute before the end screen;
// it never begins after the end screen (Windows logs it before Quick
// Assist shows the screen), and a storm that began more than a minute
// before the session's first page, or went on more than a minute after its
// end screen, is another program's. A package failure meets a minute
// either side of the session's pages.
func nearTheEnd(s lastsession.Session, fam recordFamily, r lastsession.Record) bool {
	meets := func(from, to time.Time) bool { return !r.End().Before(from) && !r.Time.After(to) }
	switch fam.name {
	case famApp.name, famWebView.name:
		return true
	case famPackage.name:
		return meets(s.Start.Add(-lastsession.Window), s.End.Add(lastsession.Window))
	}
	end := endedAt(s)
	switch {
	case r.Time.Before(s.Start.Add(-lastsession.Window)):
		return false // it began before the session: another program's storm
	case s.EndPage != "" && r.Time.After(end.Add(time.Second)):
		return false // after the end screen
	case s.EndPage != "" && r.End().After(end.Add(lastsession.Window)):
		return false // it went on long after the session ended
	}
	for _, st := range s.Steps {
		if st.Mark == lastsession.Sharing && meets(st.Time.Add(-lastsession.Window), st.Time.Add(lastsession.Window)) {
			return true
		}
	}
	return s.EndPage != "" && meets(end.Add(-lastsession.Window), end.Add(time.Second))
}

func judgeLastSession(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	s := f.Sessions
	switch s.State {
	case "", facts.SessionsNotSelected:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The PC's record of past sessions was not read.")}
	case facts.SessionsUnavailable, facts.SessionsError:
		if s.Why == facts.WhyNotWindows {
			return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not Windows: run qadoctor on the PC, or analyze the History and .evtx logs from it.")}
		}
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The PC's record of past sessions could not be read: %s", sessionsWhy(tr, s)),
			Evidence: sessionsEvidence(tr, s)}
	}
	t, rd := readLastSession(f)
	ev := sessionsEvidence(tr, s)
	if len(t.Sessions) == 0 {
		if rd.found {
			return finding.Finding{Status: finding.Warn, Reason: rd.family.logged, Evidence: ev,
				Summary: tr.Sprintf("%s, but Windows logged %s %s.", noSession(tr, s), describeRecord(tr, rd.record), whenText(tr, rd.record)),
				Cause:   tr.Sprintf("Windows' record of a failure: %s. With no Quick Assist History it cannot be tied to a session; add the History file from the PC to see whether it ended one.", familyText(tr, rd.family))}
		}
		return finding.Finding{Status: finding.Skip, Evidence: ev,
			Summary: tr.Sprintf("%s: %s.", noSession(tr, s), historyWhy(tr, s))}
	}
	k := judgedSession(t)
	last := t.Sessions[k]
	got := tr.Sprintf("The last session (%s) got as far as %s", stamp(last.Start), markText(tr, last.Reached))
	how := endText(tr, last)
	fd := judgeSession(tr, last, rd, got, how)
	fd.Evidence = ev
	if k > 0 {
		fd.Summary += " " + tr.Sprintf("Quick Assist was opened again at %s (%d pages of the service), with no screen sharing and no end screen on record since.", stamp(t.Sessions[0].Start), len(t.Sessions[0].Steps))
	}
	if a := rd.aside; a != nil {
		fd.Summary += " " + tr.Sprintf("Windows also logged %s %s; SCHANNEL carries only the screen leg, which this session never reached, so another program's handshake failed (or the screen leg would: see its checks).", describeRecord(tr, *a), whenText(tr, *a))
	}
	if a := rd.apart; a != nil {
		fd.Summary += " " + tr.Sprintf("Windows also logged %s %s, not when the screen leg connected (a minute either side of sharing starting, or the minute before the end screen): not what ended the session (another program's, or a later try).", describeRecord(tr, *a), whenText(tr, *a))
	}
	return fd
}

// judgeSession judges the last session from its pages and the record of
// a failure in it.
func judgeSession(tr *i18n.Printer, last lastsession.Session, rd lastSessionReading, got, how string) finding.Finding {
	if rd.found {
		return finding.Finding{Status: finding.Fail, Reason: rd.family.reason,
			Summary: tr.Sprintf("%s and %s; Windows logged %s %s.", got, how, describeRecord(tr, rd.record), whenText(tr, rd.record)),
			Cause: tr.Sprintf("Windows' record of the failure itself: in the session it logged %s %s, which means %s.",
				describeRecord(tr, rd.record), whenText(tr, rd.record), familyText(tr, rd.family))}
	}
	sharing, shared := sharingOf(last)
	switch {
	case last.EndPage != "" && shared && endedAt(last).Sub(sharing.Time) <= EndedSoon:
		return finding.Finding{Status: finding.Warn, Reason: "last-session-ended-at-sharing",
			Summary: tr.Sprintf("%s and %s; Windows logged nothing that explains it.", got, how),
			Cause:   tr.Sprintf("A session that ends as soon as sharing starts broke in the screen leg, Windows' own connection to the RDP relay; the checks of that leg below say why.")}
	case last.EndPage != "" && !shared:
		return finding.Finding{Status: finding.Warn, Reason: "last-session-ended-before-sharing",
			Summary: tr.Sprintf("%s and %s, before screen sharing started.", got, how),
			Cause:   tr.Sprintf("A session that ends before sharing broke in the web leg (the code, consent and chat, in WebView2), or one of the two people ended it.")}
	}
	return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("%s and %s.", got, how)}
}

// corroborate ties the last session's record of a failure to today's
// checks: each failing check whose cause would have written that record
// carries it (finding.Record), and the last session's finding names them,
// or says that today's checks do not find what the record shows.
func corroborate(out []finding.Finding, f *facts.Facts, tr *i18n.Printer) {
	at := -1
	for i := range out {
		if out[i].ID == "app.last-session" {
			at = i
		}
	}
	if at < 0 || out[at].Status != finding.Fail && out[at].Status != finding.Warn {
		return
	}
	_, rd := readLastSession(f)
	if !rd.found || !rd.inSession || out[at].Status != finding.Fail {
		return // only a record of the session's failure backs a check
	}
	record := out[at].Summary
	var backed, clean []string
	for i := range out {
		if !slices.Contains(rd.family.backs, out[i].ID) {
			continue
		}
		switch out[i].Status {
		case finding.Fail, finding.Warn:
			out[i].Record = record
			backed = append(backed, fmt.Sprintf("%s: %s", out[i].ID, out[i].Summary))
		case finding.Pass:
			clean = append(clean, out[i].ID)
		}
	}
	ls := &out[at]
	switch {
	case len(backed) > 0:
		ls.Cause += " " + tr.Sprintf("Today's checks find the cause: %s", strings.Join(backed, "; "))
	case len(clean) > 0 && (rd.family.name == famSchannel.name || rd.family.name == famRemoteAssistance.name):
		ls.Cause += " " + tr.Sprintf("Today's checks of it pass (%s): what caused it has changed since, or lies outside this PC's settings (the path to the relay, a device that inspects TLS). Run qadoctor again on the network where it failed.", strings.Join(clean, ", "))
	case len(clean) > 0 && rd.family.name == famPackage.name:
		ls.Cause += " " + tr.Sprintf("Today's checks of it pass (%s): the package is installed and allowed now, so the failed install or update was mended since; its record's error code says why it failed then.", strings.Join(clean, ", "))
	case len(clean) > 0:
		ls.Cause += " " + tr.Sprintf("Today's checks of it pass (%s): the app is installed, current and allowed now, so the crash itself is the cause to follow: its record names the faulting module and the exception code.", strings.Join(clean, ", "))
	}
}

// sessionsEvidence says what was read: the History and each log.
func sessionsEvidence(tr *i18n.Printer, s facts.Sessions) []finding.Evidence {
	var ev []finding.Evidence
	if h := s.History; h.State != "" {
		st := finding.Pass
		if h.State != facts.ReadOK || h.Error != "" { // one of several files not read whole
			st = finding.Skip
		}
		d := tr.Sprintf("%s: %d pages of the service among %d rows", readWord(tr, h.State), h.Kept, h.Rows)
		if h.Error != "" {
			d += " (" + h.Error + ")"
		}
		ev = append(ev, finding.Evidence{Subject: cmp.Or(h.Path, "History"), Status: st, Detail: d})
	}
	for _, l := range s.Logs {
		st := finding.Pass
		if l.State != facts.ReadOK {
			st = finding.Skip
		}
		d := tr.Sprintf("%s: %d records that matter among %d", readWord(tr, l.State), max(l.Matched, l.Kept), l.Scanned)
		if l.Error != "" {
			d += " (" + l.Error + ")"
		}
		ev = append(ev, finding.Evidence{Subject: cmp.Or(l.File, l.Channel), Status: st, Detail: d})
	}
	return ev
}

func sessionsWhy(tr *i18n.Printer, s facts.Sessions) string {
	switch s.Why {
	case facts.WhyNoFiles:
		return tr.Sprintf("no History or .evtx file was given; add them: qadoctor analyze History System.evtx Application.evtx")
	case facts.WhyNoUser:
		return tr.Sprintf("run as SYSTEM with nobody signed in, so there is no user's History to read; the event logs were read")
	case facts.WhyNothingRead:
		if len(s.Logs) == 0 {
			return tr.Sprintf("Quick Assist's History could not be read (%s)", unread(tr, s))
		}
		return tr.Sprintf("neither Quick Assist's History nor any event log could be read (%s)", unread(tr, s))
	case facts.WhyOldSnapshot:
		return tr.Sprintf("the snapshot was written by a qadoctor that did not record past sessions; collect it again")
	}
	if s.Error != "" {
		return s.Error
	}
	return tr.Sprintf("nothing to read")
}

// unread says, in one line, why each source could not be read: the
// History's state and error, and the logs' states with the first error of
// each (under Wine every channel fails alike).
func unread(tr *i18n.Printer, s facts.Sessions) string {
	var parts []string
	if h := s.History; h.State != "" {
		parts = append(parts, tr.Sprintf("History: %s", cmp.Or(h.Error, readWord(tr, h.State))))
	}
	byState := map[string][]facts.LogRead{}
	var states []string
	for _, l := range s.Logs {
		if _, ok := byState[l.State]; !ok {
			states = append(states, l.State)
		}
		byState[l.State] = append(byState[l.State], l)
	}
	for _, st := range states {
		ls := byState[st]
		d := readWord(tr, st)
		if ls[0].Error != "" {
			d += ": " + ls[0].Error
		}
		parts = append(parts, tr.Sprintf("%d event logs %s", len(ls), d))
	}
	return strings.Join(parts, "; ")
}

func historyWhy(tr *i18n.Printer, s facts.Sessions) string {
	switch s.History.State {
	case facts.ReadOK, facts.ReadTruncated:
		return tr.Sprintf("Quick Assist's History holds no page of the service")
	case facts.ReadAbsent:
		return tr.Sprintf("Quick Assist's History is not there (never used here, or a temp-file cleaner removed it)")
	case "":
		return tr.Sprintf("no History was given")
	}
	return tr.Sprintf("Quick Assist's History could not be read (%s)", readWord(tr, s.History.State))
}

// readWord says a read state (facts.Read*) in the reader's language.
func readWord(tr *i18n.Printer, st string) string {
	switch st {
	case facts.ReadOK:
		return tr.Sprintf("read")
	case facts.ReadTruncated:
		return tr.Sprintf("read in part")
	case facts.ReadAbsent:
		return tr.Sprintf("not there")
	case facts.ReadDenied:
		return tr.Sprintf("access denied")
	case facts.ReadLocked:
		return tr.Sprintf("in use, not copied")
	case facts.ReadCorrupt:
		return tr.Sprintf("corrupt")
	case facts.ReadUnavailable:
		return tr.Sprintf("unavailable")
	case facts.ReadError:
		return tr.Sprintf("error")
	}
	return st
}

func markText(tr *i18n.Printer, m lastsession.Mark) string {
	switch m {
	case lastsession.Sharing:
		return tr.Sprintf("screen sharing")
	case lastsession.Consent:
		return tr.Sprintf("consent")
	case lastsession.Code:
		return tr.Sprintf("the code")
	}
	return tr.Sprintf("opening Quick Assist")
}

// endText says how a session ended.
func endText(tr *i18n.Printer, s lastsession.Session) string {
	if s.EndPage == "" {
		return tr.Sprintf("has no end screen on record (still open, or Quick Assist was closed or crashed) after %s", span(tr, s.End.Sub(s.Start)))
	}
	if sh, ok := sharingOf(s); ok {
		return tr.Sprintf("ended %s after sharing started (end screen %s)", span(tr, endedAt(s).Sub(sh.Time)), s.EndPage)
	}
	return tr.Sprintf("ended %s after its first page (end screen %s)", span(tr, endedAt(s).Sub(s.Start)), s.EndPage)
}

// judgedSession is the session judged: lastsession.Timeline.Judged.
func judgedSession(t lastsession.Timeline) int { return max(t.Judged(), 0) }

// sharingOf is when a session's sharing last started before its end
// screen: a session retried in the app without an end screen between
// shares more than once; the sharing page shown again with nothing
// between is the same sharing.
func sharingOf(s lastsession.Session) (lastsession.Step, bool) {
	end := endedAt(s)
	at := -1
	for i, st := range s.Steps {
		if st.Mark == lastsession.Sharing && !st.Time.After(end) {
			at = i
		}
	}
	if at < 0 {
		return lastsession.Step{}, false
	}
	for at > 0 && s.Steps[at-1].Mark == lastsession.Sharing {
		at--
	}
	return s.Steps[at], true
}

// endedAt is when a session showed its (first) end screen; its last page
// without one.
func endedAt(s lastsession.Session) time.Time {
	if st, ok := s.StepAt(lastsession.Ended); ok {
		return st.Time
	}
	return s.End
}

// whenText says when a record came: its time (a group's first and last,
// with the count), and the first against the session's step it is
// nearest.
func whenText(tr *i18n.Printer, r lastsession.Record) string {
	when := tr.Sprintf("at %s", stamp(r.Time))
	if r.N() > 1 {
		when = tr.Sprintf("%d times from %s to %s", r.N(), stamp(r.Time), stampAfter(r.End(), r.Time))
	}
	if r.Near == "" {
		return when
	}
	d := time.Duration(r.OffsetMS * float64(time.Millisecond))
	step := stepText(tr, r.Near)
	var rel string
	switch {
	case d > -time.Second && d < time.Second:
		rel = tr.Sprintf("in the same second as %s", step)
	case d < 0:
		rel = tr.Sprintf("%s before %s", span(tr, -d), step)
	default:
		rel = tr.Sprintf("%s after %s", span(tr, d), step)
	}
	if r.N() > 1 {
		return tr.Sprintf("%s, the first %s", when, rel)
	}
	return tr.Sprintf("%s, %s", when, rel)
}

// stepText names the step a record is placed against.
func stepText(tr *i18n.Printer, m lastsession.Mark) string {
	switch m {
	case lastsession.Sharing:
		return tr.Sprintf("sharing started")
	case lastsession.Ended:
		return tr.Sprintf("the end screen")
	case lastsession.Code:
		return tr.Sprintf("the code step")
	case lastsession.Consent:
		return tr.Sprintf("consent")
	}
	return tr.Sprintf("a page of the session")
}

// describeRecord names a record and the values that say what failed.
func describeRecord(tr *i18n.Printer, r lastsession.Record) string {
	s := fmt.Sprintf("%s %d", r.Provider, r.EventID)
	if v := r.Values(); v != "" {
		s += " (" + v + ")"
	}
	return s
}

// noSession says no session is on record, in the window read.
func noSession(tr *i18n.Printer, s facts.Sessions) string {
	if s.Since.IsZero() {
		return tr.Sprintf("No Quick Assist session is on record")
	}
	return tr.Sprintf("No Quick Assist session is on record since %s", day(s.Since))
}

func familyText(tr *i18n.Printer, fam recordFamily) string {
	switch fam.name {
	case famSchannel.name:
		return tr.Sprintf("Windows' own TLS (SCHANNEL), which the screen leg uses, failed a handshake")
	case famApp.name:
		return tr.Sprintf("Quick Assist crashed or stopped responding")
	case famWebView.name:
		return tr.Sprintf("a WebView2 process (Quick Assist's pages run in one) crashed or stopped responding")
	case famPackage.name:
		return tr.Sprintf("Windows could not install or update the Quick Assist package")
	}
	return tr.Sprintf("Windows' Remote Assistance (Desktop Sharing) logged an error")
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// stampAfter says t, after ref: the time alone on ref's day.
func stampAfter(t, ref time.Time) string {
	if t.UTC().Format("20060102") == ref.UTC().Format("20060102") {
		return t.UTC().Format("15:04:05 UTC")
	}
	return stamp(t)
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// span says a duration in words, to the second (to the minute past an
// hour, to the hour past a day); a part that is zero is left out.
func span(tr *i18n.Printer, d time.Duration) string {
	d = max(d, 0)
	switch {
	case d >= 24*time.Hour:
		d = d.Round(time.Hour)
		days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if hours == 0 {
			return tr.Sprintf("%d d", days)
		}
		return tr.Sprintf("%d d %d h", days, hours)
	case d >= time.Hour:
		d = d.Round(time.Minute)
		hours, mins := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if mins == 0 {
			return tr.Sprintf("%d h", hours)
		}
		return tr.Sprintf("%d h %d min", hours, mins)
	case d >= time.Minute:
		d = d.Round(time.Second)
		mins, secs := int(d/time.Minute), int(d%time.Minute/time.Second)
		if secs == 0 {
			return tr.Sprintf("%d min", mins)
		}
		return tr.Sprintf("%d min %d s", mins, secs)
	}
	return tr.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
}
