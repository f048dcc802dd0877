package lastsession

import (
	"fmt"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

var t0 = time.Date(2026, 12, 5, 14, 3, 7, 0, time.UTC)

func v(d time.Duration, path string) facts.Visit {
	return facts.Visit{Time: t0.Add(d), Host: "remoteassistance.support.services.microsoft.com", Path: path}
}

func schannel(d time.Duration) facts.EventRecord {
	return facts.EventRecord{Time: t0.Add(d), Channel: "System", Provider: "Schannel", EventID: 36888, Level: 2,
		Data: []facts.EventData{{Name: "AlertDesc", Value: "40"}}}
}

// iv is a visit with its ID and Start, as the History reader gives it.
func iv(id int64, d time.Duration, path string, start bool) facts.Visit {
	return facts.Visit{Time: t0.Add(d), Host: "remoteassistance.support.services.microsoft.com", Path: path, ID: id, Start: start}
}

func crashRecord(d time.Duration) facts.EventRecord {
	return facts.EventRecord{Time: t0.Add(d), Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2,
		Data: []facts.EventData{{Name: "AppName", Value: "QuickAssist.exe"}}}
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name     string
		visits   []facts.Visit
		records  []facts.EventRecord
		sessions []string // per session, newest first: reached/end page/records
		unplaced int
	}{
		{"one session to its end", []facts.Visit{v(0, "/"), v(30*time.Second, "/screenshare"), v(34*time.Second, "/status/ended")},
			[]facts.EventRecord{schannel(34 * time.Second)}, []string{"sharing /status/ended 1"}, 0},
		{"an end screen starts the next session", []facts.Visit{v(0, "/"), v(10*time.Second, "/status/ended"), v(20*time.Second, "/"), v(50*time.Second, "/screenshare")},
			nil, []string{"sharing  0", "opened /status/ended 0"}, 0},
		// The first end screen is the one the person saw.
		{"two end screens together are one end", []facts.Visit{v(0, "/"), v(10*time.Second, "/status/ended"), v(12*time.Second, "/status/feedback")},
			nil, []string{"opened /status/ended 0"}, 0},
		// The service's first page is in no source: a page after sharing
		// with no end screen between is the same session's (a crash during
		// sharing stays in the session it ended).
		{"a page after sharing is the same session's", []facts.Visit{v(0, "/"), v(2*time.Minute, "/screenshare"), v(20*time.Minute, "/")},
			[]facts.EventRecord{crashRecord(15 * time.Minute)}, []string{"sharing  1"}, 0},
		{"an unknown page after sharing does not end it", []facts.Visit{v(0, "/"), v(2*time.Minute, "/screenshare"), v(20*time.Minute, "/feedback"), v(20*time.Minute+time.Second, "/status/ended")},
			nil, []string{"sharing /status/ended 0"}, 0},
		{"sharing shown twice is one session", []facts.Visit{v(0, "/"), v(30*time.Second, "/screenshare"), v(40*time.Second, "/screenshare"), v(50*time.Second, "/status/ended")},
			nil, []string{"sharing /status/ended 0"}, 0},
		// An end screen shown again later is the ended session's, not a
		// session of one end screen.
		{"an end screen shown again", []facts.Visit{v(0, "/"), v(30*time.Second, "/screenshare"), v(time.Minute, "/status/ended"), v(10*time.Minute, "/status/ended")},
			nil, []string{"sharing /status/ended 0"}, 0},
		// A record near two sessions is the earlier's.
		{"a record between two sessions is the earlier's", []facts.Visit{v(0, "/"), v(10*time.Second, "/status/ended"), v(80*time.Second, "/"), v(90*time.Second, "/status/ended")},
			[]facts.EventRecord{schannel(40 * time.Second)}, []string{"opened /status/ended 0", "opened /status/ended 1"}, 0},
		// A record among the later session's own pages is the later's,
		// though it is within a minute of the earlier's end screen.
		{"a record among a session's pages is that session's", []facts.Visit{v(0, "/"), v(5*time.Minute, "/status/ended"), v(5*time.Minute+10*time.Second, "/"),
			v(5*time.Minute+40*time.Second, "/screenshare"), v(5*time.Minute+55*time.Second, "/status/ended")},
			[]facts.EventRecord{schannel(5*time.Minute + 45*time.Second)}, []string{"sharing /status/ended 1", "opened /status/ended 0"}, 0},
		// With no end screen, a session owns what comes after it until the
		// next one: a crash during sharing.
		{"a session with no end screen owns the records after it", []facts.Visit{v(0, "/"), v(time.Minute, "/screenshare")},
			[]facts.EventRecord{crashRecord(5 * time.Minute)}, []string{"sharing  1"}, 0},
		// Quick Assist loaded its start page anew (Chromium's record):
		// a new session, whatever came before.
		{"a new navigation starts a session", []facts.Visit{v(0, "/"), v(time.Minute, "/screenshare"),
			{Time: t0.Add(10 * time.Minute), Host: "remoteassistance.support.services.microsoft.com", Path: "/", Start: true}},
			[]facts.EventRecord{crashRecord(5 * time.Minute)}, []string{"opened  0", "sharing  1"}, 0},
		// Two visits in one microsecond: the visit IDs order them.
		{"visit IDs order visits at one time", []facts.Visit{
			{Time: t0.Add(time.Second), Host: "remoteassistance.support.services.microsoft.com", Path: "/", ID: 9},
			{Time: t0, Host: "remoteassistance.support.services.microsoft.com", Path: "/", ID: 1},
			{Time: t0.Add(time.Second), Host: "remoteassistance.support.services.microsoft.com", Path: "/status/ended", ID: 8}},
			nil, []string{"opened  0", "opened /status/ended 0"}, 0},
		// The clock set back 3 minutes between two sessions: Chromium's
		// visit IDs keep them apart.
		{"visit IDs order visits made as the clock went back", []facts.Visit{
			iv(1, 0, "/", true), iv(2, time.Minute, "/screenshare", false), iv(3, 5*time.Minute, "/status/ended", false),
			iv(4, 3*time.Minute, "/", true), iv(5, 4*time.Minute+20*time.Second, "/screenshare", false), iv(6, 20*time.Minute, "/status/ended", false)},
			nil, []string{"sharing /status/ended 0", "sharing /status/ended 0"}, 0},
		// Two History files: their IDs say nothing of each other, so time
		// orders them (a month-old copy's higher IDs come first).
		{"visits of two History files", []facts.Visit{
			{Time: t0.Add(-30 * 24 * time.Hour), Host: "remoteassistance.support.services.microsoft.com", Path: "/", ID: 100, History: 1},
			{Time: t0.Add(-30*24*time.Hour + time.Minute), Host: "remoteassistance.support.services.microsoft.com", Path: "/status/ended", ID: 101, History: 1},
			{Time: t0, Host: "remoteassistance.support.services.microsoft.com", Path: "/", ID: 1, History: 2},
			{Time: t0.Add(time.Minute), Host: "remoteassistance.support.services.microsoft.com", Path: "/screenshare", ID: 2, History: 2}},
			nil, []string{"sharing  0", "opened /status/ended 0"}, 0},
		// An end screen never starts a session, however Chromium recorded it.
		{"an end screen recorded as a new navigation", []facts.Visit{v(0, "/"), v(time.Minute, "/screenshare"),
			{Time: t0.Add(30 * time.Minute), Host: "remoteassistance.support.services.microsoft.com", Path: "/status/ended", Start: true}},
			nil, []string{"sharing /status/ended 0"}, 0},
		// Another host of the service marks nothing: its /screenshare is a page.
		{"another host's pages mark nothing", []facts.Visit{v(0, "/"), {Time: t0.Add(time.Second), Host: "other.support.services.microsoft.com", Path: "/screenshare"}},
			nil, []string{"opened  0"}, 0},
		// A storm the reader folded, begun before the session, belongs to it.
		{"a folded record that spans the session's start", []facts.Visit{v(0, "/"), v(10*time.Second, "/status/ended")},
			[]facts.EventRecord{func() facts.EventRecord {
				r := schannel(-time.Hour)
				r.Count, r.Last = 5000, t0.Add(5*time.Second)
				return r
			}()},
			[]string{"opened /status/ended 1"}, 0},
		{"a long quiet starts a new session", []facts.Visit{v(0, "/"), v(5*time.Hour, "/")},
			nil, []string{"opened  0", "opened  0"}, 0},
		{"a page no row knows still opens a session", []facts.Visit{v(0, "/some/new/page")}, nil, []string{"opened  0"}, 0},
		{"visits out of order are sorted", []facts.Visit{v(34*time.Second, "/status/ended"), v(0, "/"), v(30*time.Second, "/screenshare")},
			nil, []string{"sharing /status/ended 0"}, 0},
		{"a record outside every session is unplaced", []facts.Visit{v(0, "/")}, []facts.EventRecord{schannel(-time.Hour), schannel(Window - time.Second)},
			[]string{"opened  1"}, 1},
		{"records alike are one group", nil, []facts.EventRecord{schannel(0), schannel(time.Second)}, nil, 1},
		{"a record the table does not know is left out", []facts.Visit{v(0, "/")},
			[]facts.EventRecord{{Time: t0, Channel: "System", Provider: "Service Control Manager", EventID: 7036, Level: 4}}, []string{"opened  0"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := Build(facts.Sessions{Visits: tc.visits, Records: tc.records})
			var got []string
			for _, s := range tl.Sessions {
				got = append(got, fmt.Sprintf("%s %s %d", s.Reached, s.EndPage, len(s.Records)))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.sessions) {
				t.Errorf("sessions %q, want %q", got, tc.sessions)
			}
			if len(tl.Unplaced) != tc.unplaced {
				t.Errorf("%d unplaced, want %d", len(tl.Unplaced), tc.unplaced)
			}
		})
	}
}

