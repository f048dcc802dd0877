package eventlog

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zwevtapi_windows.go wevtapi_windows.go

import "time"

// Window bounds the records read by their TimeCreated (both ends
// inclusive); a zero bound is open. On the PC it ends now; off the PC the
// caller passes the window of the sessions it asks about.
type Window struct {
	Since, Until time.Time
}

// Limits bound one read. A zero field takes its default.
type Limits struct {
	// MaxFileSize is how much of an .evtx file is read: chunks past it
	// are left. Default 1 GiB, well over Windows' default log sizes (20
	// MiB for System, Application and Security) and the sizes admins
	// raise Security to; the pre-filter goes through a GiB that holds
	// nothing wanted in about two seconds (476 MB/s, BenchmarkPrefilter).
	MaxFileSize int64
	// MaxScanned is how many records are gone through (parsed, or ruled
	// out by the pre-filter); default 4,000,000, a GiB of records.
	MaxScanned int
	// MaxKept is how many records are kept per file or channel: the
	// newest. Default 1,000: a diagnosis looks at the last sessions, and
	// a storm of one error (58,410 Schannel errors in one minute on the
	// sample DC) says no more in full than in part.
	MaxKept int
	// MaxString is the longest value kept, in bytes (cut on a rune,
	// ending in "…"). Default 256: the values kept are codes, versions
	// and package names (Quick Assist's full name is 63 bytes). At least
	// 64, so a filter's value (Quick Assist's package family) survives
	// the cut.
	MaxString int
	// MaxFields is how many values a record keeps; default 8. At least
	// the most any row keeps (4), so a kept record holds the value its
	// row's filter tests and Lookup finds its row.
	MaxFields int

	// noFold keeps every record as it is, for the tests that check the
	// readers record by record.
	noFold bool
}

// Defaults of Limits.
const (
	DefaultMaxFileSize = 1 << 30
	DefaultMaxScanned  = 4_000_000
	DefaultMaxKept     = 1000
	DefaultMaxString   = 256
	DefaultMaxFields   = 8
)

// maxRawValues bounds the values read from one record before the table
// picks its fields (real records hold up to about 25; the table's
// positions go to 7).
const maxRawValues = 64

// minMaxString is the least MaxString: room for a filter's value and a
// little around it.
const minMaxString = 64

// widestRow is the most fields a row keeps.
func widestRow() int {
	n := 0
	for _, r := range rows {
		n = max(n, len(r.Fields))
	}
	return n
}
func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxScanned <= 0 {
		l.MaxScanned = DefaultMaxScanned
	}
	if l.MaxKept <= 0 {
		l.MaxKept = DefaultMaxKept
	}
	if l.MaxString <= 0 {
		l.MaxString = DefaultMaxString
	}
	l.MaxString = max(l.MaxString, minMaxString)
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxFields
	}
	l.MaxFields = max(l.MaxFields, widestRow())
	return l
}
