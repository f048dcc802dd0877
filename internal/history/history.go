// Package history reads what Quick Assist's WebView2 History records of
// the service's pages: the visits of pages on the profile's remote-
// assistance hosts (remoteassistance.support.services.microsoft.com:
// /screenshare when sharing starts, /status/ended on the end screen),
// oldest first, each with its UTC time, its lower-case host and its path.
//
// # What it reads, and why only those rows
//
// Quick Assist's WebView2 profile is %LOCALAPPDATA%\Temp\QuickAssist\
// EBWebView; Default\History in it is Chromium's unencrypted SQLite history
// (../shared/CAUSES.md 1c; Locate finds it for the signed-in user). Read
// scans its urls table (id, url) and keeps the ids of URLs whose host
// match accepts, then scans its visits table (url, visit_time) for visits
// of those ids. Nothing else leaves the package: not the rest of the
// browsing history, not titles, not a URL's query, fragment, userinfo or
// port (a query may carry a session code, a fragment a token), and a path
// only up to MaxPath bytes, as valid UTF-8. To read another host, give a
// match that accepts it (the profile's host list is the place to add it);
// to read another column, add it to the want lists in read.go.
//
// # How it reads
//
// The file is never opened for writing, and never read in place: Read
// copies History, and the History-journal or History-wal beside it, into
// memory, then reads the copy. On Windows the files are opened with
// FILE_SHARE_READ|FILE_SHARE_WRITE|FILE_SHARE_DELETE, so Quick Assist can
// go on writing, renaming or deleting them meanwhile (Go's os.Open shares
// read and write, not delete: syscall.Open), and never through a link
// planted in the user's folder. SQLite's own locks (LockFileEx) lie at 1
// GiB, beyond anything copied; a file opened by another process with no
// read sharing (Chromium's exclusive_database_file_lock, which it uses for
// some databases on Windows) cannot be copied, and the state is locked.
//
// A copy is taken again, up to three times, until History and its sidecar
// read the same twice: Chromium commits its history every 10 seconds
// (kCommitIntervalSeconds in history_backend.cc), and a copy that
// overlaps a commit would mix two states. If every copy changed, the last
// is read and the Error says so; if it does not read, the state is locked.
//
// Chromium 156 on Linux keeps History in rollback-journal mode (header
// bytes 18 and 19 are 1; History-wal never appears), measured by this
// package's tests while it runs and after it closes. Between commits
// History-journal holds the open transaction with its magic number zeroed,
// and the newest visits are in Chromium's memory only: a copy taken while
// Quick Assist runs lacks the visits of its last seconds (in the tests,
// none of the four pages at once, all of them 7 to 10 seconds later). A
// journal with its magic number (SQLite writes it once the journal is
// synced, just before it writes History: a commit under way, or a process
// killed in the middle of one) is played back onto the copy, as SQLite
// does, so the copy is the last committed state. A database in WAL mode
// (bytes 18 and 19 are 2) has its newest rows in History-wal: its committed
// frames are laid over the copy as SQLite's recovery does. A sidecar not
// copied (too large, denied) is said in the Error.
//
// # Why not a SQLite library
//
// github.com/alicebob/sqlittle (pure Go, read-only) was tried first, on
// hostile files made from SQLite-written ones, and cannot be guarded from
// outside: a cell whose payload length runs past the page panics (slice
// bounds), and so does a record whose serial type reads as negative; an
// overflow page pointing to itself makes it append pages without end (3
// GiB of heap within 20 s); interior pages that share their children (29
// levels, three pointers each, down to one empty leaf) keep it busy with
// no row callback to stop it (still running after 20 s); a page pointing
// to itself it does catch, by its depth limit. It opens files by path and
// maps them, so no page budget can be put in front of it, and it refuses
// WAL databases. This package reads the format itself (sqlite.go), only
// what it needs: table b-trees, overflow chains, records, the journal and
// the WAL.
//
// # Limits
//
// A read ends with a state, never a panic, a hang or unbounded memory:
//   - Every page is visited at most once per read (a loop is ReadCorrupt),
//     a table is at most 20 levels deep (SQLite's own cursor limit), and at
//     most 64 KiB of one row is assembled, so the work is bounded by the
//     file's size.
//   - Limits.MaxBytes (64 MiB) bounds what is copied, History and its
//     sidecar together, and so the memory a read takes: a longer History
//     is read as far as it was copied (ReadTruncated). A new Chromium
//     History is 200 KiB; Quick Assist's, which holds only the service's
//     pages, should stay near that (an inference: none was measured), so
//     64 MiB is 300 times that, and a hostile 2 GiB file costs a run no
//     more than 64 MiB.
//   - Limits.MaxRows (2,000,000) bounds rows examined, urls and visits
//     together (HistoryRead.Rows; ReadTruncated): a row costs work even
//     when it is not kept (about 0.2 µs; 2,000,000 rows of a 189 MB file,
//     copy included, took 1.2 s here).
//   - Limits.MaxVisits (10,000) bounds the visits kept; the newest are kept
//     (ReadTruncated). The service's URLs held while the visits are read
//     are bounded at ten times that.
//   - ctx ends the copy and the scan (ReadTruncated, what was read kept).
package history

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Default limits; see the package comment for why each is what it is.
const (
	DefaultMaxBytes  = 64 << 20
	DefaultMaxRows   = 2_000_000
	DefaultMaxVisits = 10_000
)

