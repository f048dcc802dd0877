package eventlog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// fakeLog stands for wevtapi.dll: per channel, the rendered records
// newest first (what EvtQueryReverseDirection returns) or an error, and
// it counts the handles it gives out and gets back.
type fakeLog struct {
	channels map[string][]string // rendered XML, newest first
	errs     map[string]error    // EvtQuery's error for a channel
	nextErr  error               // EvtNext's error after the first batch
	timeouts int                 // EvtNext times out this many times first
	queries  map[string]string   // the XPath asked per channel
	open     map[uintptr]bool
	nextID   uintptr
	results  map[uintptr]*fakeResults
	events   map[uintptr]string
}

type fakeResults struct {
	recs    []string
	batches int
}

func newFakeLog() *fakeLog {
	return &fakeLog{channels: map[string][]string{}, errs: map[string]error{}, queries: map[string]string{},
		open: map[uintptr]bool{}, results: map[uintptr]*fakeResults{}, events: map[uintptr]string{}}
}

func (f *fakeLog) handle() uintptr {
	f.nextID++
	f.open[f.nextID] = true
	return f.nextID
}

func (f *fakeLog) query(channel, xpath string) (uintptr, error) {
	f.queries[channel] = xpath
	if err := f.errs[channel]; err != nil {
		return 0, err
	}
	h := f.handle()
	f.results[h] = &fakeResults{recs: f.channels[channel]}
	return h, nil
}

func (f *fakeLog) next(rs uintptr, handles []uintptr, timeout time.Duration) (int, error) {
	if !f.open[rs] || timeout <= 0 {
		return 0, errors.New("bad call")
	}
	if f.timeouts > 0 {
		f.timeouts--
		return 0, errTimeout
	}
	r := f.results[rs]
	if r.batches > 0 && f.nextErr != nil {
		return 0, f.nextErr
	}
	if len(r.recs) == 0 {
		return 0, errNoMoreItems
	}
	r.batches++
	n := min(len(handles), len(r.recs))
	for i := range n {
		h := f.handle()
		f.events[h] = r.recs[i]
		handles[i] = h
	}
	r.recs = r.recs[n:]
	return n, nil
}

func (f *fakeLog) render(h uintptr) ([]byte, error) {
	if !f.open[h] {
		return nil, errors.New("render of a closed handle")
	}
	x := f.events[h]
	if len(x) > maxXMLSize {
		return nil, errXMLTooLarge
	}
	return []byte(x), nil
}

func (f *fakeLog) close(h uintptr) { delete(f.open, h) }

// alertXML renders a Schannel 36887 as EvtRender would.
func alertXML(id int, t time.Time, alert int) string {
	return fmt.Sprintf(`<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Schannel' Guid='{1f678132-5938-4686-9fdc-c8ff68f15c85}'/>`+
		`<EventID>36887</EventID><Version>0</Version><Level>2</Level><TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID>`+
		`<Channel>System</Channel><Computer>PC</Computer><Security UserID='S-1-5-18'/></System>`+
		`<EventData><Data Name='AlertDesc'>%d</Data></EventData></Event>`, t.Format(time.RFC3339Nano), id, alert)
}

func TestReadLive(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	week := Window{Since: now.Add(-7 * 24 * time.Hour), Until: now}
	f := newFakeLog()
	for i := 200; i > 0; i-- { // newest first
		f.channels["System"] = append(f.channels["System"], alertXML(i, now.Add(-time.Duration(200-i)*time.Minute), 40))
	}
	f.channels["System"] = append(f.channels["System"], "<Event><broken", strings.Repeat("x", maxXMLSize+1))
	f.channels["Application"] = []string{crashNamed, crashClassic}
	f.errs["Security"] = errAccessDenied
	f.errs[chanRAAdmin] = errEvtChannelNotFound
	f.errs[chanRemoteHelp] = errors.New("RPC server unavailable")
	logs, recs := readLive(t.Context(), f, week, Limits{noFold: true}, now, rows)

	byChannel := map[string]facts.LogRead{}
	for _, lr := range logs {
		byChannel[lr.Channel] = lr
	}
	for ch, want := range map[string]struct {
		state         string
		scanned, kept int
		err           string
	}{
		"System":       {facts.ReadOK, 202, 200, "2 records could not be read"},
		"Application":  {facts.ReadOK, 2, 2, ""},
		chanAppX:       {facts.ReadOK, 0, 0, ""},
		"Security":     {facts.ReadDenied, 0, 0, "read Security: "},
		chanRAAdmin:    {facts.ReadAbsent, 0, 0, "read " + chanRAAdmin},
		chanRAOper:     {facts.ReadOK, 0, 0, ""},
		chanRemoteHelp: {facts.ReadError, 0, 0, "RPC server unavailable"},
	} {
		lr := byChannel[ch]
		if lr.State != want.state || lr.Scanned != want.scanned || lr.Kept != want.kept || !strings.Contains(lr.Error, want.err) || (want.err == "") != (lr.Error == "") {
			t.Errorf("%s: %+v; want %s, %d scanned, %d kept, error %q", ch, lr, want.state, want.scanned, want.kept, want.err)
		}
	}
	if len(logs) != len(Channels()) || len(recs) != 202 {
		t.Errorf("%d logs, %d records; want %d, 202", len(logs), len(recs), len(Channels()))
	}
	checkRecords(t, recs, Limits{}.withDefaults(), week)

	// Folded, as qadoctor reads: the 200 alike alerts a minute apart are
	// 19 records of up to 11 (FoldSpan, 10 minutes, both ends kept); the
	// two crashes, the same record in two renderings, one.
	f = newFakeLog()
	for i := 200; i > 0; i-- {
		f.channels["System"] = append(f.channels["System"], alertXML(i, now.Add(-time.Duration(200-i)*time.Minute), 40))
	}
	f.channels["Application"] = []string{crashNamed, crashClassic}
	logs, recs = readLive(t.Context(), f, week, Limits{}, now, rows)
	if n := len(recs); n != 20 || sumN(recs) != 202 || logs[0].Matched != 200 || logs[0].Kept != 19 {
		t.Errorf("folded: %d records standing for %d, %+v; want 20 for 202, System 200 matched, 19 kept", n, sumN(recs), logs[0])
	}
	checkFolded(t, recs)
	if len(f.open) != 0 {
		t.Errorf("%d handles left open", len(f.open))
	}
	if q := f.queries["System"]; q != queryFor(rows, "System", 7*24*time.Hour) {
		t.Errorf("System was queried with %s", q)
	}
}

