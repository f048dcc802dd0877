// Package lastsession puts what the PC recorded of its last Quick Assist
// sessions on a timeline: the service's pages Quick Assist's WebView2
// visited (its History) mark how far each session got and how it ended,
// and the Windows event records that fall near those moments sit beside
// them (../shared/CAUSES.md 1c). It judges nothing and touches nothing: the
// checks package's app.last-session judges the timelines, and reports
// draw them.
//
// # Add a page or a record
//
// A page of the service is a row of pages: a path (or a path prefix ending
// in "/"), the mark it sets and where that comes from. A path no row knows
// still shows on the timeline, as a page. Which event records are kept,
// and what each means, is the eventlog package's table.
package lastsession

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/eventlog"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// Mark is how far a session got.
type Mark string

// Marks, in the order a session goes through them.
const (
	Opened  Mark = "opened"  // Quick Assist loaded the service's pages
	Code    Mark = "code"    // the security code was entered or shown
	Consent Mark = "consent" // the sharer allowed the helper in
	Sharing Mark = "sharing" // screen sharing started
	Ended   Mark = "ended"   // Quick Assist showed an end screen
	Page    Mark = "page"    // another page of the service (how far it says is unknown)
)

// order ranks the marks a session reaches; Page and Ended say nothing of
// how far it got.
var order = map[Mark]int{Opened: 1, Code: 2, Consent: 3, Sharing: 4}

// page is one row of the page table.
type page struct {
	host   string // the service's host that serves the page
	path   string // exact, or a prefix when it ends in "/"
	mark   Mark
	source string
}

// serviceHost serves the session's pages (CAUSES.md 1c); another host the
// profile's remote-assistance endpoints cover shows as a page.
const serviceHost = "remoteassistance.support.services.microsoft.com"

// pages are the service's pages whose meaning a source gives. Only these
// two are documented (third-party DFIR write-ups, CAUSES.md 1c); the code
// and consent screens' paths are in no source we have, so a session shows
// them as pages until a row names them.
var pages = []page{
	{host: serviceHost, path: "/screenshare", mark: Sharing, source: "CAUSES.md 1c: visits to /screenshare show the session reached sharing"},
	{host: serviceHost, path: "/status/", mark: Ended, source: "CAUSES.md 1c: /status/ended is the end-of-session screen; /status/... are end screens"},
}

// markOf says what a page marks.
func markOf(host, path string) Mark {
	p := strings.ToLower(path)
	for _, r := range pages {
		if !strings.EqualFold(host, r.host) {
			continue
		}
		if p == r.path || strings.HasSuffix(r.path, "/") && strings.HasPrefix(p, r.path) ||
			!strings.HasSuffix(r.path, "/") && strings.HasPrefix(p, r.path+"/") {
			return r.mark
		}
	}
	return Page
}

// Window is how far from a session's first and last page a record still
// belongs to it: Windows logs a failure within a second of it, and Quick
// Assist shows its end screen within seconds; a minute either side keeps a
// slow machine's records without taking the next session's.
const Window = time.Minute

// NewSessionGap is the quiet time after which a visit starts a new session
// even though no end screen came between: a session that ran longer
// without a page is still recorded, just as two.
const NewSessionGap = 4 * time.Hour

// MaxSessions is how many sessions a timeline keeps (newest first): a
// helpdesk asks about the last few, and a report stays short.
const MaxSessions = 10

// MaxNear is how many records one session keeps beside it, and how many
// records in no session a timeline keeps.
const MaxNear = 20

// Session is one session as the PC recorded it.
type Session struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Reached is the furthest mark the session got to (opened, code,
	// consent, sharing).
	Reached Mark `json:"reached"`
	// EndPage is the end screen Quick Assist showed (its path), "" when
	// the History has none for the session (still running, or the app was
	// closed or crashed).
	EndPage string `json:"end_page,omitempty"`
	Steps   []Step `json:"steps"`
	// Records are the event records within Window of the session, oldest
	// first (at most MaxNear, the ones nearest the end kept).
	Records []Record `json:"records,omitempty"`
	// RecordsBeyond is how many more records fell in the session.
	RecordsBeyond int `json:"records_beyond,omitempty"`
}

// Step is one page of a session.
type Step struct {
	Time time.Time `json:"time"`
	Mark Mark      `json:"mark"`
	Path string    `json:"path"`
}

