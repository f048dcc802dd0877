// Package pslint finds, in a PowerShell script qadoctor ships or writes,
// the mistakes that make Windows PowerShell 5.1 refuse it before it runs.
// No PowerShell runs on these machines, so the rules come from
// PowerShell's documented grammar (about_Quoting_Rules, about_Variables,
// about_Comment_Based_Help, about_Special_Characters):
//
//   - only ASCII: 5.1 reads a script without a BOM in the ANSI code page,
//     and Intune's signature check wants UTF-8 without a BOM, so ASCII is
//     the one encoding both read alike (a BOM is an error too);
//   - in a double-quoted string, $name: is a scope- or drive-qualified
//     variable ($env:Path): followed by anything but a name character it
//     is a parse error ("Variable reference is not valid"); ${name}: is not;
//   - strings and here-strings closed, (), {} and [] balanced outside
//     strings and comments.
//
// It is a linter, not a parser: it knows quotes, escapes (` in double
// quotes, ” in single), comments (# and <# #>) and here-strings, which is
// what those rules need.
package pslint

import (
	"fmt"
	"strings"
)

// Problem is one mistake, with its line.
type Problem struct {
	Line int
	Msg  string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s", p.Line, p.Msg) }

// Lint returns the problems of a script; none means 5.1 parses it as far
// as these rules see.
func Lint(src []byte) []Problem {
	var out []Problem
	add := func(line int, format string, args ...any) {
		out = append(out, Problem{line, fmt.Sprintf(format, args...)})
	}
	if strings.HasPrefix(string(src), "\uFEFF") {
		add(1, "starts with a byte-order mark; save it as ASCII (UTF-8 without BOM)")
	}
	line := 1
	for i, c := range src {
		if c == '\n' {
			line++
		}
		if c >= 0x80 {
			add(line, "byte 0x%02x at offset %d is not ASCII; Windows PowerShell 5.1 reads it in the ANSI code page", c, i)
			return out
		}
	}
	s := string(src)
	type open struct {
		c    byte
		line int
	}
	var stack []open
	closer := map[byte]byte{')': '(', '}': '{', ']': '['}
	line = 1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			line++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			i--
		case strings.HasPrefix(s[i:], "<#"):
			end := strings.Index(s[i+2:], "#>")
			if end < 0 {
				add(line, "a <# comment is never closed with #>")
				return out
			}
			line += strings.Count(s[i:i+2+end], "\n")
			i += 2 + end + 1
		case strings.HasPrefix(s[i:], "@\"\n") || strings.HasPrefix(s[i:], "@\"\r\n") || strings.HasPrefix(s[i:], "@'\n") || strings.HasPrefix(s[i:], "@'\r\n"):
			q := s[i+1]
			end := strings.Index(s[i+2:], "\n"+string(q)+"@")
			if end < 0 {
				add(line, "a here-string @%c is never closed with %c@ at the start of a line", q, q)
				return out
			}
			body := s[i+2 : i+2+end]
			if q == '"' {
				out = append(out, variables(body, line)...)
			}
			line += strings.Count(body, "\n") + 1
			i += 2 + end + 2
		case c == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				add(line, "a single-quoted string is never closed")
				return out
			}
			line += strings.Count(s[i:j], "\n")
			i = j
		case c == '"':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '`' {
					j++
					continue
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				add(line, "a double-quoted string is never closed")
				return out
			}
			out = append(out, variables(s[i+1:j], line)...)
			line += strings.Count(s[i:j], "\n")
			i = j
		case c == '`':
			i++ // an escaped character outside strings (a line continuation)
		case c == '(' || c == '{' || c == '[':
			stack = append(stack, open{c, line})
		case c == ')' || c == '}' || c == ']':
			if len(stack) == 0 || stack[len(stack)-1].c != closer[c] {
				add(line, "%q closes nothing open", c)
				return out
			}
			stack = stack[:len(stack)-1]
		}
	}
	for _, o := range stack {
		add(o.line, "%q is never closed", o.c)
	}
	return out
}

// variables checks the $name references of an expandable string's body.
func variables(body string, line int) []Problem {
	var out []Problem
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '\n':
			line++
		case '`':
			i++
		case '$':
			j := i + 1
			for j < len(body) && nameChar(body[j]) {
				j++
			}
			if j == i+1 || j >= len(body) || body[j] != ':' {
				continue
			}
			// $scope:name is a qualified variable; $name: followed by
			// anything else is the parse error.
			if j+1 < len(body) && nameChar(body[j+1]) {
				continue
			}
			out = append(out, Problem{line, fmt.Sprintf("%q in a double-quoted string reads as a drive- or scope-qualified variable and does not parse; write ${%s}:", body[i:j+1], body[i+1:j])})
		}
	}
	return out
}

func nameChar(c byte) bool {
	return c == '_' || c == '?' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
