//go:build !windows

package history

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// checkVisits fails unless visits are the service's pages of wantPaths,
// in order, at UTC times between start and end.
func checkVisits(t *testing.T, visits []facts.Visit, start, end time.Time) {
	t.Helper()
	var paths []string
	for i, v := range visits {
		paths = append(paths, v.Path)
		if v.Host != serviceHost {
			t.Errorf("visit %d: host %q; want %q (the other host's page must not come out)", i, v.Host, serviceHost)
		}
		if v.Time.Location() != time.UTC {
			t.Errorf("visit %d: time %v is not UTC", i, v.Time)
		}
		if v.Time.Before(start.Add(-time.Second)) || v.Time.After(end.Add(time.Second)) {
			t.Errorf("visit %d: time %v; want between %v and %v, when Chromium visited", i, v.Time, start.UTC(), end.UTC())
		}
		if i > 0 && v.Time.Before(visits[i-1].Time) {
			t.Errorf("visit %d at %v is before visit %d at %v; want oldest first", i, v.Time, i-1, visits[i-1].Time)
		}
		// Chromium recorded the first page as a navigation of its own
		// (from_visit 0, AUTO_TOPLEVEL) and each later one as led to by
		// the one before (location.href).
		if v.Start != (i == 0) {
			t.Errorf("visit %d (%s): Start = %v; want it only for the first page", i, v.Path, v.Start)
		}
	}
	if !slices.Equal(paths, wantPaths) {
		t.Errorf("paths = %q; want %q", paths, wantPaths)
	}
}

// Chromium closed cleanly (Browser.close): History holds every visit, and
// reading it changes nothing beside it.
func TestReadChromiumHistory(t *testing.T) {
	path, start, end := chromiumHistory(t)
	dir := filepath.Dir(path)
	before := fileSums(t, dir)
	head, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The finding the package comment states: rollback-journal mode.
	_, walErr := os.Stat(path + "-wal")
	t.Logf("Chromium's History: header bytes 18,19 = %d,%d (1: rollback journal, 2: WAL); History-wal present: %v; files: %v", head[18], head[19], walErr == nil, slices.Sorted(maps.Keys(before)))

	hr, visits := Read(context.Background(), path, isService, Limits{})
	if hr.State != facts.ReadOK || hr.Error != "" {
		t.Fatalf("Read = %+v; want state read, no error", hr)
	}
	checkVisits(t, visits, start, end)
	// urls and visits hold 5 rows each: 4 of the service's pages, 1 other.
	if hr.Rows < 10 || hr.Kept != len(wantPaths) {
		t.Errorf("Rows, Kept = %d, %d; want at least 10 rows examined, %d kept", hr.Rows, hr.Kept, len(wantPaths))
	}
	if after := fileSums(t, dir); !maps.Equal(before, after) {
		t.Errorf("Read changed the folder:\nbefore %v\nafter  %v", before, after)
	}
	// The report carries them as JSON: every time must marshal.
	if _, err := json.Marshal(visits); err != nil {
		t.Errorf("json.Marshal(visits) = %v", err)
	}
}

// A copy taken while Chromium runs: History is read while Chromium holds
// it open in exclusive locking mode, mid-transaction. Chromium commits
// its history every 10 seconds, so the first reads may find none of the
// visits; within 30 seconds they must all be there.
func TestReadChromiumHistoryWhileItRuns(t *testing.T) {
	t.Parallel()
	c := startChromium(t, t.TempDir())
	hr, visits := Read(context.Background(), c.history, isService, Limits{})
	j, _ := os.ReadFile(c.history + "-journal")
	t.Logf("at once: %+v, %d visits; History-journal %d bytes, its header %s", hr, len(visits), len(j), journalState(j))
	if hr.State != facts.ReadOK {
		t.Fatalf("Read while Chromium runs = %+v; want state read", hr)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(visits) < len(wantPaths) && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		hr, visits = Read(context.Background(), c.history, isService, Limits{})
		if hr.State != facts.ReadOK {
			t.Fatalf("Read while Chromium runs = %+v; want state read", hr)
		}
	}
	t.Logf("after %v: %+v", time.Since(c.end).Round(time.Second/10), hr)
	checkVisits(t, visits, c.start, c.end)
}

func journalState(j []byte) string {
	switch {
	case len(j) < 8:
		return "absent"
	case string(j[:8]) == string(journalMagic):
		return "valid (hot)"
	}
	return "zeroed (not hot)"
}

