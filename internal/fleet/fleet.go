// Package fleet turns many machines' JSON reports into one summary: counts
// per finding and cause, the top causes, the versions seen. It reads one
// report at a time, so memory stays bounded however many there are.
package fleet

import (
	"bytes"
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/report"
)

// MaxReportSize caps one report file: a full report with every chain is a
// few hundred KiB; anything larger is not a qadoctor report.
const MaxReportSize = 16 << 20

// MaxFindings caps the findings read of one report. A report holds one
// finding per check (21 for the built-in profile, 25 checks today), so ten
// times that leaves room for new checks; a file claiming more is refused
// as it is read, before the findings cost memory: five million empty
// findings ({} each) fit in MaxReportSize and took 900 MB kept as slots.
const MaxFindings = 256

// MaxNames caps the rows of each table keyed by a name the reports give
// (check IDs, causes, verdicts, tool and profile versions). A real fleet,
// even of 100,000 devices, has ~25 check IDs and at most a few hundred
// causes (check: reason) and versions, so 1,000 is several times what a
// fleet fills, and one report (MaxFindings) cannot fill a table alone. A
// table past it keeps the names that sort first, whatever order the
// reports come in, and counts the rest in Beyond: four hostile reports of
// 290,000 distinct IDs each took 1.2 GB and made an 85 MB summary.
const MaxNames = 1000

// maxField caps a string the summary keeps (an ID, a reason, a status, a
// version): a report's are under 40 bytes; with MaxNames rows per table
// this bounds a table to a few hundred KiB whatever the reports hold.
const maxField = 256

// MaxListedUnreadable bounds how many unreadable files are listed by name;
// all of them are counted.
const MaxListedUnreadable = 1000

// Summary is what many reports say together.
type Summary struct {
	Reports    int            `json:"reports"`    // reports read
	Unreadable int            `json:"unreadable"` // files that were not reports, counted
	Skipped    []Skipped      `json:"unreadable_files,omitempty"`
	Ignored    int            `json:"ignored,omitempty"` // files in folders not named *.json or *.csv, counted
	Status     map[string]int `json:"status"`            // report status → machines
	// Findings counts, per finding ID, the machines per status.
	Findings map[string]map[string]int `json:"findings"`
	// Causes counts the machines per failing or warning reason code.
	Causes map[string]int `json:"causes"`
	// Verdicts counts the machines per most likely cause (the verdict).
	Verdicts        map[string]int `json:"verdicts"`
	ToolVersions    map[string]int `json:"tool_versions"`
	ProfileVersions map[string]int `json:"profile_versions"`
	// Beyond counts what the tables leave out past MaxNames rows each.
	Beyond Beyond `json:"beyond,omitzero"`

	names struct{ findings, causes, verdicts, tools, profiles nameHeap } // each table's rows, for MaxNames
}

// Beyond counts, per table, what was not given a row: the table had
// MaxNames rows of names that sort first. Zero means the table is whole.
type Beyond struct {
	Findings        int `json:"findings,omitempty"` // findings of check IDs without a row
	Causes          int `json:"causes,omitempty"`   // machines × causes without a row
	Verdicts        int `json:"verdicts,omitempty"` // machines whose verdict has no row
	ToolVersions    int `json:"tool_versions,omitempty"`
	ProfileVersions int `json:"profile_versions,omitempty"`
}

// Skipped is a file that is not a readable report, and why.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// reportHead is the part of a report the summary reads.
type reportHead struct {
	toolVersion, profileVersion, status string
	verdict                             *struct{ id, reason string }
	findings                            []findingHead
}

type findingHead struct{ id, status, reason string }

// New returns an empty summary.
func New() *Summary {
	return &Summary{Status: map[string]int{}, Findings: map[string]map[string]int{}, Causes: map[string]int{},
		Verdicts: map[string]int{}, ToolVersions: map[string]int{}, ProfileVersions: map[string]int{}}
}

