package fix

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/atomicfile"
)

// JournalSchema names the journal format.
const JournalSchema = "qadoctor.journal/v1"

// Journal is one fix run: the plan, and how far each step got.
type Journal struct {
	Schema  string          `json:"schema"`
	Run     string          `json:"run"` // the run's ID, also its file name
	Started time.Time       `json:"started"`
	Tool    string          `json:"tool"`
	Actions []PlannedAction `json:"actions"`

	path string
}

// NewJournal starts a journal for plan in dir.
func NewJournal(dir, tool string, now time.Time, plan []PlannedAction) (*Journal, error) {
	var b [3]byte
	rand.Read(b[:])
	run := now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the journal folder %s: %w", dir, err)
	}
	j := &Journal{Schema: JournalSchema, Run: run, Started: now.UTC(), Tool: tool, Actions: plan, path: filepath.Join(dir, run+".json")}
	return j, j.Save()
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Save writes the journal durably: a temporary file in the same folder,
// synced, then renamed over the old one, so a crash leaves either the
// previous journal or the new one, never half of one.
func (j *Journal) Save() error {
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	// 0600: the journal records the machine's settings for its admin.
	return atomicfile.Write(j.path, data, 0o600)
}

// LoadJournal reads a journal file.
func LoadJournal(path string) (*Journal, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("journal %s is damaged: %w", path, err)
	}
	if j.Schema != JournalSchema {
		return nil, fmt.Errorf("journal %s: schema %q; want %q", path, j.Schema, JournalSchema)
	}
	j.path = path
	return &j, nil
}

// FindJournal returns the journal of run in dir, or, when run is empty, the
// newest one that still has something to undo.
func FindJournal(dir, run string) (*Journal, error) {
	if run != "" {
		j, err := LoadJournal(filepath.Join(dir, strings.TrimSuffix(run, ".json")+".json"))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no fix run %q in %s", run, dir)
		}
		return j, err
	}
	names, err := Journals(dir)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		j, err := LoadJournal(n)
		if err != nil {
			return nil, err
		}
		if j.Undoable() {
			return j, nil
		}
	}
	return nil, nil
}

// Undoable reports whether any registry step may have changed and is not
// undone yet.
func (j *Journal) Undoable() bool {
	for _, a := range j.Actions {
		for _, s := range a.Registry {
			if s.State == StateApplying || s.State == StateApplied {
				return true
			}
		}
	}
	return false
}

// Journals lists the journal files in dir, newest first (run IDs start
// with the time).
func Journals(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	return names, err
}
