package winstate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// SnapshotSchema names the snapshot format `qadoctor collect` writes.
const SnapshotSchema = "qadoctor.snapshot/v1"

// Snapshot is what collect writes: the system state, recorded.
type Snapshot struct {
	Schema    string       `json:"schema"`
	Tool      string       `json:"tool"` // the qadoctor version that wrote it
	Collected time.Time    `json:"collected"`
	System    facts.System `json:"system"`
	// Sessions is the PC's record of its last Quick Assist sessions (the
	// service's pages in Quick Assist's History and the event records
	// that matter); nil in snapshots from before it was recorded.
	Sessions *facts.Sessions `json:"sessions,omitempty"`
}

// The most a snapshot's record of past sessions may hold: what collect's
// readers keep at most (a hostile snapshot cannot make a judge walk more).
const (
	MaxSnapshotVisits  = 10000
	MaxSnapshotRecords = 5000
	MaxSnapshotLogs    = 64
)

// WriteSnapshot writes s as indented JSON.
func WriteSnapshot(w io.Writer, s *Snapshot) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// SnapshotError is a problem with a snapshot file.
type SnapshotError struct {
	File string
	Msg  string
}

func (e *SnapshotError) Error() string { return fmt.Sprintf("snapshot %s: %s", e.File, e.Msg) }

// ReadSnapshot parses a snapshot and returns it with a Registry over its
// values: what it recorded as set or absent is known; anything else (a
// value a newer qadoctor reads) is ErrNotCovered.
func ReadSnapshot(file string, data []byte) (*Snapshot, Registry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, err)}
		}
		return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("not a snapshot: %v", err)}
	}
	if s.Schema != SnapshotSchema {
		return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("schema is %q; want %q (write one with qadoctor collect)", s.Schema, SnapshotSchema)}
	}
	if ss := s.Sessions; ss != nil {
		switch {
		case len(ss.Visits) > MaxSnapshotVisits:
			return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("sessions.visits holds %d pages; collect keeps at most %d", len(ss.Visits), MaxSnapshotVisits)}
		case len(ss.Records) > MaxSnapshotRecords:
			return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("sessions.records holds %d records; collect keeps at most %d", len(ss.Records), MaxSnapshotRecords)}
		case len(ss.Logs) > MaxSnapshotLogs:
			return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("sessions.logs holds %d logs; collect reads at most %d", len(ss.Logs), MaxSnapshotLogs)}
		}
		ss.Source = "snapshot"
	}
	r := &snapshotRegistry{values: map[string]facts.RegValue{}, keys: map[string]facts.RegKeyList{}}
	for i, v := range s.System.Values {
		if v.State == facts.ValueSet {
			if _, ok := FromFact(v); !ok {
				return nil, nil, &SnapshotError{File: file, Msg: fmt.Sprintf("system.values[%d] (%s\\%s): type %q with data %q cannot be read", i, v.Key, v.Name, v.Type, v.Data)}
			}
		}
		r.values[lower(v.Key)+"\x00"+lower(v.Name)] = v
	}
	for _, k := range s.System.SubKeys {
		r.keys[lower(k.Key)] = k
	}
	return &s, r, nil
}

type snapshotRegistry struct {
	values map[string]facts.RegValue
	keys   map[string]facts.RegKeyList
}

func (r *snapshotRegistry) Value(key, name string) (Value, error) {
	rv, ok := r.values[lower(key)+"\x00"+lower(name)]
	if !ok {
		return Value{}, ErrNotCovered
	}
	switch rv.State {
	case facts.ValueSet:
		v, _ := FromFact(rv)
		return v, nil
	case facts.ValueAbsent:
		return Value{}, ErrNotExist
	case facts.ValueError:
		return Value{}, errors.New(rv.Error)
	}
	return Value{}, ErrNotCovered
}

func (r *snapshotRegistry) SubKeys(key string) ([]string, error) {
	l, ok := r.keys[lower(key)]
	if !ok {
		return nil, ErrNotCovered
	}
	switch l.State {
	case facts.ValueSet:
		return l.Names, nil
	case facts.ValueAbsent:
		return nil, ErrNotExist
	case facts.ValueError:
		return nil, errors.New(l.Error)
	}
	return nil, ErrNotCovered
}

// MaxSnapshotSize caps a snapshot: collect records a fixed list of values,
// a few hundred KiB at most; decoding is a few times a file's size in
// memory, so the cap keeps analyze far below 200 MB.
const MaxSnapshotSize = 8 << 20

// LooksLikeSnapshot reports whether a file's first bytes are JSON (a
// snapshot) rather than a .reg export.
func LooksLikeSnapshot(head []byte) bool {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	return bytes.HasPrefix(trimmed, []byte("{"))
}

// Open reads a file given to analyze: a snapshot (JSON) or a .reg export,
// told apart by content. It returns the registry and its source name.
func Open(file string, data []byte) (Registry, string, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	if LooksLikeSnapshot(data) {
		if len(data) > MaxSnapshotSize {
			return nil, "", &SnapshotError{File: file, Msg: fmt.Sprintf("%d bytes; a snapshot qadoctor collect writes is at most %d (it holds only the values the checks read)", len(data), MaxSnapshotSize)}
		}
		_, r, err := ReadSnapshot(file, data)
		return r, "snapshot", err
	}
	// Told apart loosely (any case): ParseReg then says exactly what is
	// wrong with a header regedit would refuse.
	head := strings.ToLower(string(trimmed[:min(len(trimmed), 64)]))
	if hasUTF16BOM(data) || strings.HasPrefix(head, "windows registry editor") || strings.HasPrefix(head, "regedit") {
		h, err := ParseReg(file, data, WantedInterest())
		if err != nil {
			return nil, "", err
		}
		return h, "reg", nil
	}
	return nil, "", fmt.Errorf("%s: neither a qadoctor snapshot (JSON) nor a regedit export (.reg); give the file qadoctor collect wrote, or a .reg export", file)
}