// AddPaths adds every report under the paths: files, or folders walked
// for *.json and *.csv files. Reports are read and parsed by one worker
// per CPU, one report each at a time (memory stays a few reports' worth),
// and counted by the caller's goroutine.
func (s *Summary) AddPaths(paths []string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
	}
	files := make(chan string, 64)
	results := make(chan parsed, 64)
	walkErrs := make(chan Skipped, 64)
	w := &walker{files: files, skips: walkErrs}
	var workers sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			buf := make([]byte, 0, 128<<10)
			for path := range files {
				if isCSV(path) {
					sendCSV(path, results)
					continue
				}
				p := parsed{path: path}
				buf, p.head, p.err = readReport(path, buf)
				results <- p
				if cap(buf) > keptBuffer {
					buf = make([]byte, 0, 128<<10) // a file far larger than a report's is not held on to
				}
			}
		}()
	}
	go func() {
		for _, p := range paths {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				w.walk(p)
			} else {
				files <- p
			}
		}
		close(files)
		workers.Wait()
		close(results)
	}()
	for results != nil || walkErrs != nil {
		select {
		case p, ok := <-results:
			if !ok {
				results = nil
				close(walkErrs) // the walker is done: it only sends before closing files
				continue
			}
			for _, h := range p.heads {
				s.count(h)
			}
			for _, sk := range p.skips {
				s.skip(sk.Path, sk.Reason)
			}
			if p.err != nil {
				s.skip(p.path, reason(p.err))
				continue
			}
			if !p.csv {
				s.count(p.head)
			}
		case sk, ok := <-walkErrs:
			if !ok {
				walkErrs = nil
				continue
			}
			s.skip(sk.Path, sk.Reason)
		}
	}
	s.Ignored += w.ignored // the walker finished before results closed
	s.sortSkipped()
	return nil
}

// parsed is one file's outcome: a report, or a batch of an Intune
// export's devices (csvBatch at most; err on the last batch).
type parsed struct {
	path  string
	head  reportHead
	err   error
	heads []reportHead // an Intune export's devices
	skips []Skipped    // and its rows that hold no qadoctor line
	csv   bool
}

// csvBatch is how many devices, findings and unreadable rows of an Intune
// export go to the counter at a time: an export of 100,000 devices is not
// held whole, only as many batches as the results channel holds.
const csvBatch = 1024

// sendCSV reads an Intune export and sends its devices in batches.
func sendCSV(path string, results chan<- parsed) {
	batch, n := parsed{path: path, csv: true}, 0
	add := func(size int) {
		if n += size; n >= csvBatch {
			results <- batch
			batch, n = parsed{path: path, csv: true}, 0
		}
	}
	batch.err = readCSVFile(path,
		func(h reportHead) { batch.heads = append(batch.heads, h); add(1 + len(h.findings)) },
		func(sk Skipped) { batch.skips = append(batch.skips, sk); add(1) })
	results <- batch
}

// walker sends the report files of folders to be read, and the entries
// that cannot be read to be listed: every entry is read, listed or
// counted as ignored.
type walker struct {
	files   chan<- string
	skips   chan<- Skipped
	ignored int // entries not named as reports; read once the walk is over
}

// Why a folder entry named as a report is not read; Text translates them.
var (
	reasonFIFO      = i18n.Key("a named pipe (FIFO), not a report file: not read")
	reasonSocket    = i18n.Key("a socket, not a report file: not read")
	reasonDevice    = i18n.Key("a device, not a report file: not read")
	reasonIrregular = i18n.Key("not a regular file: not read")
	reasonDirLink   = i18n.Key("a link to a folder: links to folders are not followed; give the folder's own path to summarize it too")
	reasonDangling  = i18n.Key("a link to a file that is not there (a dangling link)")
)

// irregular says what a file of mode m is, when it is not a regular file
// or a folder.
func irregular(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return reasonFIFO
	case m&fs.ModeSocket != 0:
		return reasonSocket
	case m&fs.ModeDevice != 0:
		return reasonDevice
	}
	return reasonIrregular
}

// walk sends the report files in dir and below, reading each folder's
// entries in batches: unlike filepath.WalkDir, which holds a whole
// folder's listing, memory stays flat for a share with a million files.
func (w *walker) walk(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		w.skips <- Skipped{dir, reason(err)}
		return
	}
	defer d.Close()
	for {
		entries, err := d.ReadDir(walkBatch)
		for _, e := range entries {
			w.entry(filepath.Join(dir, e.Name()), e.Type())
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			w.skips <- Skipped{dir, reason(err)}
			return
		}
	}
}

