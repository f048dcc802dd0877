package eventlog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Windows error numbers the live reader tells apart (winerror.h).
const (
	errAccessDenied       = syscall.Errno(5)     // ERROR_ACCESS_DENIED
	errInsufficientBuffer = syscall.Errno(122)   // ERROR_INSUFFICIENT_BUFFER
	errNoMoreItems        = syscall.Errno(259)   // ERROR_NO_MORE_ITEMS
	errTimeout            = syscall.Errno(1460)  // ERROR_TIMEOUT
	errEvtChannelNotFound = syscall.Errno(15007) // ERROR_EVT_CHANNEL_NOT_FOUND
	errEvtInvalidQuery    = syscall.Errno(15001) // ERROR_EVT_INVALID_QUERY
)

// Batches of the live reader.
const (
	// liveBatch is how many records one EvtNext returns.
	liveBatch = 64
	// liveNextWait is the longest one EvtNext waits before the reader
	// looks at its context again: a query on a big Security log scans
	// for seconds before its first match.
	liveNextWait = time.Second
)

// evtAPI is the part of the Event Log API (wevtapi.dll) the live reader
// uses, so the reading loop runs in tests on any OS.
type evtAPI interface {
	// query is EvtQuery(NULL, channel, xpath,
	// EvtQueryChannelPath|EvtQueryReverseDirection).
	query(channel, xpath string) (uintptr, error)
	// next is EvtNext: it fills handles and returns how many.
	next(results uintptr, handles []uintptr, timeout time.Duration) (int, error)
	// render is EvtRender(EvtRenderEventXml): the record's XML, or
	// errXMLTooLarge past maxXMLSize bytes.
	render(event uintptr) ([]byte, error)
	// close is EvtClose.
	close(h uintptr)
}

// readLive reads every channel of the table through api, newest first.
func readLive(ctx context.Context, api evtAPI, w Window, lim Limits, now time.Time, table []Row) ([]facts.LogRead, []facts.EventRecord) {
	lim = lim.withDefaults()
	var logs []facts.LogRead
	var all []facts.EventRecord
	for _, ch := range channelsOf(table) {
		lr, recs := readChannel(ctx, api, ch, w, lim, now, table)
		logs = append(logs, lr)
		all = append(all, recs...)
	}
	sortRecords(all)
	return logs, all
}

// readChannel reads one channel: the XPath query selects the table's
// providers, IDs and levels within the window; the rows' filters are
// applied to what it returns.
func readChannel(ctx context.Context, api evtAPI, channel string, w Window, lim Limits, now time.Time, table []Row) (facts.LogRead, []facts.EventRecord) {
	lr := facts.LogRead{Channel: channel}
	if err := ctx.Err(); err != nil {
		lr.State, lr.Error = facts.ReadTruncated, fmt.Sprintf("read %s: the run's deadline came before the channel was read", channel)
		return lr, nil
	}
	var within time.Duration = -1
	if !w.Since.IsZero() {
		within = max(now.Sub(w.Since), 0)
	}
	xpath := queryFor(table, channel, within)
	rs, err := api.query(channel, xpath)
	if err != nil {
		lr.State, lr.Error = queryState(err), fmt.Sprintf("read %s: %v", channel, err)
		if errors.Is(err, errEvtInvalidQuery) {
			lr.Error += fmt.Sprintf(" (query %s)", xpath)
		}
		return lr, nil
	}
	defer api.close(rs)
	col := collector{max: lim.MaxKept, noFold: lim.noFold}
	handles := make([]uintptr, liveBatch)
	var notes []string
	unreadable, firstBad := 0, ""
	truncated := false
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			notes, truncated = append(notes, fmt.Sprintf("the run's deadline ended the reading after %d records", lr.Scanned)), true
			break
		}
		if lr.Scanned >= lim.MaxScanned {
			notes, truncated = append(notes, fmt.Sprintf("stopped after %d records (Limits.MaxScanned)", lr.Scanned)), true
			break
		}
		wait := liveNextWait
		if dl, ok := ctx.Deadline(); ok {
			wait = max(min(wait, time.Until(dl)), time.Millisecond)
		}
		n, err := api.next(rs, handles, wait)
		switch {
		case errors.Is(err, errNoMoreItems):
			n, done = 0, true
		case errors.Is(err, errTimeout):
			continue // look at the context again
		case err != nil:
			lr.State, lr.Error = queryState(err), fmt.Sprintf("read %s after %d records: %v", channel, lr.Scanned, err)
			col.trim()
			lr.Kept, lr.Matched = len(col.recs), col.matched
			return lr, col.recs
		}
		n = min(n, len(handles))
		for _, h := range handles[:n] {
			b, err := api.render(h)
			api.close(h)
			lr.Scanned++
			if err == nil {
				var e event
				if e, err = parseEventXML(b); err == nil {
					if row, ok := match(table, &e); ok && w.in(e.Time) {
						col.add(keep(row, &e, lim))
					}
					continue
				}
			}
			if unreadable++; firstBad == "" {
				firstBad = err.Error()
			}
		}
		if col.dropped > 0 { // newest first: the rest are older
			notes, truncated = append(notes, fmt.Sprintf("kept the newest %d records that matter, alike ones folded (Limits.MaxKept); older ones were not read", lim.MaxKept)), true
			break
		}
	}
	col.trim()
	lr.Kept, lr.Matched = len(col.recs), col.matched
	if unreadable > 0 {
		notes = append(notes, fmt.Sprintf("%d records could not be read (first: %s)", unreadable, firstBad))
	}
	lr.State = facts.ReadOK
	if truncated {
		lr.State = facts.ReadTruncated
	}
	if len(notes) > 0 {
		lr.Error = fmt.Sprintf("read %s: ", channel) + strings.Join(notes, "; ")
	}
	return lr, col.recs
}

