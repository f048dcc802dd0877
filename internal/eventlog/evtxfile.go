package eventlog

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	evtx "www.velocidex.com/golang/evtx"
)

// ReadFile reads the records that matter from an .evtx file. The
// LogRead's Channel is the file's name and File its path; every error
// names the file. Records are oldest first. It never panics on a file's
// content and is bounded by lim and by ctx.
func ReadFile(ctx context.Context, path string, w Window, lim Limits) (facts.LogRead, []facts.EventRecord) {
	lr := facts.LogRead{Channel: filepath.Base(path), File: path}
	f, err := inputfile.Open(path) // a FIFO or a device is refused, not waited on
	if err != nil {
		lr.State, lr.Error = openState(err), fmt.Sprintf("read %s: %v", path, err)
		return lr, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		lr.State, lr.Error = facts.ReadError, fmt.Sprintf("read %s: %v", path, err)
		return lr, nil
	}
	return readEVTX(ctx, path, f, fi.Size(), w, lim, lr, rows)
}

// ReadEVTX reads an .evtx held elsewhere (a collect bundle's member, a
// test's bytes); name stands for the file in the LogRead and its errors.
func ReadEVTX(ctx context.Context, name string, r io.ReaderAt, size int64, w Window, lim Limits) (facts.LogRead, []facts.EventRecord) {
	return readEVTX(ctx, name, r, size, w, lim, facts.LogRead{Channel: filepath.Base(name), File: name}, rows)
}

func openState(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return facts.ReadAbsent
	case errors.Is(err, fs.ErrPermission):
		return facts.ReadDenied
	}
	return facts.ReadError
}

// chunkRef is one chunk the file holds.
type chunkRef struct {
	off    int64
	lastID uint64 // the chunk header's last record identifier: newest first
}

func readEVTX(ctx context.Context, name string, r io.ReaderAt, size int64, w Window, lim Limits, lr facts.LogRead, table []Row) (facts.LogRead, []facts.EventRecord) {
	lim = lim.withDefaults()
	fail := func(state, format string, args ...any) (facts.LogRead, []facts.EventRecord) {
		lr.State, lr.Error = state, fmt.Sprintf("read %s: ", name)+fmt.Sprintf(format, args...)
		return lr, nil
	}
	var notes []string
	truncated := false
	if size > lim.MaxFileSize {
		notes = append(notes, fmt.Sprintf("the file is %d bytes; only its first %d were read (Limits.MaxFileSize)", size, lim.MaxFileSize))
		size, truncated = lim.MaxFileSize, true
	}
	sr := io.NewSectionReader(r, 0, size)
	var hdr [128]byte
	if n, err := sr.ReadAt(hdr[:], 0); n < len(hdr) {
		if err == nil || errors.Is(err, io.EOF) {
			return fail(facts.ReadCorrupt, "%d bytes: too short for an .evtx file header", size)
		}
		return fail(facts.ReadError, "%v", err)
	}
	if string(hdr[:8]) != fileHeaderMagic {
		return fail(facts.ReadCorrupt, "not an .evtx file (its first bytes are not \"ElfFile\")")
	}
	chunks, err := findChunks(sr)
	if err != nil {
		return fail(facts.ReadCorrupt, "%v", err)
	}
	if len(chunks) == 0 {
		return fail(facts.ReadCorrupt, "no chunk of records in the file")
	}
	// Newest chunks first (by record number: a wrapped log's file order
	// is not its order), so MaxScanned and the deadline cut the oldest.
	// Every chunk is read otherwise: record numbers are not quite time
	// order (the sample AppX log's record 6857 is five days older than
	// its 6805), and MaxKept keeps the newest by time.
	slices.SortStableFunc(chunks, func(a, b chunkRef) int {
		if c := cmp.Compare(b.lastID, a.lastID); c != 0 {
			return c
		}
		return cmp.Compare(b.off, a.off)
	})

	needles := prefilterNeedles(table)
	col := collector{max: lim.MaxKept, noFold: lim.noFold}
	buf := make([]byte, chunkSize)
	var defects []string
	var ioErr error
	done := 0
	for _, c := range chunks {
		if err := ctx.Err(); err != nil {
			notes = append(notes, fmt.Sprintf("the run's deadline ended the reading after %d of %d chunks", done, len(chunks)))
			truncated = true
			break
		}
		if lr.Scanned >= lim.MaxScanned {
			notes = append(notes, fmt.Sprintf("stopped after %d records (Limits.MaxScanned), %d of %d chunks read", lr.Scanned, done, len(chunks)))
			truncated = true
			break
		}
		done++
		n, err := sr.ReadAt(buf, c.off)
		if n < chunkSize {
			if err != nil && !errors.Is(err, io.EOF) {
				ioErr = fmt.Errorf("chunk at 0x%x: %v", c.off, err)
				break
			}
			clear(buf[n:]) // the file ends inside this chunk
		}
		wanted := mayHold(buf, needles)
		var v chunkVerdict
		if wanted {
			v = checkChunk(buf)
		} else {
			v = countRecords(buf)
		}
		if n < chunkSize && v.defect != "" {
			v.defect = "the file ends inside the chunk (a cut copy?): " + v.defect
		}
		if v.defect != "" {
			defects = append(defects, fmt.Sprintf("chunk at 0x%x: %s", c.off, v.defect))
		}
		lr.Scanned += v.records
		if v.records == 0 || !wanted {
			continue
		}
		recs, err := parseChunk(buf, v.records)
		if err != nil {
			defects = append(defects, fmt.Sprintf("chunk at 0x%x: %v", c.off, err))
		}
		for _, rec := range recs {
			e, ok := fromLibrary(rec, maxRawValues)
			if !ok {
				continue
			}
			row, ok := match(table, &e)
			if !ok || !w.in(e.Time) {
				continue
			}
			col.add(keep(row, &e, lim))
		}
	}
	col.trim()
	lr.Kept, lr.Matched = len(col.recs), col.matched
	if col.dropped > 0 {
		notes = append(notes, fmt.Sprintf("kept the newest %d of %d records that matter, alike ones folded (Limits.MaxKept); %d older ones left out", lr.Kept, col.matched, col.dropped))
		truncated = true
	}
	switch {
	case ioErr != nil:
		lr.State = facts.ReadError
		lr.Error = strings.Join(append([]string{fmt.Sprintf("read %s: %v; the records read before it kept", name, ioErr)}, notes...), "; ")
	case len(defects) > 0:
		lr.State = facts.ReadCorrupt
		msg := fmt.Sprintf("read %s: %d damaged chunk(s), the records before the damage kept; first: %s", name, len(defects), defects[0])
		lr.Error = strings.Join(append([]string{msg}, notes...), "; ")
	case truncated:
		lr.State = facts.ReadTruncated
		lr.Error = fmt.Sprintf("read %s: ", name) + strings.Join(notes, "; ")
	default:
		lr.State = facts.ReadOK
	}
	return lr, col.recs
}