// TestBuildBounded: however many visits and records a hostile snapshot
// holds, the timeline keeps MaxSessions sessions and MaxNear records each,
// and says how many more there were.
func TestBuildGroups(t *testing.T) {
	var storm []facts.EventRecord
	for i := range 1000 {
		storm = append(storm, schannel(time.Duration(i)*time.Millisecond))
	}
	other := schannel(2 * time.Second)
	other.EventID = 36874
	tl := Build(facts.Sessions{Visits: []facts.Visit{v(0, "/"), v(time.Second, "/screenshare"), v(3*time.Second, "/status/ended")}, Records: append(storm, other)})
	rs := tl.Sessions[0].Records
	if len(rs) != 2 || rs[0].Count != 1000 || !rs[0].Time.Equal(t0) || !rs[0].Last.Equal(t0.Add(999*time.Millisecond)) || rs[1].EventID != 36874 {
		t.Fatalf("groups %+v", rs)
	}
	if rs[0].Near != Page || rs[0].OffsetMS != 0 {
		t.Errorf("the storm is %v %v ms from %s, want at the first page (its first record)", rs[0].Near, rs[0].OffsetMS, rs[0].Near)
	}
	if rs[1].Near != Sharing || rs[1].OffsetMS != 1000 {
		t.Errorf("36874 is %v %v ms from %s, want 1000 ms after sharing", rs[1].Near, rs[1].OffsetMS, rs[1].Near)
	}
}