// entry sends one folder entry to be read, or lists or counts it. A
// folder is walked; a link is followed to a file (read like any file) but
// not to a folder (a link back up would never end), which is listed. An
// entry named as a report that is no regular file (a FIFO would block the
// reader, a device never end) is listed with what it is; one not named
// as a report is counted as ignored.
func (w *walker) entry(path string, t fs.FileMode) {
	named := strings.EqualFold(filepath.Ext(path), ".json") || isCSV(path)
	if t&fs.ModeSymlink != 0 {
		st, err := os.Stat(path)
		switch {
		case err == nil && st.IsDir():
			w.skips <- Skipped{path, reasonDirLink}
		case !named:
			w.ignored++
		case errors.Is(err, fs.ErrNotExist):
			w.skips <- Skipped{path, reasonDangling}
		case err != nil:
			w.skips <- Skipped{path, "a link whose target cannot be read: " + reason(err)}
		case !st.Mode().IsRegular():
			w.skips <- Skipped{path, irregular(st.Mode())}
		default:
			w.files <- path // inputfile.Open checks again what it opens
		}
		return
	}
	switch {
	case t.IsDir():
		w.walk(path)
	case !named:
		w.ignored++
	case t.IsRegular():
		w.files <- path
	default:
		w.skips <- Skipped{path, irregular(t)}
	}
}

// reason is an error as an unreadable file's reason: the file's path is
// listed beside it, so an error that names the path again loses it.
func reason(err error) string {
	var ie *inputfile.Error
	if errors.As(err, &ie) {
		return ie.Msg
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func isCSV(path string) bool { return strings.EqualFold(filepath.Ext(path), ".csv") }

// readCSVFile reads an Intune Remediations export file, passing on each
// device and each row without a qadoctor line as it reads them.
func readCSVFile(path string, device func(reportHead), row func(Skipped)) error {
	f, err := inputfile.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return readIntuneCSV(f, path, device, row)
}

// walkBatch is how many folder entries are read at a time.
const walkBatch = 512

// AddFile adds one report file (or an Intune export), or counts it as
// unreadable with the reason.
func (s *Summary) AddFile(path string) {
	if isCSV(path) {
		if err := readCSVFile(path, s.count, func(sk Skipped) { s.skip(sk.Path, sk.Reason) }); err != nil {
			s.skip(path, reason(err))
		}
		return
	}
	_, h, err := readReport(path, nil)
	if err != nil {
		s.skip(path, reason(err))
		return
	}
	s.count(h)
}

// keptBuffer is the most a worker's buffer keeps between files: a report
// is 50 to 90 KB, a file of several MiB a rare mistake.
const keptBuffer = 1 << 20

// readReport reads and parses one report file into buf (reused).
func readReport(path string, buf []byte) ([]byte, reportHead, error) {
	f, err := inputfile.Open(path) // a FIFO or a device would hang or never end
	if err != nil {
		return buf, reportHead{}, err
	}
	defer f.Close()
	// Sized from the start (with room to see the end), as inputfile.Read
	// does: growing by doubling would hold up to twice the file.
	if st, err := f.Stat(); err == nil && st.Size() <= MaxReportSize && int64(cap(buf)) < st.Size()+bytes.MinRead {
		buf = make([]byte, 0, st.Size()+bytes.MinRead)
	}
	b := bytes.NewBuffer(buf[:0])
	if _, err := b.ReadFrom(io.LimitReader(f, MaxReportSize+1)); err != nil {
		return b.Bytes(), reportHead{}, err
	}
	data, err := inputfile.UTF8(b.Bytes()) // PowerShell 5.1's > writes UTF-16LE
	if err != nil {
		return b.Bytes(), reportHead{}, err
	}
	h, err := parseReport(data)
	return b.Bytes(), h, err
}

// Add reads one report.
func (s *Summary) Add(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxReportSize+1))
	if err == nil {
		data, err = inputfile.UTF8(data)
	}
	if err != nil {
		return err
	}
	h, err := parseReport(data)
	if err != nil {
		return err
	}
	s.count(h)
	return nil
}

