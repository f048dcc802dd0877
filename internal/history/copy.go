package history

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// copyTries is how many times a copy is taken before the last is read
// anyway: a commit takes milliseconds and comes every 10 seconds, so a
// second copy almost always misses it.
const copyTries = 3

// copyPause is the wait between tries: long enough for a commit under way
// to end.
const copyPause = 100 * time.Millisecond

// snapshot is History and its sidecar as copied.
type snapshot struct {
	Files
	notes    []string // sidecars not copied, and why
	short    bool     // something was not copied for Limits.MaxBytes
	unstable bool     // the files kept changing while they were copied
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// copyHistory copies History and the sidecar its header names
// (History-wal in WAL mode, History-journal otherwise), at most max bytes
// together, until a copy matches the files as they are read again. The
// sidecar is copied before History: a commit that writes History while it
// is copied has already written its journal (SQLite syncs the journal
// before it writes the database), and a checkpoint writes History only
// from WAL frames already in the WAL, so a copy that overlaps either still
// reads as one committed state; a copy that changes anyway is taken again.
func copyHistory(ctx context.Context, path string, max int64) (snapshot, error) {
	var s snapshot
	for try := 1; ; try++ {
		s = snapshot{}
		head, size, err := readShared(ctx, path, headerSize)
		if err != nil {
			return s, err
		}
		wal := len(head) > 19 && (head[18] == 2 || head[19] == 2)
		side := path + "-journal"
		if wal {
			side = path + "-wal"
		}
		sideData, sideSame := s.copySide(ctx, side, max-min(size, max))
		if err := ctx.Err(); err != nil {
			return s, err
		}
		db, size, err := readShared(ctx, path, max)
		if err != nil {
			return s, err
		}
		s.DB, s.Size = db, size
		s.short = s.short || size > max
		if wal {
			s.WAL = sideData
		} else {
			s.Journal = sideData
		}
		// Read both again: unchanged, the copy is one state of the files.
		same := sideSame && int64(len(db)) == min(size, max)
		if same {
			same, err = unchanged(ctx, path, db, size)
			if err != nil {
				return s, err
			}
		}
		if same && sideData != nil {
			again, size, err := readShared(ctx, side, int64(len(sideData)))
			same = err == nil && size == int64(len(sideData)) && bytes.Equal(again, sideData)
		}
		if same {
			return s, nil
		}
		if try == copyTries {
			s.unstable = true
			return s, nil
		}
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(copyPause):
		}
	}
}

// copySide copies a journal or WAL of at most max bytes; one that is
// absent is nil, one that cannot be copied is a note, not an error: the
// main file still reads. whole is false when it shrank while it was read.
func (s *snapshot) copySide(ctx context.Context, path string, max int64) (data []byte, whole bool) {
	data, size, err := readShared(ctx, path, max)
	switch {
	case err == nil && size > max:
		s.short = true
		s.notes = append(s.notes, fmt.Sprintf("%s is %d bytes, more than the %d left to copy, and was not read: rows written since the last checkpoint or the last commit are missing", base(path), size, max))
		return nil, true
	case err == nil:
		return data, int64(len(data)) == size
	case stateOf(err) == facts.ReadAbsent, ctx.Err() != nil:
		return nil, true
	}
	s.notes = append(s.notes, fmt.Sprintf("%s could not be copied (%v): rows written since the last checkpoint, or an unfinished write's undo, are missing", base(path), err))
	return nil, true
}

func base(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' || path[i] == '\\' {
			return path[i+1:]
		}
	}
	return path
}

// readShared reads at most limit bytes of the regular file at path, opened
// for reading only and shared (openShared); size is the file's size. Less
// than min(size, limit) bytes means it shrank while it was read.
func readShared(ctx context.Context, path string, limit int64) (data []byte, size int64, err error) {
	f, err := openShared(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	size = st.Size()
	n := min(size, max(limit, 0))
	// Sized from the stat: a file that grows meanwhile is read to the
	// size it had, one that shrinks to its end.
	data = make([]byte, 0, n)
	r := io.LimitReader(f, n)
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		k, err := r.Read(data[len(data):min(cap(data), len(data)+1<<20)])
		data = data[:len(data)+k]
		if err == io.EOF || len(data) == cap(data) {
			return data, size, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// unchanged reads the file at path again and tells whether its first
// len(db) bytes and its size are what was copied.
func unchanged(ctx context.Context, path string, db []byte, size int64) (bool, error) {
	f, err := openShared(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != size {
		return false, err
	}
	h := crc32.New(castagnoli)
	buf := make([]byte, 1<<20)
	r := io.LimitReader(f, int64(len(db)))
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		k, err := r.Read(buf)
		h.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return h.Sum32() == crc32.Checksum(db, castagnoli), nil
}
