package history

import (
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

var errRowLimit = errors.New("row limit")

// maxURLs bounds the service's URLs kept while the visits are read, as a
// multiple of Limits.MaxVisits: each session has URLs of its own (the
// query differs), so there are about as many as visits, and the ten times
// over leaves room for URLs whose visits have expired.
const maxURLs = 10

// Parse reads the visits of pages whose host match accepts from a History
// database already copied (Read copies one; analyze gets one from a
// bundle). name is the file's name for the HistoryRead.
func Parse(ctx context.Context, name string, f Files, match func(host string) bool, lim Limits) (facts.HistoryRead, []facts.Visit) {
	lim = lim.withDefaults()
	hr := facts.HistoryRead{Path: name}
	size := max(f.Size, int64(len(f.DB)))
	d, err := openDB(f.DB, size, f.Journal, f.WAL)
	if err != nil {
		hr.State, hr.Error = facts.ReadCorrupt, corruptMessage(name, err)
		return hr, nil
	}
	d.tick = ctx.Err
	r := &reader{db: d, match: match, lim: lim, ids: map[int64]int32{}, hosts: map[string]string{}}
	err = r.run()
	visits := r.sorted()
	hr.Rows, hr.Kept = r.rows, len(visits)

	var notes []string
	hr.State = facts.ReadOK
	var ce *corruptError
	switch {
	case err == nil:
	case errors.As(err, &ce):
		hr.State, hr.Error = facts.ReadCorrupt, corruptMessage(name, err)
		if len(visits) > 0 {
			hr.Error += fmt.Sprintf("; the %d visits read before it are kept", len(visits))
		}
		return hr, visits
	case errors.Is(err, errRowLimit):
		hr.State = facts.ReadTruncated
		notes = append(notes, fmt.Sprintf("stopped after examining %d rows, the limit: visits in later rows are missing (Quick Assist's own History is far smaller: is this the right file?)", lim.MaxRows))
	case ctx.Err() != nil:
		hr.State = facts.ReadTruncated
		notes = append(notes, fmt.Sprintf("the run's deadline ended the reading after %d rows: the visits read until then are kept", r.rows))
	default:
		hr.State, hr.Error = facts.ReadError, fmt.Sprintf("%s: %v", name, err)
		return hr, visits
	}
	if size > int64(len(f.DB)) {
		hr.State = facts.ReadTruncated
		notes = append(notes, fmt.Sprintf("%d bytes, more than the %d copied: %d parts of its tables lie beyond and were not read (Quick Assist's own History is far smaller: is this the right file?)", size, len(f.DB), r.missing))
	}
	if r.dropped > 0 {
		hr.State = facts.ReadTruncated
		notes = append(notes, fmt.Sprintf("%d visits of the service's pages, more than the %d kept: the newest are kept", r.dropped+len(visits), lim.MaxVisits))
	}
	if r.urlsFull {
		hr.State = facts.ReadTruncated
		notes = append(notes, fmt.Sprintf("more than %d of the service's URLs: visits of the later ones are missing", maxURLs*lim.MaxVisits))
	}
	if r.badTime > 0 {
		notes = append(notes, fmt.Sprintf("%d visits of the service's pages have no valid time and are left out", r.badTime))
	}
	if len(notes) > 0 {
		hr.Error = name + ": " + strings.Join(notes, "; ")
	}
	return hr, visits
}

func corruptMessage(name string, err error) string {
	return fmt.Sprintf("%s: not a readable History database (%v): its visits cannot be read; to have it looked at, copy the file before Quick Assist runs again (it starts a new one when it cannot open it)", name, err)
}

// reader is one scan of urls, then visits.
type reader struct {
	db    *db
	match func(string) bool
	lim   Limits

	rows     int
	missing  int               // subtrees beyond the part copied
	ids      map[int64]int32   // urls.id of a service page → index in pages
	pages    []facts.Visit     // host and path of each (Time unset)
	urlsFull bool              // more service URLs than maxURLs*MaxVisits
	kept     visitHeap         // the newest MaxVisits visits
	dropped  int               // visits left out for the limit
	badTime  int               // visits with a time out of range
	hosts    map[string]string // host as written, lower-cased → itself if match accepts it, "" if not
	vals     [4]value
	order    [4]int // colsN's scratch
}

// table is where a table lies and where its wanted columns are.
type table struct {
	root uint32
	cols []string
}

func (r *reader) run() error {
	urls, visits, err := r.schema()
	if err != nil {
		return err
	}
	idCol, urlCol := index(urls.cols, "id"), index(urls.cols, "url")
	if idCol < 0 || urlCol < 0 {
		return corrupt(0, "table urls has no %s column (columns: %s): not a Chromium History", missingOf(idCol, "id", urlCol, "url"), strings.Join(urls.cols, ", "))
	}
	vURL, vTime := index(visits.cols, "url"), index(visits.cols, "visit_time")
	if vURL < 0 || vTime < 0 {
		return corrupt(0, "table visits has no %s column (columns: %s): not a Chromium History", missingOf(vURL, "url", vTime, "visit_time"), strings.Join(visits.cols, ", "))
	}
	if err := r.db.walkTable(urls.root, r.urlRow(idCol, urlCol), &r.missing); err != nil {
		return err
	}
	if len(r.ids) == 0 {
		return nil // no service page: the visits need not be read
	}
	// from_visit and transition say where a visit came from (Chromium's
	// visit_database.cc); a History without them still reads, without.
	return r.db.walkTable(visits.root, r.visitRow(vURL, vTime, index(visits.cols, "from_visit"), index(visits.cols, "transition")), &r.missing)
}

func missingOf(a int, an string, b int, bn string) string {
	if a < 0 {
		return an
	}
	return bn
}

// schema finds the urls and visits tables in sqlite_master (page 1:
// type, name, tbl_name, rootpage, sql).
func (r *reader) schema() (urls, visits table, err error) {
	var vals [4]value
	err = r.db.walkTable(1, func(rowid int64, rec []byte, complete bool) error {
		if err := columns(rec, complete, []int{0, 1, 3, 4}, vals[:]); err != nil {
			return corrupt(1, "sqlite_master row %d: %v", rowid, err)
		}
		if string(vals[0].b) != "table" || vals[0].kind != 't' || vals[1].kind != 't' {
			return nil
		}
		var t *table
		switch strings.ToLower(string(vals[1].b)) {
		case "urls":
			t = &urls
		case "visits":
			t = &visits
		default:
			return nil
		}
		name := strings.ToLower(string(vals[1].b))
		if vals[2].kind != 'i' || vals[2].i < 1 || vals[2].i > int64(r.db.nPages) {
			return corrupt(1, "table %s has root page %v, not a page of the file", name, vals[2].i)
		}
		if vals[3].kind != 't' || !complete { // !complete: cut at maxPayload
			return corrupt(1, "table %s has no readable CREATE TABLE statement", name)
		}
		cols, err := tableColumns(string(vals[3].b))
		if err != nil {
			return corrupt(1, "table %s's CREATE TABLE statement: %v", name, err)
		}
		*t = table{root: uint32(vals[2].i), cols: cols}
		return nil
	}, &r.missing)
	if err != nil {
		return urls, visits, err
	}
	switch {
	case urls.root == 0:
		return urls, visits, corrupt(0, "no urls table: not a Chromium History")
	case visits.root == 0:
		return urls, visits, corrupt(0, "no visits table: not a Chromium History")
	}
	return urls, visits, nil
}

// startsNavigation says a visit is a navigation the app (or a person)
// began, not one a page made: no page led to it (from_visit 0) and its
// core transition (ui/base/page_transition_types.h) is TYPED (1),
// AUTO_BOOKMARK (2), GENERATED (5), AUTO_TOPLEVEL (6), KEYWORD (9) or
// KEYWORD_GENERATED (10). from_visit alone does not tell: measured with
// the Chromium here, a page whose URL has a fragment leads to a LINK visit
// from 0 (the referrer, sent without the fragment, matches no visit),
// while the first page Chromium was started with is AUTO_TOPLEVEL from 0
// and location.href, pushState and location.replace are LINK from the
// page before.
func startsNavigation(from, trans value) bool {
	if from.kind != 'i' || from.i != 0 || trans.kind != 'i' {
		return false
	}
	switch trans.i & 0xff {
	case 1, 2, 5, 6, 9, 10:
		return true
	}
	return false
}

// colsN reads up to four columns of rec, in the order asked; a column
// index below 0 (the table lacks it) reads as a null value.
func (r *reader) colsN(rec []byte, complete bool, idx ...int) ([4]value, error) {
	var out [4]value
	n := 0
	for _, c := range idx {
		if c >= 0 {
			r.order[n] = c
			n++
		}
	}
	want := r.order[:n]
	slices.Sort(want)
	got := r.vals[:n]
	if err := columns(rec, complete, want, got); err != nil {
		return out, err
	}
	for i, c := range idx {
		if c >= 0 {
			out[i] = got[slices.Index(want, c)]
		}
	}
	return out, nil
}

// cols2 reads columns a and b (in either order) of rec into r.vals[0]
// and r.vals[1].
func (r *reader) cols2(rec []byte, complete bool, a, b int) (va, vb value, err error) {
	if a < b {
		err = columns(rec, complete, []int{a, b}, r.vals[:])
		return r.vals[0], r.vals[1], err
	}
	err = columns(rec, complete, []int{b, a}, r.vals[:])
	return r.vals[1], r.vals[0], err
}

func (r *reader) count() error {
	r.rows++
	if r.rows > r.lim.MaxRows {
		r.rows--
		return errRowLimit
	}
	return nil
}

func (r *reader) urlRow(idCol, urlCol int) rowFunc {
	interned := map[string]int32{}
	return func(rowid int64, rec []byte, complete bool) error {
		if err := r.count(); err != nil {
			return err
		}
		id, u, err := r.cols2(rec, complete, idCol, urlCol)
		if err != nil {
			return corrupt(0, "urls row %d: %v", rowid, err)
		}
		if u.kind != 't' {
			return nil
		}
		h, at, ok := urlHost(u.b)
		if !ok {
			return nil
		}
		host, ok := r.matches(h)
		if !ok {
			return nil
		}
		path := cleanPath(u.b, at)
		key := rowid // id INTEGER PRIMARY KEY is the rowid; the record holds NULL
		if id.kind == 'i' {
			key = id.i
		}
		if len(r.ids) >= maxURLs*r.lim.MaxVisits {
			r.urlsFull = true
			return nil
		}
		k := host + "\x00" + path
		i, ok := interned[k]
		if !ok {
			i = int32(len(r.pages))
			interned[k] = i
			r.pages = append(r.pages, facts.Visit{Host: host, Path: path})
		}
		r.ids[key] = i
		return nil
	}
}

// matches tells whether match accepts host h (as written in the URL) and
// gives it lower-case. A browser's history has a few thousand hosts, so
// each is lower-cased and given to match once; the lookup of one seen
// before does not allocate.
func (r *reader) matches(h []byte) (string, bool) {
	var buf [maxHost]byte
	lh, ok := lowerHost(h, &buf)
	if !ok {
		return "", false
	}
	if host, seen := r.hosts[string(lh)]; seen {
		return host, host != ""
	}
	host := string(lh)
	if !r.match(host) {
		host = ""
	}
	if len(r.hosts) < maxHosts {
		r.hosts[string(lh)] = host
	}
	return host, host != ""
}

// maxHosts bounds the hosts remembered; past it, match is asked again.
const maxHosts = 1 << 14

func (r *reader) visitRow(urlCol, timeCol, fromCol, transCol int) rowFunc {
	return func(rowid int64, rec []byte, complete bool) error {
		if err := r.count(); err != nil {
			return err
		}
		vs, err := r.colsN(rec, complete, urlCol, timeCol, fromCol, transCol)
		if err != nil {
			return corrupt(0, "visits row %d: %v", rowid, err)
		}
		u, t, from, trans := vs[0], vs[1], vs[2], vs[3]
		if u.kind != 'i' {
			return nil
		}
		i, ok := r.ids[u.i]
		if !ok {
			return nil
		}
		when, ok := chromeTime(t)
		if !ok {
			r.badTime++
			return nil
		}
		v := r.pages[i]
		v.Time, v.ID = when, rowid
		v.Start = startsNavigation(from, trans)
		if len(r.kept) < r.lim.MaxVisits {
			heap.Push(&r.kept, v)
			return nil
		}
		r.dropped++
		if when.After(r.kept[0].Time) {
			r.kept[0] = v
			heap.Fix(&r.kept, 0)
		}
		return nil
	}
}

// windowsToUnix is the seconds from 1601-01-01 (Chromium's base::Time
// epoch, Windows' FILETIME's) to 1970-01-01.
const windowsToUnix = 11644473600

// maxUnix is 9999-12-31T23:59:59Z: a later time cannot be written as
// RFC 3339, so a report could not carry it.
const maxUnix = 253402300799

// chromeTime is a visit_time (microseconds since 1601-01-01 UTC) as a UTC
// time; ok is false for a time before 1970 or after 9999, which no real
// visit has.
func chromeTime(v value) (time.Time, bool) {
	if v.kind != 'i' || v.i <= 0 {
		return time.Time{}, false
	}
	sec := v.i/1e6 - windowsToUnix
	if sec < 0 || sec > maxUnix {
		return time.Time{}, false
	}
	return time.Unix(sec, v.i%1e6*1e3).UTC(), true
}

// sorted is the visits kept, oldest first.
func (r *reader) sorted() []facts.Visit {
	out := slices.Clone([]facts.Visit(r.kept))
	slices.SortStableFunc(out, func(a, b facts.Visit) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Host, b.Host), cmp.Compare(a.Path, b.Path))
	})
	return out
}

// visitHeap is a min-heap by time: its root is the oldest visit kept, the
// one a newer visit replaces when the heap is full.
type visitHeap []facts.Visit

func (h visitHeap) Len() int           { return len(h) }
func (h visitHeap) Less(i, j int) bool { return h[i].Time.Before(h[j].Time) }
func (h visitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *visitHeap) Push(x any)        { *h = append(*h, x.(facts.Visit)) }
func (h *visitHeap) Pop() any {
	old := *h
	v := old[len(old)-1]
	*h = old[:len(old)-1]
	return v
}
