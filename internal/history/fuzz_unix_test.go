//go:build !windows

package history

import (
	"context"
	"encoding/json"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// FuzzRead reads mutated History files (db) with a mutated journal or WAL
// (side: read as whichever the header's mode names). Whatever the bytes:
// no panic; a state Parse can give, with an Error naming the file unless
// read; no more rows than the limit, no more visits than the limit, as
// many as Kept says; every visit's host accepted by match and lower-case,
// its path a path without query or fragment, at most MaxPath bytes of
// UTF-8, its time UTC and writable as JSON, oldest first; and an end well
// within a run's deadline.
//
// The seeds are written at test time by others: Chromium's own History
// and journal (the test runs Chromium), and SQLite's (python3) WAL
// database with its WAL and a database with a hot journal.
//
//	go test -run '^$' -fuzz FuzzRead -fuzztime 5m -fuzzminimizetime 0 ./internal/history
//
// (-fuzzminimizetime 0: minimizing each new input of 200 KB takes most of
// the time otherwise.)
func FuzzRead(f *testing.F) {
	// Go's fuzzing discards a worker's output: a worker that dies of a
	// fatal error (not a panic in the fuzz function) leaves no trace but
	// "exit status 2". QADOCTOR_FUZZ_CRASHLOG=/tmp/crash makes each worker
	// write its crash report to /tmp/crash.<pid>.
	if p := os.Getenv("QADOCTOR_FUZZ_CRASHLOG"); p != "" {
		cf, err := os.OpenFile(p+"."+strconv.Itoa(os.Getpid()), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			f.Fatal(err)
		}
		debug.SetCrashOutput(cf, debug.CrashOptions{})
		cf.Close()
	}
	path, _, _ := chromiumHistory(f)
	db, _ := os.ReadFile(path)
	journal, _ := os.ReadFile(path + "-journal")
	f.Add(db, journal) // Chromium's, closed cleanly: journal empty

	small := makeDB(f, 5, 0, "") // four pages: small mutations reach every part
	db, _ = os.ReadFile(small)
	f.Add(db, []byte(nil))

	long := makeDB(f, 2, 5000, "") // rows that overflow
	db, _ = os.ReadFile(long)
	f.Add(db, []byte(nil))

	wal := makeDB(f, 3, 0, "")
	python(f, `
import sqlite3, sys, os
con = sqlite3.connect(sys.argv[1])
con.execute("pragma journal_mode=wal")
con.execute("pragma wal_autocheckpoint=0")
con.execute("insert into urls(url, title, last_visit_time) values('https://`+serviceHost+`/status/ended?c=1', 't', 0)")
con.execute("insert into visits(url, visit_time) values(4, 13441036812068051)")
con.commit()
os._exit(0)
`, wal)
	db, _ = os.ReadFile(wal)
	side, _ := os.ReadFile(wal + "-wal")
	f.Add(db, side)

	hot := makeDB(f, 3, 0, "")
	python(f, `
import sqlite3, sys, os
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("pragma cache_size=10")
con.execute("begin")
for i in range(400):
    con.execute("insert into urls(url, title, last_visit_time) values(?, ?, 0)", ("https://`+serviceHost+`/hot/%d" % i, "x" * 100))
os._exit(0)
`, hot)
	db, _ = os.ReadFile(hot)
	side, _ = os.ReadFile(hot + "-journal")
	f.Add(db, side)

	match := func(h string) bool { return strings.HasSuffix(h, ".com") || h == "a" }
	lim := Limits{MaxRows: 5000, MaxVisits: 3}
	states := map[string]bool{facts.ReadOK: true, facts.ReadTruncated: true, facts.ReadCorrupt: true, facts.ReadError: true}
	f.Fuzz(func(t *testing.T, db, side []byte) {
		start := time.Now()
		hr, visits := Parse(context.Background(), "History", Files{DB: db, Journal: side, WAL: side}, match, lim)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Parse took %v", d)
		}
		if !states[hr.State] {
			t.Errorf("state %q", hr.State)
		}
		if hr.State != facts.ReadOK && !strings.HasPrefix(hr.Error, "History: ") || hr.Error != "" && !strings.HasPrefix(hr.Error, "History: ") {
			t.Errorf("state %q, Error %q; want an Error naming the file", hr.State, hr.Error)
		}
		if hr.Rows > lim.MaxRows || len(visits) > lim.MaxVisits || hr.Kept != len(visits) {
			t.Errorf("Rows %d, Kept %d, %d visits; want at most %d rows and %d visits, Kept = visits", hr.Rows, hr.Kept, len(visits), lim.MaxRows, lim.MaxVisits)
		}
		for i, v := range visits {
			switch {
			case !match(v.Host) || v.Host != strings.ToLower(v.Host):
				t.Errorf("visit %d: host %q not lower-case or not accepted by match", i, v.Host)
			case !strings.HasPrefix(v.Path, "/") || strings.ContainsAny(v.Path, "?#") || len(v.Path) > MaxPath || !utf8.ValidString(v.Path):
				t.Errorf("visit %d: path %q", i, v.Path)
			case v.Time.Location() != time.UTC || v.Time.Year() < 1970 || v.Time.Year() > 9999:
				t.Errorf("visit %d: time %v", i, v.Time)
			case i > 0 && v.Time.Before(visits[i-1].Time):
				t.Errorf("visit %d at %v before visit %d at %v", i, v.Time, i-1, visits[i-1].Time)
			}
		}
		if _, err := json.Marshal(visits); err != nil {
			t.Errorf("json.Marshal: %v", err)
		}
	})
}
