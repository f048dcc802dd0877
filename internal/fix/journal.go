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
	"github.com/qadoctor/qadoctor/internal/inputfile"
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
	if err := PrepareJournalDir(dir); err != nil {
		return nil, err
	}
	j := &Journal{Schema: JournalSchema, Run: run, Started: now.UTC(), Tool: tool, Actions: plan, path: filepath.Join(dir, run+".json")}
	// The same check undo makes: a plan that would change a value outside
	// the catalogue is a bug, and is not started.
	if err := j.validate(); err != nil {
		return nil, fmt.Errorf("the plan is refused: %w", err)
	}
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

// MaxJournalSize caps a journal file: a real one records a few actions
// in a few KiB; anything near this is not one of ours.
const MaxJournalSize = 1 << 20

// LoadJournal reads a journal file and checks it against the catalogue of
// what fix can change: a journal that fails is refused whole, and nothing
// in it is written.
func LoadJournal(path string) (*Journal, error) {
	data, err := ReadJournalFile(path)
	if err != nil {
		return nil, err
	}
	// A journal opened and saved again in PowerShell 5.1 or Notepad may be
	// UTF-16 or carry a BOM; it reads as the UTF-8 fix wrote.
	if data, err = inputfile.UTF8(data); err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	var j Journal
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("journal %s is damaged: %w", path, err)
	}
	if j.Schema != JournalSchema {
		return nil, fmt.Errorf("journal %s: schema %q; want %q", path, j.Schema, JournalSchema)
	}
	if err := j.validate(); err != nil {
		return nil, fmt.Errorf("journal %s is refused: %w", path, err)
	}
	j.path = path
	return &j, nil
}

// ReadJournalFile reads a journal file's bytes: a regular file of at most
// MaxJournalSize, checked before it is read.
func ReadJournalFile(path string) ([]byte, error) {
	// inputfile checks before opening: a FIFO named like a journal would
	// block the open.
	data, err := inputfile.Read(path, MaxJournalSize)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return data, nil
}

// FindJournal returns the journal of run in dir, or, when run is empty, the
// newest one that still has something to undo. The folder must be one only
// administrators can write (TrustJournalDir). A run is a name, never a
// path. Looking for the newest, a damaged or refused journal is skipped,
// and said in skipped, so one bad file does not block the undo of a good
// one.
func FindJournal(dir, run string) (j *Journal, skipped []error, err error) {
	if err := TrustJournalDir(dir); err != nil {
		return nil, nil, err
	}
	if run != "" {
		id := strings.TrimSuffix(run, ".json")
		if !ValidRunID(id) {
			return nil, nil, fmt.Errorf("%q is not a fix run ID (such as 20261125T184653Z-29bf63); qadoctor fix prints it", run)
		}
		j, err := LoadJournal(filepath.Join(dir, id+".json"))
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("no fix run %q in %s", run, dir)
		}
		return j, nil, err
	}
	names, err := Journals(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range names {
		j, err := LoadJournal(n)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		if j.Undoable() {
			return j, skipped, nil
		}
	}
	return nil, skipped, nil
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
// with the time); files whose names are not run IDs are not journals.
func Journals(dir string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*.json"))
	var names []string
	for _, n := range all {
		if ValidRunID(strings.TrimSuffix(filepath.Base(n), ".json")) {
			names = append(names, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	return names, err
}