// A database in WAL mode with rows only in History-wal: SQLite (python's
// sqlite3) adds a visit and exits without checkpointing. Read sees it
// through the WAL, as SQLite itself does.
func TestReadWAL(t *testing.T) {
	path, _, _ := chromiumHistory(t)
	python(t, `
import sqlite3, sys, os
con = sqlite3.connect(sys.argv[1])
con.execute("pragma journal_mode=wal")
con.execute("pragma wal_autocheckpoint=0")
con.execute("insert into urls(url, title, last_visit_time) values(?, 't', 13441036812068051)", ("https://`+serviceHost+`/status/ended?code=9#y",))
uid = con.execute("select max(id) from urls").fetchone()[0]
con.execute("insert into visits(url, visit_time) values(?, ?)", (uid, 13441036812068051))
con.commit()
os._exit(0)  # no close: no checkpoint, the rows stay in History-wal
`, path)
	db, _ := os.ReadFile(path)
	wal, err := os.ReadFile(path + "-wal")
	if err != nil || len(wal) == 0 || db[18] != 2 {
		t.Fatalf("python did not leave a WAL database with a History-wal (%v; header %d)", err, db[18])
	}
	want := sqliteServiceVisits(t, path)

	hr, visits := Read(context.Background(), path, isService, Limits{})
	if hr.State != facts.ReadOK || len(visits) != want {
		t.Fatalf("Read = %+v, %d visits; want state read and the %d visits SQLite sees", hr, len(visits), want)
	}
	if v := visits[0]; v.Path != "/status/ended" || v.Time != time.Date(2026, 12, 6, 13, 20, 12, 68051000, time.UTC) {
		t.Errorf("oldest visit = %+v; want /status/ended at 2026-12-06T13:20:12.068051Z, the row in the WAL", v)
	}
	// Without the WAL the row is not there.
	_, without := Parse(context.Background(), path, Files{DB: db}, isService, Limits{})
	if len(without) != want-1 {
		t.Errorf("Parse without the WAL = %d visits; want %d", len(without), want-1)
	}
}

// sqliteServiceVisits counts what SQLite itself finds: visits of the
// service's host, read from a copy of the History folder (SQLite may roll
// back or checkpoint, and must not change the original).
func sqliteServiceVisits(t *testing.T, path string) int {
	t.Helper()
	dir := t.TempDir()
	for _, s := range []string{"", "-journal", "-wal"} {
		if data, err := os.ReadFile(path + s); err == nil {
			os.WriteFile(filepath.Join(dir, "History"+s), data, 0o600)
		}
	}
	out := python(t, `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
print(con.execute("select count(*) from visits v join urls u on u.id = v.url where u.url like 'https://`+serviceHost+`%'").fetchone()[0])
`, filepath.Join(dir, "History"))
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("python: %q", out)
	}
	return n
}

// A process killed in the middle of a transaction whose pages had
// already spilled into History: the journal is hot, History holds half a
// transaction. Read plays the journal back, as SQLite does, and gets the
// last committed state.
func TestReadHotJournal(t *testing.T) {
	path, _, _ := chromiumHistory(t)
	want := sqliteServiceVisits(t, path)
	original, _ := os.ReadFile(path)
	python(t, `
import sqlite3, sys, os
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("pragma cache_size=10")  # small, so the transaction spills
con.execute("begin")
for i in range(3000):
    con.execute("insert into urls(url, title, last_visit_time) values(?, ?, 13441036812068051)", ("https://`+serviceHost+`/hot/%d" % i, "x" * 200))
    con.execute("insert into visits(url, visit_time) values(last_insert_rowid(), 13441036812068051)")
os._exit(0)  # no commit, no rollback: the journal stays hot
`, path)
	db, _ := os.ReadFile(path)
	j, _ := os.ReadFile(path + "-journal")
	if journalState(j) != "valid (hot)" || string(db) == string(original) {
		t.Fatalf("python did not leave a hot journal and a changed History (journal %s, History changed: %v)", journalState(j), string(db) != string(original))
	}
	if got := sqliteServiceVisits(t, path); got != want {
		t.Fatalf("SQLite itself reads %d visits after rolling back; want %d", got, want)
	}
	hr, visits := Read(context.Background(), path, isService, Limits{})
	if hr.State != facts.ReadOK || len(visits) != want {
		t.Errorf("Read = %+v, %d visits; want state read and the %d visits of the last commit", hr, len(visits), want)
	}
	for _, v := range visits {
		if strings.HasPrefix(v.Path, "/hot/") {
			t.Errorf("visit %+v is from the unfinished transaction", v)
			break
		}
	}
	// Without the journal, the half-written file is what it is.
	hr, visits = Parse(context.Background(), path, Files{DB: db}, isService, Limits{})
	t.Logf("without the journal: %s, %d visits", hr.State, len(visits))
}