// Limits bound one read; a zero field takes its default.
type Limits struct {
	MaxBytes  int64 // bytes copied: History and its journal or WAL together
	MaxRows   int   // rows examined: urls and visits together
	MaxVisits int   // visits kept: the newest
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxVisits <= 0 {
		l.MaxVisits = DefaultMaxVisits
	}
	return l
}

// Files is a History database as copied.
type Files struct {
	DB []byte
	// Size is the History file's size when DB holds only its first bytes
	// (it was larger than Limits.MaxBytes); 0 means len(DB).
	Size int64
	// Journal and WAL are History-journal and History-wal, nil when
	// absent. Only the one the database's mode names is read.
	Journal, WAL []byte
}

// Read copies the History file at path (and its journal or WAL) and reads
// from the copy the visits of pages whose host match accepts (match gets
// the host lower-case, without a port).
func Read(ctx context.Context, path string, match func(host string) bool, lim Limits) (facts.HistoryRead, []facts.Visit) {
	lim = lim.withDefaults()
	snap, err := copyHistory(ctx, path, lim.MaxBytes)
	if err != nil {
		return facts.HistoryRead{Path: path, State: stateOf(err), Error: copyMessage(path, err)}, nil
	}
	hr, visits := Parse(ctx, path, snap.Files, match, lim)
	if snap.unstable && hr.State == facts.ReadCorrupt {
		// A copy that kept changing and does not read is a file in use,
		// not a broken one.
		hr.State = facts.ReadLocked
		hr.Error = path + ": changed while it was copied (Quick Assist was writing it) and the copy does not read; close Quick Assist and run again"
		return hr, visits
	}
	var notes []string
	if snap.unstable {
		notes = append(notes, "it changed while it was copied (Quick Assist was writing it): the last copy was read, and its newest visits may be missing")
	}
	notes = append(notes, snap.notes...)
	if snap.short && hr.State == facts.ReadOK {
		hr.State = facts.ReadTruncated
	}
	if len(notes) > 0 {
		hr.Error = joinError(hr.Error, path+": "+strings.Join(notes, "; "))
	}
	return hr, visits
}

func joinError(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// stateOf is the read state a failed copy leaves.
func stateOf(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return facts.ReadAbsent
	case isLocked(err):
		return facts.ReadLocked
	case errors.Is(err, fs.ErrPermission):
		return facts.ReadDenied
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return facts.ReadTruncated
	}
	return facts.ReadError
}

// copyMessage says what a failed copy means and what to do.
func copyMessage(path string, err error) string {
	switch stateOf(err) {
	case facts.ReadAbsent:
		return path + ": no such file: Quick Assist has not run for this user since the temp folder was last cleaned (nothing to read), or it ran under another user: run qadoctor as the user who used Quick Assist"
	case facts.ReadLocked:
		return fmt.Sprintf("%s: in use and cannot be copied (%v): close Quick Assist and run again", path, err)
	case facts.ReadDenied:
		return fmt.Sprintf("%s: access denied (%v): run qadoctor as the user who used Quick Assist, or elevated", path, err)
	case facts.ReadTruncated:
		return fmt.Sprintf("%s: the run's deadline ended the copy (%v): nothing was read", path, err)
	}
	if msg := err.Error(); strings.HasPrefix(msg, path+":") {
		return msg // names the file and says what to give instead
	}
	return fmt.Sprintf("%s: cannot be copied: %v", path, err)
}