// Record is an event record placed on a timeline.
type Record struct {
	facts.EventRecord
	// Code is the eventlog table's code for the record, Leg the leg of a
	// session it speaks for.
	Code string  `json:"code"`
	Leg  leg.Leg `json:"leg"`
	// Near is the session mark the record is nearest to, and OffsetMS how
	// long after it the first of the group came (negative: before).
	// The embedded record's Count is how many records alike (the same
	// channel, provider, ID, level and values) the group holds, a storm of
	// one error being one line; Time is the first's, Last the last's. A
	// Record always has both set.
	Near     Mark    `json:"near,omitempty"`
	OffsetMS float64 `json:"offset_ms"`
}

// Values says the values a record kept, in order: name=value where the
// provider names them, the value alone by position.
func (r Record) Values() string {
	vals := make([]string, 0, len(r.Data))
	for _, d := range r.Data {
		if d.Name != "" {
			vals = append(vals, d.Name+"="+d.Value)
		} else {
			vals = append(vals, d.Value)
		}
	}
	return strings.Join(vals, ", ")
}

// group folds records alike into one, in the order of their last: the
// first of each keeps its values, with the count and the last time (a
// record the reader folded brings its own).
func group(rs []Record) []Record {
	at := map[string]int{}
	var out []Record
	for _, r := range rs {
		k := r.Kind()
		if i, ok := at[k]; ok {
			out[i].Fold(r.EventRecord)
			continue
		}
		at[k] = len(out)
		r.Count, r.Last = r.N(), r.End()
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Record) int { return a.Last.Compare(b.Last) })
	return out
}

// Timeline is every session on record, newest first, and the records that
// fell in no session.
type Timeline struct {
	Sessions []Session `json:"sessions,omitempty"`
	// SessionsBeyond is how many older sessions were left out.
	SessionsBeyond int `json:"sessions_beyond,omitempty"`
	// Unplaced are the records in the window that no session of the
	// History explains (or all of them, with no History): newest first, at
	// most MaxNear.
	Unplaced       []Record `json:"unplaced,omitempty"`
	UnplacedBeyond int      `json:"unplaced_beyond,omitempty"`
}

// Build puts the recorded visits and records on a timeline.
func Build(s facts.Sessions) Timeline {
	visits := Ordered(s.Visits)
	var sessions []Session
	for _, v := range visits {
		m := markOf(v.Host, v.Path)
		n := len(sessions)
		if n == 0 || startsNew(&sessions[n-1], v, m) {
			sessions = append(sessions, Session{Start: v.Time})
			n++
		}
		cur := &sessions[n-1]
		if v.Time.After(cur.End) || cur.End.IsZero() {
			cur.End = v.Time
		}
		if v.Time.Before(cur.Start) { // a clock set back within the session
			cur.Start = v.Time
		}
		cur.Steps = append(cur.Steps, Step{Time: v.Time, Mark: m, Path: v.Path})
		if order[m] > order[cur.Reached] {
			cur.Reached = m
		}
		if m == Ended && cur.EndPage == "" { // the first end screen is the one the person saw
			cur.EndPage = v.Path
		}
		if cur.Reached == "" {
			cur.Reached = Opened // any page of the service: Quick Assist opened
		}
	}
	var t Timeline
	slices.Reverse(sessions)
	if len(sessions) > MaxSessions {
		t.SessionsBeyond = len(sessions) - MaxSessions
		sessions = sessions[:MaxSessions]
	}
	records := classified(s.Records)
	placed := make([]bool, len(records))
	in := make([][]Record, len(sessions))
	for j, r := range records {
		if i := owner(sessions, r); i >= 0 {
			placed[j] = true
			in[i] = append(in[i], r)
		}
	}
	for i := range sessions {
		ss := &sessions[i]
		groups := group(in[i])
		keep := max(0, len(groups)-MaxNear) // those nearest the end
		ss.RecordsBeyond = keep
		for _, r := range groups[keep:] {
			ss.Records = append(ss.Records, place(r, ss.Steps))
		}
	}
	t.Sessions = sessions
	var rest []Record
	for j, r := range records {
		if !placed[j] {
			rest = append(rest, r)
		}
	}
	groups := group(rest)
	slices.Reverse(groups)
	if len(groups) > MaxNear {
		t.UnplacedBeyond = len(groups) - MaxNear
		groups = groups[:MaxNear]
	}
	t.Unplaced = groups
	return t
}

