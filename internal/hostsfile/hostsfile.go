// Package hostsfile reads a hosts file the way the resolvers that honour it
// do: one address and its names per line, '#' starts a comment, anything
// else is ignored.
package hostsfile

import (
	"bufio"
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
	ErrTooLarge    = fmt.Errorf("the file is larger than %d bytes", MaxSize)
	ErrLineTooLong = fmt.Errorf("a line is longer than %d bytes", maxLine)
)

// maxLine is the longest line read; longer lines are skipped as the
// Windows DNS client does with lines it cannot parse.
const maxLine = 64 << 10

// Parse reads hosts-file text and returns every line that starts with an IP
// address, and the number of lines read. Lines that do not parse are skipped,
// as resolvers skip them.
func Parse(r io.Reader) (entries []facts.HostsEntry, lines int, err error) {
	lr := &io.LimitedReader{R: r, N: MaxSize + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 4096), maxLine)
	for sc.Scan() {
		lines++
		text := sc.Text()
		if lines == 1 {
			text = strings.TrimPrefix(text, "\ufeff") // Notepad's UTF-8 BOM
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) < 2 {
			continue
		}
		addr, perr := netip.ParseAddr(fields[0])
		if perr != nil {
			continue
		}
		entries = append(entries, facts.HostsEntry{Line: lines, Address: addr.String(), Names: fields[1:]})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return entries, lines, fmt.Errorf("line %d is longer than %d bytes; is this a hosts file? %w", lines+1, maxLine, ErrLineTooLong)
		}
		return entries, lines, err
	}
	if lr.N <= 0 {
		return entries, lines, fmt.Errorf("only the first %d lines were read: %w", lines, ErrTooLarge)
	}
	return entries, lines, nil
}
