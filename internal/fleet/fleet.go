// Package fleet turns many machines' JSON reports into one summary: counts
// per finding and cause, the top causes, the versions seen. It reads one
// report at a time, so memory stays bounded however many there are.
package fleet

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/report"
)

// MaxReportSize caps one report file: a full report with every chain is a
// few hundred KiB; anything larger is not a qadoctor report.
const MaxReportSize = 16 << 20

// MaxListedUnreadable bounds how many unreadable files are listed by name;
// all of them are counted.
const MaxListedUnreadable = 1000

// Summary is what many reports say together.
type Summary struct {
	Reports    int            `json:"reports"`    // reports read
	Unreadable int            `json:"unreadable"` // files that were not reports, counted
	Skipped    []Skipped      `json:"unreadable_files,omitempty"`
	Status     map[string]int `json:"status"` // report status → machines
	// Findings counts, per finding ID, the machines per status.
	Findings map[string]map[string]int `json:"findings"`
	// Causes counts the machines per failing or warning reason code.
	Causes map[string]int `json:"causes"`
	// Verdicts counts the machines per most likely cause (the verdict).
	Verdicts        map[string]int `json:"verdicts"`
	ToolVersions    map[string]int `json:"tool_versions"`
	ProfileVersions map[string]int `json:"profile_versions"`
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
// for *.json files. Reports are read and parsed by one worker per CPU,
// one report each at a time (memory stays a few reports' worth), and
// counted by the caller's goroutine.
func (s *Summary) AddPaths(paths []string) error {
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
	}
	files := make(chan string, 64)
	results := make(chan parsed, 64)
	walkErrs := make(chan Skipped, 64)
	var workers sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		workers.Add(1)
		go func() {
			defer workers.Done()
			buf := make([]byte, 0, 128<<10)
			for path := range files {
				p := parsed{path: path}
				if isCSV(path) {
					p.csv = true
					p.heads, p.skips, p.err = readCSVFile(path)
				} else {
					buf, p.head, p.err = readReport(path, buf)
				}
				results <- p
			}
		}()
	}
	go func() {
		for _, p := range paths {
			if info, err := os.Stat(p); err == nil && info.IsDir() {
				walk(p, files, walkErrs)
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
				s.skip(p.path, p.err.Error())
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
	s.sortSkipped()
	return nil
}

// parsed is one file's outcome: a report, or an Intune export's devices.
type parsed struct {
	path  string
	head  reportHead
	err   error
	heads []reportHead // an Intune export's devices
	skips []Skipped    // and its rows that hold no qadoctor line
	csv   bool
}

// walk sends the report files in dir and below, reading each folder's
// entries in batches: unlike filepath.WalkDir, which holds a whole
// folder's listing, memory stays flat for a share with a million files.
func walk(dir string, files chan<- string, errs chan<- Skipped) {
	d, err := os.Open(dir)
	if err != nil {
		errs <- Skipped{dir, err.Error()}
		return
	}
	defer d.Close()
	for {
		entries, err := d.ReadDir(walkBatch)
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir():
				walk(path, files, errs)
			case e.Type().IsRegular() && (strings.EqualFold(filepath.Ext(path), ".json") || isCSV(path)):
				files <- path
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			errs <- Skipped{dir, err.Error()}
			return
		}
	}
}

func isCSV(path string) bool { return strings.EqualFold(filepath.Ext(path), ".csv") }

// readCSVFile reads an Intune Remediations export file.
func readCSVFile(path string) ([]reportHead, []Skipped, error) {
	f, err := inputfile.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return readIntuneCSV(f, path)
}

// walkBatch is how many folder entries are read at a time.
const walkBatch = 512

// AddFile adds one report file (or an Intune export), or counts it as
// unreadable with the reason.
func (s *Summary) AddFile(path string) {
	if isCSV(path) {
		heads, skips, err := readCSVFile(path)
		for _, h := range heads {
			s.count(h)
		}
		for _, sk := range skips {
			s.skip(sk.Path, sk.Reason)
		}
		if err != nil {
			s.skip(path, err.Error())
		}
		return
	}
	_, h, err := readReport(path, nil)
	if err != nil {
		s.skip(path, err.Error())
		return
	}
	s.count(h)
}

// readReport reads and parses one report file into buf (reused).
func readReport(path string, buf []byte) ([]byte, reportHead, error) {
	f, err := inputfile.Open(path) // a FIFO or a device would hang or never end
	if err != nil {
		return buf, reportHead{}, err
	}
	defer f.Close()
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
	s.Status[h.status]++
	s.ToolVersions[cmp.Or(h.toolVersion, "(none)")]++
	s.ProfileVersions[cmp.Or(h.profileVersion, "(none)")]++
	if h.verdict != nil {
		s.Verdicts[h.verdict.id+": "+cmp.Or(h.verdict.reason, "(none)")]++
	}
	for _, f := range h.findings {
		m := s.Findings[f.id]
		if m == nil {
			m = map[string]int{}
			s.Findings[f.id] = m
		}
		m[f.status]++
		if f.reason != "" && (f.status == "fail" || f.status == "warn") {
			s.Causes[f.id+": "+f.reason]++
		}
	}
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
