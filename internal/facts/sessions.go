package facts

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Sessions is what the PC recorded of its last Quick Assist sessions: the
// service's pages in Quick Assist's WebView2 History and the Windows event
// records that matter (../shared/CAUSES.md 1c). Only those rows are kept:
// never the rest of the browsing history, never other events.
type Sessions struct {
	// State is read (something could be read), unavailable (nothing could:
	// not Windows, run as SYSTEM with no user profile, no file given),
	// error, or not-selected.
	State string `json:"state"`
	// Source is live (this PC), snapshot (a collect file), or files
	// (a History and .evtx files given to analyze).
	Source string `json:"source,omitempty"`
	// Why says, for an unavailable record, why (a Why* code); Error is the
	// error as the OS or a library said it.
	Why   string `json:"why,omitempty"`
	Error string `json:"error,omitempty"`
	// Since and Until bound the window the records were read from. On the
	// PC it ends now and starts --since before; off the PC it is the
	// window of the sessions the History records, not the analysing
	// machine's clock.
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// History says how the History file was read; Visits are its rows
	// for the profile's remote-assistance hosts, oldest first.
	History HistoryRead `json:"history"`
	Visits  []Visit     `json:"visits,omitempty"`
	// Logs says how each event channel (or .evtx file) was read; Records
	// are the records that matter from all of them, oldest first.
	Logs    []LogRead     `json:"logs,omitempty"`
	Records []EventRecord `json:"records,omitempty"`
	// CutOff says the run's deadline ended the reading.
	CutOff bool `json:"cut_off,omitempty"`
}

// Sessions states.
const (
	SessionsRead        = "read"
	SessionsUnavailable = "unavailable"
	SessionsError       = "error"
	SessionsNotSelected = "not-selected"
)

// Why a record of past sessions is unavailable.
const (
	WhyNotWindows  = "not-windows"  // a live run off Windows: no Quick Assist here
	WhyNoFiles     = "no-files"     // analyze was given no History, no .evtx and no snapshot holding them
	WhyNoUser      = "no-user"      // run as SYSTEM with nobody signed in: no user's History to read
	WhyOldSnapshot = "old-snapshot" // a snapshot from a qadoctor that did not record past sessions
	WhyNothingRead = "nothing-read" // no History and no event channel could be read: each says why
)

// Read states of one source (a History file, an event channel, an .evtx file).
const (
	ReadOK          = "read"        // read whole
	ReadTruncated   = "truncated"   // read until a bound (rows, records, time): what was read is kept
	ReadAbsent      = "absent"      // no such file or channel
	ReadDenied      = "denied"      // access denied (run as SYSTEM, not elevated for Security)
	ReadLocked      = "locked"      // in use and could not be copied
	ReadCorrupt     = "corrupt"     // not the format it claims, or broken
	ReadError       = "error"       // any other failure: see Error
	ReadUnavailable = "unavailable" // not on this OS, or nobody's profile to read
)

// HistoryRead is how the History file was read.
type HistoryRead struct {
	State string `json:"state,omitempty"`
	// Path is the file read: a file given to analyze as it was named; on
	// the PC, from %LOCALAPPDATA% on (the profile folder, which names the
	// user, is never recorded).
	Path string `json:"path,omitempty"`
	// User is the account whose History it is, on the PC (DOMAIN\name);
	// bundles redact it.
	User  string `json:"user,omitempty"`
	Error string `json:"error,omitempty"`
	// Rows is how many history rows were examined, Kept how many were
	// the service's pages.
	Rows int `json:"rows"`
	Kept int `json:"kept"`
}

// Visit is one visit of a Quick Assist service page.
type Visit struct {
	Time time.Time `json:"time"` // UTC
	Host string    `json:"host"`
	// Path is the URL's path: no query, no fragment (they may carry a
	// session code or a token).
	Path string `json:"path"`
	// ID is the visit's row in the History's visits table: Chromium
	// numbers visits as they come, so it orders two in one microsecond.
	ID int64 `json:"id,omitempty"`
	// Start says Chromium recorded the visit as a navigation no page led
	// to (from_visit 0, not a reload): Quick Assist loaded its start page
	// anew, so a new session began.
	Start bool `json:"start,omitempty"`
	// History numbers the History file the visit was read from, when
	// analyze was given several (1 for the first); 0 on the PC. Visit
	// IDs order visits only within one file.
	History int `json:"history,omitempty"`
}

// LogRead is how one event channel or .evtx file was read.
type LogRead struct {
	// Channel is the channel asked for ("System"), or the file's name.
	Channel string `json:"channel"`
	File    string `json:"file,omitempty"`
	State   string `json:"state"`
	Error   string `json:"error,omitempty"`
	// Scanned is how many records were examined, Matched how many of
	// them matter, Kept how many records were kept for them: alike ones
	// folded into one (EventRecord.Count), the oldest left out past the
	// reader's bound.
	Scanned int `json:"scanned"`
	Matched int `json:"matched,omitempty"`
	Kept    int `json:"kept"`
}

// EventRecord is one Windows event record that matters.
type EventRecord struct {
	Time     time.Time `json:"time"` // TimeCreated, UTC
	Channel  string    `json:"channel"`
	Provider string    `json:"provider"`
	EventID  int       `json:"event_id"`
	Level    int       `json:"level"` // 1 critical, 2 error, 3 warning, 4 information
	RecordID uint64    `json:"record_id,omitempty"`
	// Data are the values of the record's EventData (or UserData) that
	// the wanted-events table names for it, in order: named where the
	// provider names them (AlertDesc), by position for classic
	// providers' strings. No computer or user name is kept.
	Data []EventData `json:"data,omitempty"`
	// Count is how many alike records this one stands for: the readers
	// fold a storm of one error (the same channel, provider, ID, level and
	// values, each within a minute of the next) into one record. Time is
	// the first's, Last the last's. 0 and 1 both mean one record; use N
	// and End, which also mend a hostile snapshot's negative count or a
	// Last before Time.
	Count int       `json:"count,omitempty"`
	Last  time.Time `json:"last,omitzero"`
}

// N is how many records r stands for (at least one).
func (r EventRecord) N() int { return max(r.Count, 1) }

// End is when the last of the records r stands for was logged.
func (r EventRecord) End() time.Time {
	if r.Last.After(r.Time) {
		return r.Last
	}
	return r.Time
}

// Alike says two records say the same thing: the same channel, provider,
// ID, level and values; only their times and record numbers differ.
func (r EventRecord) Alike(o EventRecord) bool { return r.Kind() == o.Kind() }

// Kind is what alike records share, as one string: the key the readers
// fold by and the timeline groups by.
func (r EventRecord) Kind() string {
	var b strings.Builder
	b.WriteString(r.Channel)
	b.WriteByte(0)
	b.WriteString(r.Provider)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(r.EventID))
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(r.Level))
	for _, d := range r.Data {
		b.WriteByte(0)
		b.WriteString(d.Name)
		b.WriteByte(1)
		b.WriteString(d.Value)
	}
	return b.String()
}

// Fold adds o, a record alike, to r: the counts summed (saturating), the
// earliest time and the latest end kept.
func (r *EventRecord) Fold(o EventRecord) {
	n := r.N()
	if add := o.N(); n > math.MaxInt32-add {
		n = math.MaxInt32
	} else {
		n += add
	}
	end := r.End()
	if o.End().After(end) {
		end = o.End()
	}
	if o.Time.Before(r.Time) {
		r.Time, r.RecordID = o.Time, o.RecordID
	}
	r.Count, r.Last = n, end
}

// EventData is one value of a record.
type EventData struct {
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
}
