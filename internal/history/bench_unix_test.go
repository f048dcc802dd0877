//go:build !windows

package history

import (
	"context"
	"os"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// bigHistory is Chromium's History with 100,000 more URLs and 100,000
// more visits added by SQLite (python3): 1 in 100 on the service's host,
// the rest on other hosts, as a heavily used browser profile would hold.
func bigHistory(b *testing.B) string {
	b.Helper()
	path, _, _ := chromiumHistory(b)
	python(b, `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.execute("begin")
for i in range(100000):
    host = "`+serviceHost+`" if i % 100 == 0 else "www%d.example.test" % (i % 5000)
    con.execute("insert into urls(url, title, last_visit_time) values(?, ?, 13441036812068051)", ("https://%s/page/%d?q=%d" % (host, i, i), "title %d" % i))
    con.execute("insert into visits(url, visit_time) values(last_insert_rowid(), ?)", (13441036812068051 + i * 1000,))
con.commit()
`, path)
	return path
}

// Reading 100,000 URLs and 100,000 visits (about 200,000 rows) of which
// 1,000 URLs and 1,000 visits are the service's: Parse on the bytes, and
// Read with its copy and second look.
//
//	go test -run '^$' -bench . -benchmem ./internal/history
func BenchmarkRead100k(b *testing.B) {
	path := bigHistory(b)
	db, _ := os.ReadFile(path)
	journal, _ := os.ReadFile(path + "-journal")
	b.Logf("History: %d bytes", len(db))
	for _, bb := range []struct {
		name string
		read func() (facts.HistoryRead, []facts.Visit)
	}{
		{"Parse", func() (facts.HistoryRead, []facts.Visit) {
			return Parse(context.Background(), path, Files{DB: db, Journal: journal}, isService, Limits{})
		}},
		{"Read", func() (facts.HistoryRead, []facts.Visit) {
			return Read(context.Background(), path, isService, Limits{})
		}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			var hr facts.HistoryRead
			for b.Loop() {
				hr, _ = bb.read()
			}
			if hr.State != facts.ReadOK || hr.Kept != 1000+len(wantPaths) {
				b.Fatalf("%+v; want state read, %d kept", hr, 1000+len(wantPaths))
			}
			b.ReportMetric(float64(hr.Rows), "rows/op")
		})
	}
}
