package eventlog

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// event is one record as read, from an .evtx file or from the XML the
// live log renders, before the table is applied.
type event struct {
	Channel  string
	Provider string
	EventID  int
	Level    int
	Time     time.Time // UTC; zero when the record has none
	RecordID uint64
	// Named are the EventData (or UserData) values that have a name, in
	// order; Pos are the unnamed ones (classic providers' strings), in
	// order.
	Named []namedValue
	Pos   []string
}

type namedValue struct{ Name, Value string }

// get returns the value of a field: by its names, else by its position.
func (e *event) get(f Field) (string, bool) {
	for _, n := range e.Named {
		if n.Name == f.Name || slices.Contains(f.Alt, n.Name) {
			return n.Value, true
		}
	}
	if f.Pos > 0 && f.Pos <= len(e.Pos) {
		return e.Pos[f.Pos-1], true
	}
	return "", false
}

// match returns the first row of the table that takes the event.
func match(table []Row, e *event) (*Row, bool) {
	for i := range table {
		row := &table[i]
		if row.selects(e.Channel, e.Provider, e.EventID, e.Level) && row.passes(e.get) {
			return row, true
		}
	}
	return nil, false
}

// keep turns a matched event into the record kept: the row's spelling of
// the channel, the row's fields only, every string valid UTF-8 and cut.
func keep(row *Row, e *event, lim Limits) facts.EventRecord {
	r := facts.EventRecord{
		Time:     e.Time.UTC(),
		Channel:  row.Channel,
		Provider: clean(e.Provider, lim.MaxString),
		EventID:  e.EventID,
		Level:    e.Level,
		RecordID: e.RecordID,
	}
	for _, p := range row.Providers { // the table's spelling when it names one
		if strings.EqualFold(p, e.Provider) {
			r.Provider = p
		}
	}
	for _, f := range row.Fields {
		if len(r.Data) >= lim.MaxFields {
			break
		}
		v, ok := e.get(f)
		if !ok {
			continue
		}
		if f.Hex {
			v = hexForm(v)
		}
		if flt := row.Filter; flt != nil && flt.Op == ContainsFold && flt.Field == f.Name && len(v) > lim.MaxString {
			v = keepNeedle(v, flt.Values, lim.MaxString)
		}
		r.Data = append(r.Data, facts.EventData{Name: f.Name, Value: clean(v, lim.MaxString)})
	}
	return r
}

// keepNeedle starts a value that is to be cut where the first of the
// needles it holds begins, when the cut would lose it, so the kept value
// still passes the filter (a crafted package name of 300 bytes with
// Quick Assist's family at its end).
func keepNeedle(v string, needles []string, limit int) string {
	low := asciiLower(v) // byte for byte: an index into it is an index into v
	for _, n := range needles {
		i := strings.Index(low, asciiLower(n))
		if i < 0 {
			continue
		}
		if i+len(n) <= limit-len("…") {
			return v
		}
		return "…" + v[i:]
	}
	return v
}

