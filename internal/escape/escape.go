// Package escape makes untrusted text safe for the place it is written:
// a terminal, Markdown, a CSV cell, a comment in a generated script.
// Certificate names, registry values, server headers, error texts and
// profile fields all come from someone else; none of them may retitle a
// terminal, break a table, run as a spreadsheet formula or end a comment.
package escape

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Terminal shows s with every control character visible: C0 and C1
// controls, DEL, the bidirectional overrides that reorder what a line
// appears to say (Trojan Source, CVE-2021-42574) and the Unicode line
// terminators become \xNN or \u{NNNN};
// a backslash before such an escape is not doubled, since the aim is that
// nothing in s acts on the terminal. Invalid UTF-8 becomes U+FFFD.
func Terminal(s string) string {
	if isPlain(s) {
		return s
	}
	return visible(s, false)
}

// Page shows the control characters of a whole page of markup the way
// Terminal does, but for tab, line feed and carriage return, which markup
// is laid out with: what html/template escapes (<, &, quotes) it leaves
// alone, and what it lets through (a bidirectional override that reorders
// a line, an escape sequence, a zero-width character) it makes visible.
func Page(s string) string { return visible(s, true) }

// visible writes s with its control characters as \xNN and its C1,
// bidirectional and zero-width characters as \u{NNNN}; layout keeps tab,
// line feed and carriage return as they are.
func visible(s string, layout bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case layout && (r == '\t' || r == '\n' || r == '\r'):
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, bidi(r):
			fmt.Fprintf(&b, `\u{%04x}`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPlain(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || bidi(r) {
			return false
		}
		i += n
	}
	return true
}

// bidi reports the characters that change the direction text is shown in,
// and the two Unicode line terminators (U+2028, U+2029): JavaScript ends a
// line, and so a // comment, at them, and some editors and viewers break
// the line there.
func bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c || r == 0x2028 || r == 0x2029 ||
		r == 0x200b || r == 0xfeff // zero width: a name that looks like another
}

// Markdown makes s plain text in Markdown (CommonMark and GitHub's
// tables): control characters visible, a line break a space, and every
// character that could start emphasis, code, a link or an image (no [, no
// link: parentheses may stay), raw HTML or an entity, or end a table cell
// escaped, and a leading one that would start a block. What comes out
// reads as s.
func Markdown(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	s = Terminal(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '~', '<':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	// A paragraph or list item that starts like a list, a heading, a quote
	// or a heading rule.
	if out != "" && strings.ContainsRune("-+=#>", rune(out[0])) {
		out = `\` + out
	}
	return out
}

// CSVCell keeps a cell from running as a formula when a spreadsheet opens
// the file: a cell that starts with =, +, -, @, a tab or a carriage
// return gets a leading apostrophe (OWASP, "CSV Injection"). The CSV
// writer still quotes what CSV needs quoted.
//
// Control characters, bidirectional overrides and line terminators are
// shown as Terminal shows them: a CSV printed to a terminal, or opened in
// an editor, must not act on it.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	return Terminal(s)
}

// JSON makes JSON that goes to a person's terminal inert: encoding/json
// already writes control characters and U+2028/U+2029 as \u escapes, and
// this does the same for the bidirectional overrides and invisible
// characters Terminal shows. They can only stand inside JSON strings, so
// the result is the same JSON value.
func JSON(b []byte) []byte {
	if isPlain(string(b)) {
		return b
	}
	var out []byte
	for _, r := range string(b) {
		if bidi(r) || r >= 0x80 && r < 0xa0 {
			out = fmt.Appendf(out, `\u%04x`, r)
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// Comment makes s one line of a comment in a generated script (.reg, PS1,
// PAC): control characters visible, so a line break cannot end the
// comment and start code, and nothing that closes a block comment.
func Comment(s string) string {
	return strings.ReplaceAll(Terminal(s), "*/", "* /")
}

// ASCIIComment is Comment with every character beyond ASCII shown as
// \u{NNNN}: for scripts that must be plain ASCII (Windows PowerShell 5.1
// reads a script without a BOM in the ANSI code page).
func ASCIIComment(s string) string {
	var b strings.Builder
	for _, r := range Comment(s) {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\u{%04x}`, r)
		}
	}
	return b.String()
}
