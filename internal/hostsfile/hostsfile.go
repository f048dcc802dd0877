// Package hostsfile reads a hosts file the way the resolvers that honour it
// do: one address and its names per line, '#' starts a comment, anything
// else is ignored.
package hostsfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// MaxSize bounds what Parse reads. Real hosts files are kilobytes; ad-block
// lists reach a few megabytes. 16 MiB keeps a runaway file from filling memory.
const MaxSize = 16 << 20

// Errors Parse wraps, for callers that classify them.
var (
	ErrTooLarge = fmt.Errorf("the file is larger than %d bytes", MaxSize)
)

// readChunk is how much of a line is held at a time. A line is read
// whole however long it is (a 70 KiB comment, an ad-block line listing
// thousands of names); only MaxSize bounds what is read.
const readChunk = 64 << 10

// Parse reads hosts-file text and returns every line that starts with an IP
// address, and the number of lines read. Lines that do not parse are skipped,
// as resolvers skip them. A line's comment is not kept, so a long comment
// costs no memory.
func Parse(r io.Reader) (entries []facts.HostsEntry, lines int, err error) {
	lr := &io.LimitedReader{R: r, N: MaxSize + 1}
	br := bufio.NewReaderSize(lr, readChunk)
	var line []byte
	comment := false // the rest of the line is a comment: drop it as it comes
	for {
		chunk, rerr := br.ReadSlice('\n')
		if !comment {
			if i := bytes.IndexByte(chunk, '#'); i >= 0 {
				chunk, comment = chunk[:i], true
			}
			line = append(line, chunk...)
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue // the same line goes on
		}
		if len(chunk) > 0 || len(line) > 0 || comment {
			lines++
			if e, ok := parseLine(line, lines); ok {
				entries = append(entries, e)
			}
		}
		line, comment = line[:0], false
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return entries, lines, rerr
		}
	}
	if lr.N <= 0 {
		return entries, lines, fmt.Errorf("only the first %d lines were read: %w", lines, ErrTooLarge)
	}
	return entries, lines, nil
}

// parseLine reads one line without its comment: an address, then names.
func parseLine(line []byte, n int) (facts.HostsEntry, bool) {
	text := string(line)
	if n == 1 {
		text = strings.TrimPrefix(text, "\ufeff") // Notepad's UTF-8 BOM
	}
	// Windows separates a hosts line's fields with spaces and tabs only:
	// a no-break or ideographic space is part of a name, which then
	// matches nothing (strings.Fields would split there and see a block).
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\v' || r == '\f' })
	if len(fields) < 2 {
		return facts.HostsEntry{}, false
	}
	addr, err := netip.ParseAddr(fields[0])
	if err != nil {
		return facts.HostsEntry{}, false
	}
	return facts.HostsEntry{Line: n, Address: addr.String(), Names: fields[1:]}, true
}