func TestReadLiveBounds(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	fill := func(f *fakeLog, n int) {
		for i := n; i > 0; i-- {
			f.channels["System"] = append(f.channels["System"], alertXML(i, now.Add(-time.Duration(n-i)*time.Second), 40))
		}
	}
	t.Run("MaxKept", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 1000)
		lr, recs := readChannel(t.Context(), f, "System", Window{}, Limits{MaxKept: 10, noFold: true}.withDefaults(), now, rows)
		if lr.State != facts.ReadTruncated || len(recs) != 10 || recs[9].RecordID != 1000 || recs[0].RecordID != 991 || lr.Scanned != liveBatch {
			t.Errorf("%+v, %d records (%d..); want truncated after one batch, the newest 10", lr, len(recs), recs[0].RecordID)
		}
		if len(f.open) != 0 {
			t.Errorf("%d handles left open", len(f.open))
		}
		// Folded, a second apart, the 1000 are two records (FoldSpan):
		// nothing is left out.
		f = newFakeLog()
		fill(f, 1000)
		lr, recs = readChannel(t.Context(), f, "System", Window{}, Limits{MaxKept: 10}.withDefaults(), now, rows)
		if lr.State != facts.ReadOK || len(recs) != 2 || sumN(recs) != 1000 || lr.Matched != 1000 {
			t.Errorf("folded: %+v, %d records for %d; want read, 2 for 1000", lr, len(recs), sumN(recs))
		}
		checkFolded(t, recs)
	})
	t.Run("MaxScanned", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 1000)
		lr, _ := readChannel(t.Context(), f, "System", Window{}, Limits{MaxScanned: 100}.withDefaults(), now, rows)
		if lr.State != facts.ReadTruncated || lr.Scanned != 2*liveBatch {
			t.Errorf("%+v; want truncated after 2 batches", lr)
		}
	})
	t.Run("Until", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 100)
		_, recs := readChannel(t.Context(), f, "System", Window{Until: now.Add(-50 * time.Second)}, Limits{noFold: true}.withDefaults(), now, rows)
		if len(recs) != 50 {
			t.Errorf("kept %d; want the 50 up to Until", len(recs))
		}
	})
	t.Run("timeouts then records", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 5)
		f.timeouts = 3
		lr, recs := readChannel(t.Context(), f, "System", Window{}, Limits{noFold: true}.withDefaults(), now, rows)
		if lr.State != facts.ReadOK || len(recs) != 5 {
			t.Errorf("%+v, %d records; want all 5", lr, len(recs))
		}
	})
	t.Run("deadline", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 5)
		f.timeouts = 1 << 30 // EvtNext never returns a record
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		lr, _ := readChannel(ctx, f, "System", Window{}, Limits{}.withDefaults(), now, rows)
		if lr.State != facts.ReadTruncated || !strings.Contains(lr.Error, "deadline") || time.Since(start) > 5*time.Second {
			t.Errorf("%+v after %v; want truncated by the deadline", lr, time.Since(start))
		}
	})
	t.Run("EvtNext fails midway", func(t *testing.T) {
		f := newFakeLog()
		fill(f, 100)
		f.nextErr = syscall.Errno(1726) // RPC_S_CALL_FAILED
		lr, recs := readChannel(t.Context(), f, "System", Window{}, Limits{noFold: true}.withDefaults(), now, rows)
		if lr.State != facts.ReadError || len(recs) != liveBatch || !strings.Contains(lr.Error, "after 64 records") {
			t.Errorf("%+v, %d records; want an error, the first batch kept", lr, len(recs))
		}
		if len(f.open) != 0 {
			t.Errorf("%d handles left open", len(f.open))
		}
	})
}