func TestBuildBounded(t *testing.T) {
	var visits []facts.Visit
	var records []facts.EventRecord
	for i := range 10000 {
		d := time.Duration(i) * 2 * time.Minute
		visits = append(visits, v(d, []string{"/", "/status/ended"}[i%2]))
		r := schannel(d)
		r.Data = []facts.EventData{{Name: "AlertDesc", Value: fmt.Sprint(i)}} // each unlike the others
		records = append(records, r, r)
	}
	tl := Build(facts.Sessions{Visits: visits, Records: records})
	if len(tl.Sessions) != MaxSessions || tl.SessionsBeyond != 5000-MaxSessions {
		t.Fatalf("%d sessions, %d beyond", len(tl.Sessions), tl.SessionsBeyond)
	}
	for _, s := range tl.Sessions {
		if len(s.Records) > MaxNear {
			t.Fatalf("a session keeps %d records", len(s.Records))
		}
	}
	if len(tl.Unplaced) != MaxNear || tl.UnplacedBeyond == 0 {
		t.Errorf("%d unplaced, %d beyond", len(tl.Unplaced), tl.UnplacedBeyond)
	}
	if !tl.Sessions[0].Start.After(tl.Sessions[1].Start) {
		t.Error("sessions are not newest first")
	}
}

func BenchmarkBuild(b *testing.B) {
	var visits []facts.Visit
	var records []facts.EventRecord
	for i := range 10000 {
		visits = append(visits, v(time.Duration(i)*time.Minute, "/"))
	}
	for i := range 5000 {
		records = append(records, schannel(time.Duration(i)*time.Second))
	}
	s := facts.Sessions{Visits: visits, Records: records}
	b.ReportAllocs()
	for b.Loop() {
		Build(s)
	}
}

// TestJudged: a re-opening with no sharing, no end screen and no record
// does not hide the session before it, however many pages it showed; one
// that reached sharing or ended is the session judged.
func TestJudged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		visits []facts.Visit
		want   int
	}{
		{"one session", []facts.Visit{v(0, "/"), v(time.Minute, "/status/ended")}, 0},
		{"a one-page re-opening", []facts.Visit{v(0, "/"), v(time.Minute, "/status/ended"), v(2*time.Minute, "/")}, 1},
		{"a re-opening stopped before sharing", []facts.Visit{v(0, "/"), v(time.Minute, "/status/ended"), v(2*time.Minute, "/"), v(3*time.Minute, "/sharer/code")}, 1},
		{"a re-opening that shared", []facts.Visit{v(0, "/"), v(time.Minute, "/status/ended"), v(2*time.Minute, "/"), v(3*time.Minute, "/screenshare")}, 0},
		{"a re-opening that ended", []facts.Visit{v(0, "/"), v(time.Minute, "/status/ended"), v(2*time.Minute, "/"), v(3*time.Minute, "/status/ended")}, 0},
		{"nothing", nil, -1},
	} {
		if got := Build(facts.Sessions{Visits: tc.visits}).Judged(); got != tc.want {
			t.Errorf("%s: Judged = %d; want %d", tc.name, got, tc.want)
		}
	}
}
