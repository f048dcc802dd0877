//go:build !windows

package history

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// makeDB has SQLite (python3's sqlite3) write a database with Chromium's
// urls and visits tables (or the schema given) and n rows in each, every
// URL on the service's host, its path /p<i> followed by pad x's; visit i
// is at 2026-12-06T13:20:12Z plus i microseconds. It returns the file's
// path.
func makeDB(t testing.TB, n, pad int, schema string) string {
	t.Helper()
	if schema == "" {
		schema = chromiumSchema
	}
	p := filepath.Join(t.TempDir(), "History")
	python(t, `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.executescript(sys.argv[2])
n, pad = int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    con.execute("insert into urls(url, title, last_visit_time) values(?, 't', 13441036812000000)", ("https://`+serviceHost+`/p%d%s" % (i, "x" * pad),))
    con.execute("insert into visits(url, visit_time) values(?, ?)", (i + 1, 13441036812000000 + i))
con.commit()
`, p, schema, strconv.Itoa(n), strconv.Itoa(pad))
	return p
}

// chromiumSchema is Chromium's urls table and the first columns of its
// visits table.
const chromiumSchema = "create table urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL);" +
	"create table visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,visit_time INTEGER NOT NULL,from_visit INTEGER,transition INTEGER DEFAULT 0 NOT NULL)"

// Every page size SQLite writes, the smallest and the largest (65536,
// stored as 1) among them, with rows that overflow at the small ones.
func TestReadPageSizes(t *testing.T) {
	for _, size := range []int{512, 1024, 4096, 65536} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			p := makeDB(t, 300, 600, "pragma page_size="+strconv.Itoa(size)+";"+chromiumSchema)
			head, _ := os.ReadFile(p)
			if got := int(binary.BigEndian.Uint16(head[16:])); got != size%65536 && !(size == 65536 && got == 1) {
				t.Fatalf("SQLite wrote page size %d; want %d", got, size)
			}
			hr, visits := Read(context.Background(), p, isService, Limits{})
			if hr.State != facts.ReadOK || len(visits) != 300 || visits[299].Path != "/p299"+strings.Repeat("x", MaxPath-len("/p299")) {
				t.Errorf("Read = %+v, %d visits; want state read, 300 visits, the last /p299xxx… cut at %d bytes", hr, len(visits), MaxPath)
			}
		})
	}
}

// rootPage is where SQLite says a table's b-tree starts.
func rootPage(t testing.TB, path, table string) uint32 {
	t.Helper()
	out := python(t, `
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select rootpage from sqlite_master where name = ?", (sys.argv[2],)).fetchone()[0])
`, path, table)
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("python: %q", out)
	}
	return uint32(n)
}

// pg is page n of a database with 4096-byte pages; cells are its cell
// offsets.
func pg(b []byte, n uint32) []byte { return b[(n-1)*4096 : n*4096] }

func cells(p []byte, n uint32) (hdr int, offs []int) {
	if n == 1 {
		hdr = 100
	}
	k := 8
	if p[hdr] == 0x05 {
		k = 12
	}
	for i := range int(binary.BigEndian.Uint16(p[hdr+3:])) {
		offs = append(offs, int(binary.BigEndian.Uint16(p[hdr+k+2*i:])))
	}
	return hdr, offs
}

// firstOverflow is where the first leaf cell of page p (n) keeps the
// number of its first overflow page (the payload is over 4061 bytes).
func firstOverflow(t testing.TB, p []byte, n uint32) int {
	_, offs := cells(p, n)
	c := offs[0]
	size, k := varint(p[c:])
	_, k2 := varint(p[c+k:])
	if size <= 4096-35 {
		t.Fatalf("page %d cell 0: payload %d does not overflow", n, size)
	}
	local := (&db{usable: 4096}).localSize(size)
	return c + k + k2 + local
}