// Ordered returns the visits in the order they were made: by Chromium's
// visit IDs, which only grow, when every visit has a distinct one from
// the same History file (a clock set back or forward between visits does
// not reorder them), else by time, then ID.
func Ordered(vs []facts.Visit) []facts.Visit {
	out := slices.Clone(vs)
	ids := make(map[int64]bool, len(out))
	byID := true
	for _, v := range out {
		if v.ID <= 0 || ids[v.ID] || v.History != out[0].History {
			byID = false
			break
		}
		ids[v.ID] = true
	}
	if byID {
		slices.SortStableFunc(out, func(a, b facts.Visit) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	slices.SortStableFunc(out, func(a, b facts.Visit) int { return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.ID, b.ID)) })
	return out
}

// Judged is the session a judgement is about: the newest, unless it has
// no end screen, no sharing and no record (Quick Assist opened again after
// the one that failed, and left, or is still at its first screens), then
// the one before it. -1 without a session.
func (t Timeline) Judged() int {
	if len(t.Sessions) == 0 {
		return -1
	}
	if s := t.Sessions[0]; s.EndPage == "" && s.Reached != Sharing && len(s.Records) == 0 && len(t.Sessions) > 1 {
		return 1
	}
	return 0
}

// startsNew says a visit begins a new session:
//   - it comes after a long quiet (NewSessionGap);
//   - Chromium recorded it as a navigation no page made (facts.Visit.Start):
//     Quick Assist loaded its start page anew;
//   - it follows an end screen and is not an end screen itself (another
//     end screen is the same session's, shown again or in turn).
//
// The service's first page is in no source, so a session retried inside
// the app without an end screen between, and with no new navigation, is
// one session (judged by its last sharing and first end screen).
func startsNew(cur *Session, v facts.Visit, m Mark) bool {
	if v.Time.Sub(cur.End) > NewSessionGap || v.Start && m != Ended { // an end screen never starts one
		return true
	}
	return cur.EndPage != "" && m != Ended
}

// owner is the session (an index into sessions, newest first) a record
// belongs to, by the time of its first: the session whose pages span it;
// else the one it follows, within Window of an end screen or, for a
// session with no end screen, until the next session (at most
// NewSessionGap); else the one it comes just before, within Window; else
// the oldest whose reach its span meets (a storm that began earlier). -1:
// none.
func owner(sessions []Session, r Record) int {
	at := r.Time
	reach := func(i int) time.Time { // how long after its last page a session owns records
		s := sessions[i]
		if s.EndPage != "" {
			return s.End.Add(Window)
		}
		until := s.End.Add(NewSessionGap)
		if i > 0 && sessions[i-1].Start.Before(until) {
			until = sessions[i-1].Start
		}
		return until
	}
	for i, s := range sessions {
		if !at.Before(s.Start) && !at.After(s.End) {
			return i
		}
	}
	for i := len(sessions) - 1; i >= 0; i-- { // oldest first
		if s := sessions[i]; at.After(s.End) && !at.After(reach(i)) {
			return i
		}
	}
	for i, s := range sessions {
		if at.Before(s.Start) && !at.Before(s.Start.Add(-Window)) {
			return i
		}
	}
	for i := len(sessions) - 1; i >= 0; i-- {
		if s := sessions[i]; !r.End().Before(s.Start.Add(-Window)) && !at.After(reach(i)) {
			return i
		}
	}
	return -1
}

// classified keeps the records the eventlog table knows, oldest first.
func classified(in []facts.EventRecord) []Record {
	out := make([]Record, 0, len(in))
	for _, r := range in {
		row, ok := eventlog.Lookup(r)
		if !ok {
			continue
		}
		out = append(out, Record{EventRecord: r, Code: row.Code, Leg: row.Leg})
	}
	slices.SortStableFunc(out, func(a, b Record) int { return a.Time.Compare(b.Time) })
	return out
}

// place says which step a group's first record is nearest to (the latest
// step at or before it, else the first) and how far from it.
func place(r Record, steps []Step) Record {
	if len(steps) == 0 {
		return r
	}
	i := 0
	for j, s := range steps {
		if s.Time.After(r.Time) {
			break
		}
		i = j
	}
	for i > 0 && steps[i-1].Mark == steps[i].Mark { // a page shown again: from its first showing
		i--
	}
	at := steps[i]
	r.Near = at.Mark
	r.OffsetMS = float64(r.Time.Sub(at.Time).Microseconds()) / 1000
	return r
}

// StepAt returns the first step of a session with the mark.
func (s Session) StepAt(m Mark) (Step, bool) {
	for _, st := range s.Steps {
		if st.Mark == m {
			return st, true
		}
	}
	return Step{}, false
}
