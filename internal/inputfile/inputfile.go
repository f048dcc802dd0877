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

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
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
	f, err := openNoWait(path)
	if err != nil {
		return nil, err
	}
	// The path may have been swapped between the two calls (a FIFO put in
	// its place is opened without waiting): what was opened decides.
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

// UTF8 returns JSON text as UTF-8 without a byte-order mark, whatever
// Windows PowerShell wrote it as: its `>` writes UTF-16LE with a BOM, and
// `Out-File -Encoding utf8` UTF-8 with one. UTF-16 (either order) needs
// its BOM; text without one is taken as UTF-8, as JSON's own rule says
// (RFC 8259 section 8.1).
func UTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		// BOMOverride picks the order from the mark and drops it.
		out, _, err := transform.Bytes(xunicode.BOMOverride(xunicode.UTF8.NewDecoder()), data)
		if err != nil {
			return nil, fmt.Errorf("UTF-16 text that does not decode: %w", err)
		}
		return out, nil
	}
	return data, nil
}