// Hostile files, each made by changing a few bytes of a file SQLite
// wrote: every one ends in state corrupt and an Error naming the file and
// the fault, never a panic or a hang. alicebob/sqlittle, tried first,
// panicked on the two marked so, and on the overflow chain that loops
// allocated without end (see the package comment).
func TestReadHostile(t *testing.T) {
	small := makeDB(t, 3, 0, "")      // urls root 2, visits root 3, leaves
	many := makeDB(t, 3000, 0, "")    // urls root an interior page over leaves
	deep := makeDB(t, 12000, 300, "") // urls three levels deep
	long := makeDB(t, 2, 10000, "")   // each URL overflows into 3 pages
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	smallRoot, manyRoot, deepRoot, longRoot := rootPage(t, small, "urls"), rootPage(t, many, "urls"), rootPage(t, deep, "urls"), rootPage(t, long, "urls")
	put32 := binary.BigEndian.PutUint32
	put16 := binary.BigEndian.PutUint16
	for _, tt := range []struct {
		name   string
		base   string
		change func(t *testing.T, b []byte) []byte
		says   string
	}{
		{"empty file", small, func(t *testing.T, b []byte) []byte { return b[:0] }, "0 bytes, shorter than a SQLite header"},
		{"header only", small, func(t *testing.T, b []byte) []byte { return b[:100] }, "the header counts 4 pages; the file holds 1"},
		{"zero pages", small, func(t *testing.T, b []byte) []byte { b = b[:100]; put32(b[28:], 0); return b }, "the database has no pages"},
		{"cut in half", many, func(t *testing.T, b []byte) []byte { put32(b[28:], 0); return b[:len(b)/2] }, "outside the database's"},
		{"not SQLite", small, func(t *testing.T, b []byte) []byte { copy(b, "SQLite format 2\x00"); return b }, "not a SQLite database"},
		{"page size 0", small, func(t *testing.T, b []byte) []byte { put16(b[16:], 0); return b }, "page size 0 is not a power of two"},
		{"page size 65535", small, func(t *testing.T, b []byte) []byte { put16(b[16:], 65535); return b }, "page size 65535 is not a power of two"},
		{"page size 1 means 65536", small, func(t *testing.T, b []byte) []byte { put16(b[16:], 1); return b }, "the header counts 4 pages; the file holds 1"},
		{"page size 512 over 4096-byte pages", small, func(t *testing.T, b []byte) []byte { put16(b[16:], 512); put32(b[28:], 0); return b }, "page 1: cell 0 starts at"},
		{"a header that claims 2^31 pages", small, func(t *testing.T, b []byte) []byte { put32(b[28:], 1<<31); return b }, "the header counts 2147483648 pages"},
		{"UTF-16", small, func(t *testing.T, b []byte) []byte { put32(b[56:], 2); return b }, "text encoding 2 is not UTF-8"},
		{"an unknown file format version", small, func(t *testing.T, b []byte) []byte { b[18], b[19] = 3, 3; return b }, "file format versions 3/3"},
		{"an interior page pointing to itself", many, func(t *testing.T, b []byte) []byte {
			p := pg(b, manyRoot)
			_, offs := cells(p, manyRoot)
			put32(p[offs[3]:], manyRoot)
			return b
		}, "reached twice: the file loops back on itself"},
		{"a page pointing to an ancestor", deep, func(t *testing.T, b []byte) []byte {
			p := pg(b, deepRoot)
			_, offs := cells(p, deepRoot)
			child := binary.BigEndian.Uint32(p[offs[0]:])
			if pg(b, child)[0] != 0x05 {
				t.Fatalf("deep: page %d under the root is not interior", child)
			}
			put32(pg(b, child)[8:], deepRoot) // its rightmost child: the root
			return b
		}, "reached twice"},
		{"two cells sharing a child", many, func(t *testing.T, b []byte) []byte {
			p := pg(b, manyRoot)
			_, offs := cells(p, manyRoot)
			copy(p[offs[1]:offs[1]+4], p[offs[0]:offs[0]+4])
			return b
		}, "reached twice"},
		{"a child beyond the file", many, func(t *testing.T, b []byte) []byte {
			p := pg(b, manyRoot)
			put32(p[8:], 99999)
			return b
		}, "a pointer to page 99999, outside the database's"},
		{"a child 0", many, func(t *testing.T, b []byte) []byte {
			p := pg(b, manyRoot)
			put32(p[8:], 0)
			return b
		}, "a pointer to page 0"},
		{"an overflow chain that loops", long, func(t *testing.T, b []byte) []byte {
			p := pg(b, longRoot)
			first := binary.BigEndian.Uint32(p[firstOverflow(t, p, longRoot):])
			put32(pg(b, first), first)
			return b
		}, "reached twice"},
		{"an overflow chain that ends early", long, func(t *testing.T, b []byte) []byte {
			p := pg(b, longRoot)
			first := binary.BigEndian.Uint32(p[firstOverflow(t, p, longRoot):])
			put32(pg(b, first), 0)
			return b
		}, "its overflow chain ends before its"},
		{"a 9-byte payload length", small, func(t *testing.T, b []byte) []byte {
			p := pg(b, smallRoot)
			_, offs := cells(p, smallRoot)
			put16(p[8:], uint16(4096-12)) // cell 0 moved to the page's end
			copy(p[4096-12:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0})
			_ = offs
			return b
		}, "cell 0 has a bad payload length"},
		{"a payload that runs past the page (panics sqlittle)", small, func(t *testing.T, b []byte) []byte {
			p := pg(b, smallRoot)
			put16(p[8:], uint16(4096-4))
			copy(p[4096-4:], []byte{0x9f, 0x20, 0x01, 0x00}) // 4000 bytes, all local, at the last 4
			return b
		}, "cell 0: a 4000-byte payload runs past the page's end"},
		{"a negative serial type (panics sqlittle)", small, func(t *testing.T, b []byte) []byte {
			p := pg(b, smallRoot)
			_, offs := cells(p, smallRoot)
			c := offs[0] + 2 // past payload length and rowid
			copy(p[c:], []byte{11, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03})
			return b
		}, "bad serial type"},
		{"a huge serial type", small, func(t *testing.T, b []byte) []byte {
			p := pg(b, smallRoot)
			_, offs := cells(p, smallRoot)
			c := offs[0] + 2
			copy(p[c:], []byte{11, 0, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			return b
		}, "urls row 1: a column runs past the record's end"},
		{"a cell outside the page", small, func(t *testing.T, b []byte) []byte { put16(pg(b, smallRoot)[8:], 65535); return b }, "cell 0 starts at 65535"},
		{"more cells than fit", small, func(t *testing.T, b []byte) []byte { put16(pg(b, smallRoot)[3:], 65535); return b }, "65535 cells do not fit"},
		{"an index page where a table belongs", small, func(t *testing.T, b []byte) []byte { pg(b, smallRoot)[0] = 0x0a; return b }, "type 0x0a where a table page"},
		{"a root page beyond the file", small, func(t *testing.T, b []byte) []byte {
			// sqlite_master's first row is urls; its rootpage is 2 (a
			// 1-byte integer) in the record: change it to 99.
			p := pg(b, 1)
			i := strings.Index(string(p), "tableurlsurls") + len("tableurlsurls")
			if p[i] != byte(smallRoot) {
				t.Fatalf("urls rootpage not found in sqlite_master (%d)", p[i])
			}
			p[i] = 99
			return b
		}, "table urls has root page 99, not a page of the file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.change(t, read(tt.base))
			p := filepath.Join(t.TempDir(), "History")
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			hr, visits := Read(context.Background(), p, isService, Limits{})
			if hr.State != facts.ReadCorrupt || !strings.HasPrefix(hr.Error, p+": not a readable History database") || !strings.Contains(hr.Error, tt.says) {
				t.Errorf("Read = %+v; want state corrupt and an error naming the file and saying %q", hr, tt.says)
			}
			if len(visits) != hr.Kept {
				t.Errorf("%d visits; Kept says %d", len(visits), hr.Kept)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Read took %v", d)
			}
		})
	}
}

// Schemas that are not Chromium's History: the state says so.
func TestReadNotAHistory(t *testing.T) {
	for _, tt := range []struct{ name, schema, says string }{
		{"urls without url", "create table urls(id integer primary key, title, last_visit_time); create table visits(id integer primary key, url, visit_time)", "table urls has no url column"},
		{"visits without visit_time", "create table urls(id integer primary key, url, title, last_visit_time); create table visits(id integer primary key, url, time)", "table visits has no visit_time column"},
		{"no visits table", "create table urls(id integer primary key, url, title, last_visit_time); create table visits_(id integer primary key, url, visit_time); create view visits as select * from visits_", "no visits table"},
		{"urls WITHOUT ROWID", "create table urls(id integer primary key, url, title, last_visit_time) without rowid; create table visits(id integer primary key, url, visit_time)", "where a table page"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := makeDB(t, 0, 0, tt.schema)
			hr, _ := Read(context.Background(), p, isService, Limits{})
			if hr.State != facts.ReadCorrupt || !strings.Contains(hr.Error, tt.says) || !strings.HasPrefix(hr.Error, p) {
				t.Errorf("Read = %+v; want state corrupt, the file named, and %q", hr, tt.says)
			}
		})
	}
	// A UTF-16 database written by SQLite itself.
	p := makeDB(t, 0, 0, "pragma encoding='UTF-16le'; create table urls(id integer primary key, url, title, last_visit_time); create table visits(id integer primary key, url, visit_time)")
	if hr, _ := Read(context.Background(), p, isService, Limits{}); hr.State != facts.ReadCorrupt || !strings.Contains(hr.Error, "not UTF-8") {
		t.Errorf("Read(UTF-16 database) = %+v; want corrupt, not UTF-8", hr)
	}
}

