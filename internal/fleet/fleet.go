// Package fleet turns many machines' JSON reports into one summary: counts
// per finding and cause, the top causes, the versions seen. It reads one
// report at a time, so memory stays bounded however many there are.
package fleet

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
	Schema  string                   `json:"schema"`
	Tool    struct{ Version string } `json:"tool"`
	Profile struct{ Version string } `json:"profile"`
	Status  string                   `json:"status"`
	Verdict *struct {
		ID     string `json:"id"`
		Reason string `json:"reason"`
	} `json:"verdict"`
	Findings []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"findings"`
}

// New returns an empty summary.
func New() *Summary {
	return &Summary{Status: map[string]int{}, Findings: map[string]map[string]int{}, Causes: map[string]int{},
		Verdicts: map[string]int{}, ToolVersions: map[string]int{}, ProfileVersions: map[string]int{}}
}

// AddPaths adds every report under the paths: files, or folders walked
// for *.json files.
func (s *Summary) AddPaths(paths []string) error {
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		if !info.IsDir() {
			s.AddFile(p)
			continue
		}
		s.walk(p)
	}
	return nil
}

// walk adds the reports in dir and below, reading each folder's entries in
// batches: unlike filepath.WalkDir, which holds a whole folder's listing,
// memory stays flat for a share with a million files.
func (s *Summary) walk(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		s.skip(dir, err.Error())
		return
	}
	defer d.Close()
	for {
		entries, err := d.ReadDir(walkBatch)
		for _, e := range entries {
			path := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir():
				s.walk(path)
			case e.Type().IsRegular() && strings.EqualFold(filepath.Ext(path), ".json"):
				s.AddFile(path)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			s.skip(dir, err.Error())
			return
		}
	}
}

// walkBatch is how many folder entries are read at a time.
const walkBatch = 512

// AddFile adds one report file, or counts it as unreadable with the reason.
func (s *Summary) AddFile(path string) {
	f, err := inputfile.Open(path) // a FIFO or a device would hang or never end
	if err != nil {
		s.skip(path, err.Error())
		return
	}
	defer f.Close()
	if err := s.Add(io.LimitReader(f, MaxReportSize+1)); err != nil {
		s.skip(path, err.Error())
	}
}

// Add reads one report.
func (s *Summary) Add(r io.Reader) error {
	var h reportHead
	dec := json.NewDecoder(r)
	if err := dec.Decode(&h); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("not JSON (at byte %d): %v", syn.Offset, err)
		}
		return fmt.Errorf("not a report: %v", err)
	}
	if h.Schema != report.Schema {
		return fmt.Errorf("schema %q; want %q (a qadoctor diagnose --json report)", h.Schema, report.Schema)
	}
	s.Reports++
	s.Status[h.Status]++
	s.ToolVersions[cmp.Or(h.Tool.Version, "(none)")]++
	s.ProfileVersions[cmp.Or(h.Profile.Version, "(none)")]++
	if h.Verdict != nil {
		s.Verdicts[h.Verdict.ID+": "+cmp.Or(h.Verdict.Reason, "(none)")]++
	}
	for _, f := range h.Findings {
		m := s.Findings[f.ID]
		if m == nil {
			m = map[string]int{}
			s.Findings[f.ID] = m
		}
		m[f.Status]++
		if f.Reason != "" && (f.Status == "fail" || f.Status == "warn") {
			s.Causes[f.ID+": "+f.Reason]++
		}
	}
	return nil
}

func (s *Summary) skip(path, reason string) {
	s.Unreadable++
	if len(s.Skipped) < MaxListedUnreadable {
		s.Skipped = append(s.Skipped, Skipped{Path: path, Reason: reason})
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