// parseReport reads what the summary needs of a report (skim, one pass):
// one JSON object of the report schema, nothing after it, the fields read
// of the right types; the evidence it skips is not validated.
func parseReport(data []byte) (reportHead, error) {
	if len(data) > MaxReportSize {
		return reportHead{}, fmt.Errorf("larger than %d MiB; not a qadoctor report", MaxReportSize>>20)
	}
	s := &skim{data: data}
	if s.peek() != '{' {
		return reportHead{}, errors.New("not JSON: not one JSON object")
	}
	h, schema, err := s.head()
	if errors.Is(err, errNotJSON) {
		return h, errors.New("not JSON, or cut short")
	}
	if err != nil {
		return h, err
	}
	if s.peek() != 0 {
		return h, errors.New("not JSON: data after the report")
	}
	if schema != report.Schema {
		return h, fmt.Errorf("schema %q; want %q (a qadoctor diagnose --json report)", schema, report.Schema)
	}
	return h, nil
}

// count adds one report's head to the summary.
func (s *Summary) count(h reportHead) {
	s.Reports++
	s.Status[h.status]++ // one of the five statuses or none: skim refuses others
	tally(s.ToolVersions, &s.names.tools, &s.Beyond.ToolVersions, cmp.Or(h.toolVersion, "(none)"))
	tally(s.ProfileVersions, &s.names.profiles, &s.Beyond.ProfileVersions, cmp.Or(h.profileVersion, "(none)"))
	if h.verdict != nil {
		tally(s.Verdicts, &s.names.verdicts, &s.Beyond.Verdicts, h.verdict.id+": "+cmp.Or(h.verdict.reason, "(none)"))
	}
	for _, f := range h.findings {
		if row(s.Findings, &s.names.findings, &s.Beyond.Findings, total, f.id) {
			m := s.Findings[f.id]
			if m == nil {
				m = map[string]int{}
				s.Findings[f.id] = m
			}
			m[f.status]++ // five statuses or none: the row stays small
		} else {
			s.Beyond.Findings++
		}
		if f.reason != "" && (f.status == "fail" || f.status == "warn") {
			tally(s.Causes, &s.names.causes, &s.Beyond.Causes, f.id+": "+f.reason)
		}
	}
}

// tally counts one more machine for name in table m, kept to MaxNames
// rows by h; what has no row is counted in *beyond.
func tally(m map[string]int, h *nameHeap, beyond *int, name string) {
	if row(m, h, beyond, func(n int) int { return n }, name) {
		m[name]++
	} else {
		*beyond++
	}
}

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// row reports whether name has a row in table m, or is given one: m keeps
// the MaxNames names that sort first of all it is offered, h holding them
// in a heap. A row given up to a name that sorts before it adds its
// weight to *beyond. A name is kept from the first time it is offered or
// never, so every row's count is exact, and the rows are the same
// whatever order the reports come in.
func row[V any](m map[string]V, h *nameHeap, beyond *int, weight func(V) int, name string) bool {
	if _, ok := m[name]; ok {
		return true
	}
	if len(*h) < MaxNames {
		heap.Push(h, name)
		return true
	}
	if last := (*h)[0]; name < last {
		*beyond += weight(m[last])
		delete(m, last)
		(*h)[0] = name
		heap.Fix(h, 0)
		return true
	}
	return false
}

// nameHeap is a table's names, the one sorting last at the top.
type nameHeap []string

func (h nameHeap) Len() int           { return len(h) }
func (h nameHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h nameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nameHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *nameHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// skip counts an unreadable file; the first MaxListedUnreadable by path
// are listed (files arrive in no fixed order from the workers).
func (s *Summary) skip(path, reason string) {
	s.Unreadable++
	s.Skipped = append(s.Skipped, Skipped{Path: path, Reason: reason})
	if len(s.Skipped) >= 2*MaxListedUnreadable {
		s.sortSkipped()
	}
}

func (s *Summary) sortSkipped() {
	sort.Slice(s.Skipped, func(i, j int) bool { return s.Skipped[i].Path < s.Skipped[j].Path })
	if len(s.Skipped) > MaxListedUnreadable {
		s.Skipped = s.Skipped[:MaxListedUnreadable]
	}
}

// Count is a name and how many machines have it.
type Count struct {
	Name  string
	Count int
}

// Top sorts a count map, most machines first, then by name.
func Top(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FindingIDs lists the finding IDs seen, in name order.
func (s *Summary) FindingIDs() []string {
	ids := make([]string, 0, len(s.Findings))
	for id := range s.Findings {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