// Each limit ends the read with state truncated, what was read kept, and
// an Error that says which limit and what is missing.
func TestReadLimits(t *testing.T) {
	many := makeDB(t, 3000, 0, "") // 3000 URLs, one visit each
	few := makeDB(t, 0, 0, "")     // filled below: 3 URLs, 100 visits
	python(t, `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for i in range(3):
    con.execute("insert into urls(url, title, last_visit_time) values(?, 't', 0)", ("https://`+serviceHost+`/status/%d" % i,))
for i in range(100):
    con.execute("insert into visits(url, visit_time) values(?, ?)", (i % 3 + 1, 13441036812000000 + i * 1000000))
con.commit()
`, few)
	size := func(p string) int64 {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name       string
		ctx        context.Context
		path       string
		lim        Limits
		rows, kept int
		says       string
	}{
		{"rows", context.Background(), many, Limits{MaxRows: 1000}, 1000, 0, "stopped after examining 1000 rows, the limit"},
		{"rows in visits", context.Background(), many, Limits{MaxRows: 3500}, 3500, 500, "stopped after examining 3500 rows"},
		{"visits", context.Background(), few, Limits{MaxVisits: 5}, 103, 5, "100 visits of the service's pages, more than the 5 kept: the newest are kept"},
		{"service URLs", context.Background(), many, Limits{MaxVisits: 100}, 3000 + 3000, 100, "more than 1000 of the service's URLs"},
		{"bytes", context.Background(), many, Limits{MaxBytes: 64 << 10}, -1, -1, "bytes, more than the 65536 copied"},
		{"deadline", cancelled, many, Limits{}, 0, 0, "the run's deadline ended the copy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hr, visits := Read(tt.ctx, tt.path, isService, tt.lim)
			if hr.State != facts.ReadTruncated || !strings.Contains(hr.Error, tt.says) || !strings.HasPrefix(hr.Error, tt.path+": ") {
				t.Errorf("Read = %+v; want truncated, the file named, and %q", hr, tt.says)
			}
			if tt.rows >= 0 && (hr.Rows != tt.rows || hr.Kept != tt.kept) {
				t.Errorf("Rows, Kept = %d, %d; want %d, %d", hr.Rows, hr.Kept, tt.rows, tt.kept)
			}
			if len(visits) != hr.Kept {
				t.Errorf("%d visits; Kept says %d", len(visits), hr.Kept)
			}
			if tt.name == "visits" {
				if first := visits[0].Time; first != time.Date(2026, 12, 6, 13, 21, 47, 0, time.UTC) {
					t.Errorf("the oldest visit kept is at %v; want the 96th, 2026-12-06T13:21:47Z (the newest 5 kept)", first)
				}
			}
		})
	}
	t.Run("bytes", func(t *testing.T) {
		if size(many) <= 64<<10 {
			t.Fatalf("the file is %d bytes; want more than 64 KiB", size(many))
		}
	})
	// The deadline while reading rather than copying.
	data, _ := os.ReadFile(many)
	hr, _ := Parse(cancelled, many, Files{DB: data}, isService, Limits{})
	if hr.State != facts.ReadTruncated || !strings.Contains(hr.Error, "the run's deadline ended the reading") {
		t.Errorf("Parse with the deadline passed = %+v; want truncated by the deadline", hr)
	}
}