// SQLite commits visits again and again while Read copies the file, in
// each journal mode: every read is of one committed state (state read,
// never fewer visits than a read before) or says the file is in use
// (locked, when each of its copies changed while taken and the last does
// not read); never corrupt. Committing every 200 ms (Chromium commits
// every 10 s), at most one read in ten may be locked; committing back to
// back (every half millisecond here), no copy may stay the same from
// start to end, and locked is the honest answer.
func TestReadWhileSQLiteWrites(t *testing.T) {
	path, _, _ := chromiumHistory(t)
	writer := `
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("pragma journal_mode=" + sys.argv[2])
pause = float(sys.argv[3])
end = time.time() + 3
i = 0
while time.time() < end:
    con.execute("begin")
    for k in range(20):
        con.execute("insert into urls(url, title, last_visit_time) values(?, ?, 13441036812068051)", ("https://` + serviceHost + `/w/%d/%d" % (i, k), "x" * 300))
        con.execute("insert into visits(url, visit_time) values(last_insert_rowid(), ?)", (13441036812068051 + i,))
    con.execute("commit")
    i += 1
    time.sleep(pause)
print(i)
`
	for _, mode := range []string{"delete", "truncate", "persist", "wal"} {
		for _, pause := range []string{"0.2", "0"} {
			t.Run(mode+"/pause="+pause, func(t *testing.T) {
				t.Parallel()
				p := filepath.Join(t.TempDir(), "History")
				data, _ := os.ReadFile(path)
				os.WriteFile(p, data, 0o600)
				done := make(chan string, 1)
				go func() {
					out, err := pythonOutput(writer, p, mode, pause)
					if err != nil {
						out = "python3 (with its sqlite3 module): " + err.Error() + "\n" + out
					}
					done <- out
				}()
				reads, locked, changing, last := 0, 0, 0, 0
				for finished := false; !finished; {
					select {
					case out := <-done:
						if _, err := strconv.Atoi(strings.TrimSpace(out)); err != nil {
							t.Fatal(out)
						}
						t.Logf("SQLite committed %s transactions", strings.TrimSpace(out))
						finished = true
					default:
					}
					hr, visits := Read(context.Background(), p, isService, Limits{MaxVisits: 1 << 20})
					reads++
					switch {
					case hr.State == facts.ReadLocked:
						locked++
						continue
					case hr.State != facts.ReadOK:
						t.Fatalf("read %d = %+v; want state read", reads, hr)
					case strings.Contains(hr.Error, "changed while it was copied"):
						changing++
					}
					if len(visits) < last {
						t.Fatalf("read %d: %d visits, fewer than the %d of a read before", reads, len(visits), last)
					}
					last = len(visits)
				}
				t.Logf("%d reads: %d of a file that kept changing but read, %d locked; %d visits at the last read", reads, changing, locked, last)
				if pause != "0" && locked*10 > reads {
					t.Errorf("%d of %d reads locked; want at most one in ten while SQLite commits every %s s", locked, reads, pause)
				}
			})
		}
	}
}

// Tables declared in another order than Chromium's, a URL with userinfo
// and a port, and a path that is not UTF-8: columns are found by name,
// and only host and path come out.
func TestReadOtherSchemas(t *testing.T) {
	p := filepath.Join(t.TempDir(), "History")
	python(t, `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("create table visits(visit_time integer not null, transition integer, url integer not null, id integer primary key)")
con.execute('create table "URLS"(title, [url] LONGVARCHAR, "id" INTEGER PRIMARY KEY AUTOINCREMENT, last_visit_time integer /* a comment, with a comma */)')
rows = [
  (1, b"https://user:pw@REMOTEASSISTANCE.support.services.microsoft.com:443/screenshare?x=1"),
  (2, b"https://remoteassistance.support.services.microsoft.com/caf\xe9\xff/x#frag"),
  (3, b"https://www.example.test/status/ended"),
  (4, b"ftp://remoteassistance.support.services.microsoft.com/"),
]
for i, u in rows:
    con.execute("insert into urls(id, url, title) values(?, cast(? as text), 't')", (i, u))
    con.execute("insert into visits(url, visit_time) values(?, ?)", (i, 13441036812068051 + i))
con.execute("insert into visits(url, visit_time) values(1, 0)")  # no valid time
con.commit()
`, p)
	hr, visits := Read(context.Background(), p, isService, Limits{})
	want := []facts.Visit{
		{Time: time.Date(2026, 12, 6, 13, 20, 12, 68052000, time.UTC), Host: serviceHost, Path: "/screenshare", ID: 1},
		{Time: time.Date(2026, 12, 6, 13, 20, 12, 68053000, time.UTC), Host: serviceHost, Path: "/caf\uFFFD/x", ID: 2},
	}
	if hr.State != facts.ReadOK || !slices.Equal(visits, want) {
		t.Errorf("Read = %+v, %+v; want state read and %+v", hr, visits, want)
	}
	if !strings.Contains(hr.Error, "1 visits of the service's pages have no valid time") {
		t.Errorf("Error = %q; want it to say one visit had no valid time", hr.Error)
	}
}