// asciiLower lower-cases A to Z only, so the result has v's length and
// byte positions (strings.ToLower changes a string's length: U+023A grows
// from 2 bytes to 3, so an index found in its result can lie past v's
// end). The table's values are ASCII.
func asciiLower(v string) string {
	b := []byte(v)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// hexForm writes a number as Windows renders HexInt32/HexInt64 in event
// XML ("0x0", "0x80073d02"); anything that is not a number is left alone.
func hexForm(v string) string {
	s := strings.TrimSpace(v)
	var n uint64
	var err error
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err = strconv.ParseUint(rest, 16, 64)
	} else {
		n, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil {
		return v
	}
	return fmt.Sprintf("0x%x", n)
}

// clean makes s valid UTF-8 without NULs and cuts it to at most limit bytes
// on a rune boundary, ending a cut string with "…".
func clean(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.TrimRight(s, "\x00")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", " ")
	}
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	cut, tail := limit-len(ellipsis), ellipsis
	if cut < 0 {
		cut, tail = limit, ""
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + tail
}

// FoldGap is how close alike records must come to be kept as one (a
// count, the first's time and the last's): a storm of one error is one
// record, so MaxKept keeps sessions, not one storm (the sample DC's System
// log holds 58,410 Schannel errors within a minute). FoldSpan bounds the
// span of one folded record, so a storm that lasts days still says when
// each part came: a session's window (lastsession.Window, a minute either
// side) takes the parts that overlap it.
const (
	FoldGap  = time.Minute
	FoldSpan = 10 * time.Minute
)

// collector keeps the newest lim.MaxKept records of those offered, alike
// records within FoldGap of each other folded into one, with memory
// bounded by twice that (records and index entries alike).
type collector struct {
	max     int
	noFold  bool
	matched int                 // records offered
	dropped int                 // records trim left out (the oldest)
	recs    []facts.EventRecord // folded
	at      map[string]int      // a fold key's latest record in recs
}

func (c *collector) add(r facts.EventRecord) {
	c.matched++
	k := ""
	if !c.noFold {
		k = r.Kind()
	}
	if i, ok := c.at[k]; ok && !c.noFold && c.folds(c.recs[i], r) {
		c.recs[i].Fold(r)
		return
	}
	if c.at == nil {
		c.at = map[string]int{}
	}
	if !c.noFold {
		c.at[k] = len(c.recs)
	}
	c.recs = append(c.recs, r)
	if len(c.recs) >= 2*c.max+1 {
		c.trim()
	}
}

// folds says r joins g: alike (the key matched), within FoldGap of g's
// span, and the span it makes no longer than FoldSpan.
func (c *collector) folds(g, r facts.EventRecord) bool {
	if r.Time.Before(g.Time.Add(-FoldGap)) || r.Time.After(g.End().Add(FoldGap)) {
		return false
	}
	first, last := g.Time, g.End()
	if r.Time.Before(first) {
		first = r.Time
	}
	if r.End().After(last) {
		last = r.End()
	}
	return last.Sub(first) <= FoldSpan
}

// trim folds what the index missed (a hostile file's records out of
// time order can leave two alike ones apart), sorts oldest first, drops
// all but the newest max and indexes what is left.
func (c *collector) trim() {
	if !c.noFold {
		c.refold()
	}
	sortRecords(c.recs)
	if n := len(c.recs); n > c.max {
		for _, r := range c.recs[:n-c.max] {
			c.dropped += r.N()
		}
		c.recs = slices.Delete(c.recs, 0, n-c.max)
	}
	clear(c.at)
	for i, r := range c.recs {
		if c.noFold {
			break
		}
		if c.at == nil {
			c.at = map[string]int{}
		}
		c.at[r.Kind()] = i
	}
}

// refold sorts the records by what they say, then by time, and folds each
// into the one before it where it may.
func (c *collector) refold() {
	type keyed struct {
		key string
		r   facts.EventRecord
	}
	ks := make([]keyed, len(c.recs))
	for i, r := range c.recs {
		ks[i] = keyed{r.Kind(), r}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Or(strings.Compare(a.key, b.key), a.r.Time.Compare(b.r.Time)) })
	out := c.recs[:0]
	for i, k := range ks {
		if i > 0 && k.key == ks[i-1].key && c.folds(out[len(out)-1], k.r) {
			out[len(out)-1].Fold(k.r)
			continue
		}
		out = append(out, k.r)
	}
	c.recs = out
}

// sortRecords orders records oldest first; equal times by record ID.
func sortRecords(rs []facts.EventRecord) {
	slices.SortStableFunc(rs, func(a, b facts.EventRecord) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.RecordID, b.RecordID)
	})
}

// in says t falls in the window (bounds inclusive; zero bounds are open).
func (w Window) in(t time.Time) bool {
	if !w.Since.IsZero() && t.Before(w.Since) {
		return false
	}
	return w.Until.IsZero() || !t.After(w.Until)
}