// queryState tells an absent channel and a denied one from other errors.
func queryState(err error) string {
	switch {
	case errors.Is(err, errEvtChannelNotFound):
		return facts.ReadAbsent
	case errors.Is(err, errAccessDenied):
		return facts.ReadDenied
	}
	return facts.ReadError
}

// queryFor builds the XPath query for one channel from the table: the
// providers, event IDs and levels of its rows (rows that differ only in
// their IDs share one test), records no older than within (negative: no
// bound), and, when the channel has one row whose filter is an exact
// match on a named value, that value.
func queryFor(table []Row, channel string, within time.Duration) string {
	type group struct {
		r   Row // providers and levels; EventIDs, the union
		any bool
	}
	var groups []*group
	var only *Row
	n := 0
	for i := range table {
		r := &table[i]
		if r.Channel != channel {
			continue
		}
		n++
		only = r
		var g *group
		for _, x := range groups {
			if slices.Equal(x.r.Providers, r.Providers) && slices.Equal(x.r.Levels, r.Levels) {
				g = x
			}
		}
		if g == nil {
			g = &group{r: Row{Providers: r.Providers, Levels: r.Levels}}
			groups = append(groups, g)
		}
		if len(r.EventIDs) == 0 {
			g.any = true
		}
		for _, id := range r.EventIDs {
			if !slices.Contains(g.r.EventIDs, id) {
				g.r.EventIDs = append(g.r.EventIDs, id)
			}
		}
	}
	var clauses []string
	all := false
	for _, g := range groups {
		if g.any {
			g.r.EventIDs = nil
		}
		c := rowClause(&g.r)
		if c == "" {
			all = true
		}
		clauses = append(clauses, c)
	}
	var sys []string
	switch {
	case all || len(clauses) == 0:
	case len(clauses) == 1:
		sys = append(sys, clauses[0])
	default:
		sys = append(sys, "("+strings.Join(wrap(clauses), " or ")+")")
	}
	if within >= 0 {
		sys = append(sys, "TimeCreated[timediff(@SystemTime) <= "+strconv.FormatInt(within.Milliseconds(), 10)+"]")
	}
	var parts []string
	if len(sys) > 0 {
		parts = append(parts, "System["+strings.Join(sys, " and ")+"]")
	}
	if n == 1 {
		if c := dataClause(only); c != "" {
			parts = append(parts, c)
		}
	}
	if len(parts) == 0 {
		return "*"
	}
	return "*[" + strings.Join(parts, " and ") + "]"
}

// rowClause is a row's test on System: provider, IDs, levels.
func rowClause(r *Row) string {
	var and []string
	if c := orOf(r.Providers, func(p string) string { return "Provider[@Name=" + xpathString(p) + "]" }); c != "" {
		and = append(and, c)
	}
	if c := orOf(r.EventIDs, func(id int) string { return "EventID=" + strconv.Itoa(id) }); c != "" {
		and = append(and, c)
	}
	if c := orOf(r.Levels, func(l int) string { return "Level=" + strconv.Itoa(l) }); c != "" {
		and = append(and, c)
	}
	return strings.Join(and, " and ")
}

// dataClause is an exact filter on a named value as an EventData test.
func dataClause(r *Row) string {
	f := r.Filter
	if f == nil || f.Op != Equal {
		return ""
	}
	for _, fd := range r.Fields {
		if fd.Name != f.Field || fd.Pos != 0 || len(fd.Alt) > 0 {
			continue
		}
		var or []string
		for _, v := range f.Values {
			q := xpathString(v)
			if q == "" {
				return ""
			}
			or = append(or, "Data[@Name="+xpathString(fd.Name)+"]="+q)
		}
		if len(or) == 1 {
			return "EventData[" + or[0] + "]"
		}
		return "EventData[" + strings.Join(or, " or ") + "]"
	}
	return ""
}

func orOf[T any](xs []T, f func(T) string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return f(xs[0])
	}
	var out []string
	for _, x := range xs {
		out = append(out, f(x))
	}
	return "(" + strings.Join(out, " or ") + ")"
}

func wrap(cs []string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = "(" + c + ")"
	}
	return out
}

// xpathString quotes a literal (XPath 1.0 has no escapes: a literal holds
// either quote, not both; "" when it holds both).
func xpathString(s string) string {
	switch {
	case !strings.Contains(s, "'"):
		return "'" + s + "'"
	case !strings.Contains(s, `"`):
		return `"` + s + `"`
	}
	return ""
}
