package eventlog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// BenchmarkReadFileSystem reads the Stolen Szechuan DC's System log (16
// MiB, 60,189 records, 58,410 of them Schannel errors in one minute)
// with a 7-day window around that minute and the default limits.
func BenchmarkReadFileSystem(b *testing.B) {
	path := filepath.Join(testpeer.Samples(b, "evtx"), "StolenSzechuan-DC01_System.evtx")
	w := Window{Since: time.Date(2020, 9, 13, 0, 0, 0, 0, time.UTC), Until: time.Date(2020, 9, 20, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		lr, recs := ReadFile(context.Background(), path, w, Limits{})
		if lr.State != facts.ReadTruncated || len(recs) != DefaultMaxKept {
			b.Fatalf("ReadFile = %+v, %d records; want truncated, %d", lr, len(recs), DefaultMaxKept)
		}
	}
}
