package eventlog

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// TestReadLiveUnderWine runs ReadLive against the Event Log API of the
// Windows it runs on. Wine 8's wevtapi does not implement EvtQuery: every
// channel must then say it could not be read and which call failed,
// within the deadline. On real Windows it checks the shape: one LogRead
// per channel, a reason for every state but read, the records' bounds.
func TestReadLiveUnderWine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	now := time.Now().UTC()
	w := Window{Since: now.Add(-7 * 24 * time.Hour), Until: now}
	logs, recs := ReadLive(ctx, w, Limits{}) // bounded by ctx: a hang would end the test binary
	if len(logs) != len(Channels()) {
		t.Fatalf("%d logs; want one per channel (%d)", len(logs), len(Channels()))
	}
	for i, lr := range logs {
		t.Logf("%s: %s %q (%d scanned, %d kept)", lr.Channel, lr.State, lr.Error, lr.Scanned, lr.Kept)
		if lr.Channel != Channels()[i] || lr.State == "" || (lr.State != facts.ReadOK && lr.Error == "") {
			t.Errorf("%s: state %q, error %q", lr.Channel, lr.State, lr.Error)
		}
		if os.Getenv("QADOCTOR_WINE") == "1" && (lr.State != facts.ReadError || !strings.Contains(lr.Error, "EvtQuery")) {
			t.Errorf("under Wine %s: %s %q; want an error naming EvtQuery", lr.Channel, lr.State, lr.Error)
		}
	}
	checkRecords(t, recs, Limits{}.withDefaults(), w)
}
