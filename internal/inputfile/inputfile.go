// Package inputfile opens the files a person names on the command line (a
// profile, a CA file, a snapshot or .reg export, reports) as hostile
// input: only regular files (a FIFO would block the open, a device would
// never end), and no more than the caller's cap, checked before a byte is
// read. Errors name the file and say what to give instead.
package inputfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Error is a named file that cannot be read as input.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// Open opens path for reading if it is a regular file.
func Open(path string) (*os.File, error) {
	// Stat before Open: opening a FIFO waits for a writer.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The path may have been swapped between the two calls: what was
	// opened decides.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, notRegular(path, st.Mode())
	}
	return f, nil
}

func notRegular(path string, m os.FileMode) error {
	return &Error{path, fmt.Sprintf("not a regular file (%v); give the path of a file", m.Type())}
}

// Read reads a regular file of at most max bytes.
func Read(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(path, st.Size(), max)
	}
	// Sized from the start: io.ReadAll's doubling would hold up to twice
	// the file.
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+512))
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > max {
		return nil, tooLarge(path, int64(len(data)), max)
	}
	return data, nil
}

func tooLarge(path string, size, max int64) error {
	return &Error{path, fmt.Sprintf("%d bytes, more than the %d this input can be; is it the right file?", size, max)}
}

// Head reads at most n bytes from the start of a regular file: enough to
// tell what kind of file it is before choosing how much of it to read.
func Head(path string, n int) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	m, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:m], err
}
