package eventlog

import (
	"context"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// BenchmarkReadFileSystem reads the Stolen Szechuan DC's System log (16
// MiB, 60,189 records, 58,410 of them Schannel errors in one minute)
// with a 7-day window around that minute: with the default limits
// (the newest 1,000 kept) and keeping all 58,410.
//
// Peak memory: run the benchmark binary under /usr/bin/time -v:
//
//	go test -c -o /tmp/eventlog.test ./internal/eventlog
//	/usr/bin/time -v /tmp/eventlog.test -test.run XXX -test.bench ReadFileSystem/default -test.benchtime 5x
func BenchmarkReadFileSystem(b *testing.B) {
	path := sampleFile(b, "StolenSzechuan-DC01_System.evtx")
	w := Window{Since: time.Date(2020, 9, 13, 0, 0, 0, 0, time.UTC), Until: time.Date(2020, 9, 20, 0, 0, 0, 0, time.UTC)}
	for _, bc := range []struct {
		name  string
		lim   Limits
		state string
		kept  int
	}{
		{"default", Limits{}, facts.ReadTruncated, DefaultMaxKept},
		{"all", Limits{MaxKept: 1 << 20}, facts.ReadOK, 58410},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(16846848)
			for b.Loop() {
				lr, recs := ReadFile(context.Background(), path, w, bc.lim)
				if lr.State != bc.state || len(recs) != bc.kept {
					b.Fatalf("ReadFile = %+v, %d records; want %s, %d", lr, len(recs), bc.state, bc.kept)
				}
			}
		})
	}
}

// BenchmarkPrefilter measures what a chunk costs that holds nothing the
// table wants: the pre-filter's search and the count of its records.
func BenchmarkPrefilter(b *testing.B) {
	chunks := sampleChunks(b, "DFIRArtifactMuseum-Win11_System.evtx")
	needles := prefilterNeedles(rows)
	b.SetBytes(int64(len(chunks) * chunkSize))
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range chunks {
			if mayHold(c, needles) {
				b.Fatal("a Windows 11 System chunk holds a wanted string")
			}
			countRecords(c)
		}
	}
}
