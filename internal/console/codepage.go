package console

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Windows PowerShell 5.1 reads what a program writes to a pipe in
// [Console]::OutputEncoding, the console's output code page (437, 850,
// 932…), not UTF-8: "—" and Japanese would arrive as mojibake in
// `qadoctor diagnose | Out-File` or `$r = qadoctor …`. Writing to a pipe,
// qadoctor therefore speaks the console's code page, unless it is UTF-8
// (65001, set with [Console]::OutputEncoding = [Text.Encoding]::UTF8).
// A JSON report stays ASCII instead (every other character as a \u
// escape), so that it reads the same in any code page, PowerShell's
// ConvertFrom-Json and jq alike.
//
// Windows converts (systemCodePage, WideCharToMultiByte), with the tables
// PowerShell decodes with, for every code page it has: x/text's tables
// for the OEM code pages were 0.8 MiB of the binary (Chinese, Korean and
// Japanese; issue 26). This file does the rest: a character cut between
// writes, the stand-ins, and JSON.

// pageEncoder turns UTF-8 text into a code page.
type pageEncoder interface {
	// Bytes returns b in the code page, or an error when the code page
	// lacks one of its characters (the substituting encoder never fails).
	Bytes(b []byte) ([]byte, error)
}

// CodePageWriter wraps w so that UTF-8 text written to it arrives in code
// page cp; a stream that starts with { or [ (a JSON report) is kept ASCII
// with \u escapes instead. ok is false for UTF-8 or an unknown code page:
// then w is to be used as it is. Close flushes a character cut between
// two writes.
func CodePageWriter(w io.Writer, cp uint32) (cw io.WriteCloser, ok bool) {
	enc, sub, ok := systemCodePage(cp)
	if !ok {
		return nil, false
	}
	return newCodePageWriter(w, enc, sub), true
}

// newCodePageWriter writes to w with enc, which fails on a character its
// code page lacks, and sub, which writes the code page's substitute.
func newCodePageWriter(w io.Writer, enc, sub pageEncoder) *codePageWriter {
	return &codePageWriter{w: w, enc: enc, sub: sub}
}

// bestFit are stand-ins for characters a code page lacks, tried in order
// before its substitute character, as Windows' own best-fit conversion
// does for these ("—" is "―" in code page 932 and "-" in 437).
var bestFit = map[rune][]string{
	'—': {"―", "-"}, '–': {"-"}, '“': {`"`}, '”': {`"`}, '‘': {"'"}, '’': {"'"}, '…': {"..."}, '→': {"->"}, '×': {"x"},
}

type codePageWriter struct {
	w       io.Writer
	enc     pageEncoder // fails on what the code page lacks
	sub     pageEncoder // writes the code page's substitute instead
	decided bool
	json    bool
	pending []byte // the start of a UTF-8 sequence cut by the last write
}

func (c *codePageWriter) Write(p []byte) (int, error) {
	if !c.decided {
		if t := bytes.TrimLeft(p, " \t\r\n\ufeff"); len(t) > 0 {
			c.decided, c.json = true, t[0] == '{' || t[0] == '['
		}
	}
	buf := append(c.pending, p...)
	// Keep back an incomplete character at the end for the next write.
	cut := len(buf)
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-utf8.UTFMax; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	c.pending = append([]byte(nil), buf[cut:]...)
	if err := c.emit(buf[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (c *codePageWriter) emit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var out []byte
	if c.json {
		out = asciiJSON(b)
	} else {
		out = c.encode(b)
	}
	_, err := c.w.Write(out)
	return err
}

// encode turns UTF-8 into the code page, character by character where a
// character is missing, so one gap never costs the rest.
func (c *codePageWriter) encode(b []byte) []byte {
	if out, err := c.enc.Bytes(b); err == nil {
		return out
	}
	var out []byte
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		enc, err := c.enc.Bytes(b[:n])
		if err != nil {
			enc = nil
			for _, alt := range bestFit[r] {
				if e, err := c.enc.Bytes([]byte(alt)); err == nil {
					enc = e
					break
				}
			}
			if enc == nil {
				enc, _ = c.sub.Bytes(b[:n])
			}
		}
		out = append(out, enc...)
		b = b[n:]
	}
	return out
}

// Close writes what is left: a cut character becomes U+FFFD's stand-in.
func (c *codePageWriter) Close() error {
	p := c.pending
	c.pending = nil
	return c.emit(bytes.ToValidUTF8(p, []byte("\uFFFD")))
}

// asciiJSON writes every non-ASCII character of JSON text as a \u escape
// (a surrogate pair beyond U+FFFF). JSON allows other characters only
// inside strings, where the escape means the same (RFC 8259 section 7).
func asciiJSON(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r < utf8.RuneSelf:
			out.WriteByte(b[0])
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		b = b[n:]
	}
	return out.Bytes()
}