// findChunks lists the chunks by their magic, every 64 KiB after the file
// header up to the file's end: the header's own chunk count is often stale
// (SOURCES.md note 1), so it is not used.
func findChunks(sr *io.SectionReader) ([]chunkRef, error) {
	found, err := evtx.GetChunks(sr)
	if err != nil {
		return nil, fmt.Errorf("file header: %v", err)
	}
	out := make([]chunkRef, 0, len(found))
	for _, c := range found {
		if c.Offset < 0 || c.Offset+chunkHeaderSize > sr.Size() {
			continue
		}
		out = append(out, chunkRef{off: c.Offset, lastID: c.Header.LastEventRecID})
	}
	return out, nil
}

// parseChunk hands the guarded chunk to the library: a copy of the chunk
// whose header says it holds exactly the records the guard passed. The
// recover is a last net only: checkChunk refuses every input known to
// make the library panic.
func parseChunk(b []byte, records int) (recs []*evtx.EventRecord, err error) {
	defer func() {
		if p := recover(); p != nil {
			recs, err = nil, fmt.Errorf("the evtx parser failed: %v", p)
		}
	}()
	var h evtx.ChunkHeader
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, &h); err != nil {
		return nil, err
	}
	h.FirstEventRecNumber, h.LastEventRecNumber = 1, uint64(records)
	c := &evtx.Chunk{Header: h, Offset: 0, Fd: bytes.NewReader(b)}
	recs, err = c.Parse(0)
	if err != nil {
		return recs, fmt.Errorf("the evtx parser: %v", err)
	}
	return recs, nil
}

// prefilterNeedles are, per row, strings one of which a record the row
// takes must hold in UTF-16: the filter's values, else the providers'
// names, else the channel's name. A chunk holding none of them (ignoring
// ASCII case) holds no record that matters and is not parsed. Templates
// are defined in the chunk that uses them, and a provider's name, a
// channel's name and a string value are UTF-16 text in the template or
// in the record, so the test cannot miss a record.
func prefilterNeedles(table []Row) [][]byte {
	var out [][]byte
	add := func(s string) {
		u := utf16.Encode([]rune(strings.ToLower(s)))
		b := make([]byte, 2*len(u))
		for i, c := range u {
			binary.LittleEndian.PutUint16(b[2*i:], c)
		}
		if !slices.ContainsFunc(out, func(x []byte) bool { return bytes.Equal(x, b) }) {
			out = append(out, b)
		}
	}
	for _, r := range table {
		switch {
		case r.Filter != nil:
			for _, v := range r.Filter.Values {
				add(v)
			}
		case len(r.Providers) > 0:
			for _, p := range r.Providers {
				add(p)
			}
		default:
			add(r.Channel)
		}
	}
	return out
}

// mayHold says the chunk holds one of the needles, ignoring ASCII case.
// Folding every byte (not only text) can only add matches.
func mayHold(chunk []byte, needles [][]byte) bool {
	var low [chunkSize]byte
	for i, c := range chunk {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	for _, n := range needles {
		if bytes.Contains(low[:len(chunk)], n) {
			return true
		}
	}
	return false
}
