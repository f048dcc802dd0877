// Package sessionread reads what a PC recorded of its last Quick Assist
// sessions into facts.Sessions: live on the PC (the signed-in user's
// Quick Assist History and the event logs, through the Event Log API), or
// from files a helpdesk was sent (a History file, .evtx exports). The
// readers themselves are internal/history and internal/eventlog; this
// package decides the window and puts their results together.
package sessionread

import (
	"bytes"
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/eventlog"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/history"
	"github.com/qadoctor/qadoctor/internal/lastsession"
)

// IsHistory says a file's first bytes are an SQLite database's (Chromium's
// History is one).
func IsHistory(head []byte) bool { return bytes.HasPrefix(head, []byte("SQLite format 3\x00")) }

// IsEVTX says a file's first bytes are an .evtx file's.
func IsEVTX(head []byte) bool { return bytes.HasPrefix(head, []byte("ElfFile\x00")) }

// Shown is how a History path on the PC is recorded: from %LOCALAPPDATA%
// on, so the profile folder (which names the user, sometimes in a form no
// redaction knows, such as bob.CONTOSO) is never written down.
func Shown(path string) string {
	i := strings.Index(strings.ToLower(path), `\temp\quickassist\`)
	if i < 0 { // a Windows path, whatever OS reads this
		return path[strings.LastIndexAny(path, `\/`)+1:]
	}
	return `%LOCALAPPDATA%` + path[i:]
}

// After is how long after a session's last page its records still belong
// to the window read off the PC: a crash or the Schannel record of the
// failure comes within seconds; an hour leaves room for a slow end.
const After = time.Hour

// Live reads this PC's record between since and until: the signed-in
// user's Quick Assist History (rows whose host match accepts) and the
// event logs. Off Windows there is none.
func Live(ctx context.Context, since, until time.Time, match func(string) bool) facts.Sessions {
	s := facts.Sessions{Source: "live", Since: since, Until: until}
	if runtime.GOOS != "windows" {
		s.State, s.Why = facts.SessionsUnavailable, facts.WhyNotWindows
		return s
	}
	loc := history.Locate()
	if loc.Path == "" {
		s.History = facts.HistoryRead{State: facts.ReadUnavailable, Error: loc.Unavailable}
		if loc.AsSystem {
			s.Why = facts.WhyNoUser
		}
	} else {
		s.History, s.Visits = history.Read(ctx, loc.Path, match, history.Limits{})
		// A short --since still holds the whole session of the newest page.
		since = liveSince(s.Visits, since, until)
		s.Since = since
		s.Visits = visitsWithin(s.Visits, since, until)
		shown := Shown(loc.Path)
		s.History.Path = shown
		s.History.Error = strings.ReplaceAll(s.History.Error, loc.Path, shown)
	}
	s.History.User = loc.User
	s.Logs, s.Records = eventlog.ReadLive(ctx, eventlog.Window{Since: since, Until: until}, eventlog.Limits{})
	sortAll(&s)
	s.State = state(s)
	if s.State == facts.SessionsUnavailable && s.Why == "" {
		s.Why = facts.WhyNothingRead
	}
	if ctx.Err() != nil {
		s.CutOff = true
	}
	return s
}

// Files reads History files and .evtx exports a PC's user sent. The window
// is the sessions the History records, not this machine's clock: it ends
// After the newest page and starts since before that page, or earlier,
// where the session holding that page began earlier (with no page, it
// ends at the newest record), so files sent last month still line up.
// known are pages already on record (a snapshot given beside the files):
// they anchor the window too. The logs are read within the window, so
// their bound on records kept (eventlog.Limits.MaxKept) counts the
// window's records, not newer ones.
func Files(ctx context.Context, histories, logs []string, since time.Duration, match func(string) bool, known []facts.Visit) facts.Sessions {
	s := facts.Sessions{Source: "files"}
	for i, h := range histories {
		hr, visits := history.Read(ctx, h, match, history.Limits{})
		s.History = mergeHistory(s.History, hr)
		if len(histories) > 1 { // visit IDs order visits within one file only
			for j := range visits {
				visits[j].History = i + 1
			}
		}
		s.Visits = append(s.Visits, visits...)
	}
	if since <= 0 {
		since = 7 * 24 * time.Hour
	}
	s.Since, s.Until = windowOf(append(slices.Clone(known), s.Visits...), since)
	w := eventlog.Window{Since: s.Since, Until: s.Until}
	for _, l := range logs {
		lr, records := eventlog.ReadFile(ctx, l, w, eventlog.Limits{})
		s.Logs = append(s.Logs, lr)
		s.Records = append(s.Records, records...)
	}
	if s.Until.IsZero() { // no page: the window ends at the newest record
		if last := newestRecord(s.Records); !last.IsZero() {
			s.Since, s.Until = last.Add(-since), last
		}
	}
	if !s.Until.IsZero() {
		s.Visits = visitsWithin(s.Visits, s.Since, s.Until)
		s.Records = recordsWithin(s.Records, s.Since, s.Until)
	}
	sortAll(&s)
	s.State = state(s)
	if s.State == facts.SessionsUnavailable {
		s.Why = facts.WhyNothingRead
	}
	if ctx.Err() != nil {
		s.CutOff = true
	}
	return s
}

// windowOf is the window of the pages' sessions: from since before the
// newest page (or the start of the session holding it, a Window before,
// when that is earlier) to After it. Zero without a page.
func windowOf(visits []facts.Visit, since time.Duration) (from, until time.Time) {
	page := newestVisit(visits)
	if page.IsZero() {
		return time.Time{}, time.Time{}
	}
	from, until = page.Add(-since), page.Add(After)
	if start := lastStart(visits); start.Before(from) {
		from = start
	}
	return from, until
}

// liveSince is where a live read's window starts: since, or earlier where
// the session of the newest page in [since, until] began before it.
func liveSince(visits []facts.Visit, since, until time.Time) time.Time {
	upToNow := visitsWithin(slices.Clone(visits), time.Time{}, until)
	if page := newestVisit(upToNow); page.IsZero() || page.Before(since) {
		return since
	}
	if from := lastStart(upToNow); !from.IsZero() && from.Before(since) {
		return from
	}
	return since
}

// lastStart is a Window before the start of the session a judgement is
// about (lastsession.Timeline.Judged: the newest, or the one before a
// re-opening of one page); zero without a page.
func lastStart(visits []facts.Visit) time.Time {
	t := lastsession.Build(facts.Sessions{Visits: visits})
	if i := t.Judged(); i >= 0 {
		return t.Sessions[i].Start.Add(-lastsession.Window)
	}
	return time.Time{}
}

func newestVisit(lists ...[]facts.Visit) time.Time {
	var all []facts.Visit
	for _, vs := range lists {
		all = append(all, vs...)
	}
	if len(all) == 0 {
		return time.Time{}
	}
	ordered := lastsession.Ordered(all)
	return ordered[len(ordered)-1].Time
}

func newestRecord(rs []facts.EventRecord) time.Time {
	var t time.Time
	for _, r := range rs {
		if r.End().After(t) {
			t = r.End()
		}
	}
	return t
}

// Merge puts two reads together (a snapshot's and files given beside it).
func Merge(a, b facts.Sessions) facts.Sessions {
	if a.State == "" {
		return b
	}
	out := a
	out.Source = a.Source + "+" + b.Source
	if b.History.State != "" {
		out.History = mergeHistory(a.History, b.History)
	}
	out.Visits = append(slices.Clone(a.Visits), b.Visits...)
	out.Logs = append(slices.Clone(a.Logs), b.Logs...)
	out.Records = append(slices.Clone(a.Records), b.Records...)
	if b.Since.Before(out.Since) || out.Since.IsZero() {
		out.Since = b.Since
	}
	if b.Until.After(out.Until) {
		out.Until = b.Until
	}
	out.CutOff = a.CutOff || b.CutOff
	sortAll(&out)
	out.State = state(out)
	return out
}

// sortAll puts visits and records in time order and drops the copies a
// file given twice (or a snapshot beside the logs it was made from)
// brings: the same visit, or the same record of the same channel.
func sortAll(s *facts.Sessions) {
	// A record dated past 9999 (a damaged .evtx) cannot be written as
	// RFC 3339, so a JSON report could not carry it: it is left out.
	s.Records = slices.DeleteFunc(s.Records, func(r facts.EventRecord) bool { return r.Time.Year() < 1601 || r.Time.Year() > 9999 })
	slices.SortStableFunc(s.Visits, func(a, b facts.Visit) int { return a.Time.Compare(b.Time) })
	// The same visit twice (a snapshot and its History), one copy perhaps
	// from a qadoctor that did not record Start: one, with Start if either.
	// A copy from a snapshot made before visits had IDs has none.
	same := func(a, b facts.Visit) bool {
		return a.Time.Equal(b.Time) && a.Host == b.Host && a.Path == b.Path && (a.ID == b.ID || a.ID == 0 || b.ID == 0)
	}
	vs := s.Visits[:0]
	for _, v := range s.Visits {
		if n := len(vs); n > 0 && same(vs[n-1], v) {
			p := &vs[n-1]
			p.Start = p.Start || v.Start
			if p.ID == 0 {
				p.ID, p.History = v.ID, v.History
			}
			continue
		}
		vs = append(vs, v)
	}
	s.Visits = vs
	slices.SortStableFunc(s.Records, func(a, b facts.EventRecord) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.RecordID, b.RecordID))
	})
	s.Records = dropOverlaps(s.Records)
}

// dropOverlaps makes one of alike records whose spans meet: one reader
// never folds so (its folds lie more than eventlog.FoldGap apart), so they
// are the same records read twice (a snapshot and the log it was made
// from, perhaps read over another window, or one file given twice), and
// summing them would count records twice. The one kept spans them all and
// counts the most any of them did (the reads may have cut the run at
// different records; what lies in one only is not counted twice, and may
// be undercounted). rs is in time order.
func dropOverlaps(rs []facts.EventRecord) []facts.EventRecord {
	last := map[string]int{} // the latest kept record of each kind, in out
	out := rs[:0]
	for _, r := range rs {
		k := r.Kind()
		if i, ok := last[k]; ok && !r.Time.After(out[i].End()) {
			p := &out[i]
			end := p.End()
			if r.End().After(end) {
				end = r.End()
			}
			if r.N() > p.N() {
				p.Count = r.N()
			}
			if end.After(p.Time) {
				p.Last = end
			}
			continue
		}
		last[k] = len(out)
		out = append(out, r)
	}
	return out
}

// mergeHistory sums two History reads (several files given): the best
// state (one corrupt file does not hide the pages of one read whole), the
// counts added, and each file's error named.
func mergeHistory(a, b facts.HistoryRead) facts.HistoryRead {
	if a.State == "" {
		return b
	}
	out := a
	out.Rows = min(out.Rows+max(b.Rows, 0), history.DefaultMaxRows*maxFiles)
	out.Kept = min(out.Kept+max(b.Kept, 0), history.DefaultMaxRows*maxFiles)
	if readRank(b.State) > readRank(a.State) {
		out.State = b.State
	}
	if b.Error != "" {
		out.Error = strings.TrimPrefix(out.Error+"; "+b.Error, "; ")
	}
	if out.Path != b.Path {
		out.Path += ", " + b.Path
	}
	return out
}

// maxFiles bounds the counts summed over the History files given (analyze
// reads at most that many files at once).
const maxFiles = 64

// readRank orders read states from the best: read whole, read in part,
// then the rest.
func readRank(st string) int {
	switch st {
	case facts.ReadOK:
		return 2
	case facts.ReadTruncated:
		return 1
	}
	return 0
}

// state is read when any source could be read, else unavailable (the
// History and every log failed or were not there).
func state(s facts.Sessions) string {
	ok := func(st string) bool { return st == facts.ReadOK || st == facts.ReadTruncated }
	if ok(s.History.State) {
		return facts.SessionsRead
	}
	for _, l := range s.Logs {
		if ok(l.State) {
			return facts.SessionsRead
		}
	}
	return facts.SessionsUnavailable
}

func visitsWithin(vs []facts.Visit, since, until time.Time) []facts.Visit {
	return slices.DeleteFunc(vs, func(v facts.Visit) bool { return v.Time.Before(since) || v.Time.After(until) })
}

// recordsWithin keeps the records whose span meets the window.
func recordsWithin(rs []facts.EventRecord, since, until time.Time) []facts.EventRecord {
	return slices.DeleteFunc(rs, func(r facts.EventRecord) bool { return r.End().Before(since) || r.Time.After(until) })
}

// Sanitize mends what a hostile or damaged snapshot can hold that no
// reader writes: counts below 0 or past what a reader can count (a
// History's rows, a log's records, a folded record's count) are brought
// within, and a Last before Time is dropped.
func Sanitize(s *facts.Sessions) {
	clamp := func(n, most int) int { return min(max(n, 0), most) }
	s.History.Rows, s.History.Kept = clamp(s.History.Rows, history.DefaultMaxRows), clamp(s.History.Kept, history.DefaultMaxRows)
	for i := range s.Logs {
		l := &s.Logs[i]
		most := eventlog.DefaultMaxScanned
		l.Scanned, l.Matched, l.Kept = clamp(l.Scanned, most), clamp(l.Matched, most), clamp(l.Kept, most)
	}
	for i := range s.Records {
		r := &s.Records[i]
		r.Count = clamp(r.Count, eventlog.DefaultMaxScanned)
		if r.Last.Before(r.Time) {
			r.Last = time.Time{}
		}
	}
}
