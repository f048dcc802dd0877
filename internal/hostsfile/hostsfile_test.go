package hostsfile

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []facts.HostsEntry
		lines int
	}{
		{"empty", "", nil, 0},
		{"comments and blanks", "# Copyright (c) Microsoft\n\n   # 127.0.0.1 x\n", nil, 3},
		{"entry with several names and a comment", "0.0.0.0 a.example b.example # blocked\n",
			[]facts.HostsEntry{{Line: 1, Address: "0.0.0.0", Names: []string{"a.example", "b.example"}}}, 1},
		{"tabs, CRLF and a BOM", "\ufeff127.0.0.1\tlocalhost\r\n::1\tlocalhost\r\n",
			[]facts.HostsEntry{{Line: 1, Address: "127.0.0.1", Names: []string{"localhost"}}, {Line: 2, Address: "::1", Names: []string{"localhost"}}}, 2},
		{"line numbers count skipped lines", "junk line\n\n10.1.2.3 x.example\n",
			[]facts.HostsEntry{{Line: 3, Address: "10.1.2.3", Names: []string{"x.example"}}}, 3},
		{"address without names is skipped", "1.2.3.4\n", nil, 1},
		{"bad address is skipped", "999.1.1.1 x.example\n", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lines, err := Parse(strings.NewReader(tt.input))
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.input, err)
			}
			if !reflect.DeepEqual(got, tt.want) || lines != tt.lines {
				t.Errorf("Parse(%q) = %+v, %d lines; want %+v, %d lines", tt.input, got, lines, tt.want, tt.lines)
			}
		})
	}
}

// TestParseLongLines: Windows reads a hosts file whatever the length of
// its lines, so one long line (a 70 KiB comment, a block list on one line)
// must not hide the entries after it. Only the whole file is bounded.
func TestParseLongLines(t *testing.T) {
	const block = "0.0.0.0 remoteassistance.support.services.microsoft.com"
	blockEntry := facts.HostsEntry{Address: "0.0.0.0", Names: []string{"remoteassistance.support.services.microsoft.com"}}
	at := func(line int, e facts.HostsEntry) facts.HostsEntry { e.Line = line; return e }
	manyNames := make([]string, 8000) // 8000 names of 10 bytes: an 80 KiB line
	for i := range manyNames {
		manyNames[i] = fmt.Sprintf("h%04d.test", i)
	}
	tests := []struct {
		name  string
		input string
		want  []facts.HostsEntry
		lines int
	}{
		{"70 KiB comment line, then a block", "# " + strings.Repeat("x", 70<<10) + "\n" + block + "\n",
			[]facts.HostsEntry{at(2, blockEntry)}, 2},
		{"70 KiB comment after an entry, CRLF", "127.0.0.1 localhost # " + strings.Repeat("y", 70<<10) + "\r\n" + block + "\r\n",
			[]facts.HostsEntry{{Line: 1, Address: "127.0.0.1", Names: []string{"localhost"}}, at(2, blockEntry)}, 2},
		{"70 KiB of junk that is no entry", strings.Repeat("z", 70<<10) + "\n" + block,
			[]facts.HostsEntry{at(2, blockEntry)}, 2},
		{"a 1 MiB comment without a final newline", block + "\n#" + strings.Repeat("c", 1<<20),
			[]facts.HostsEntry{at(1, blockEntry)}, 2},
		{"one entry with 80 KiB of names", "0.0.0.0 " + strings.Join(manyNames, " ") + "\n" + block + "\n",
			[]facts.HostsEntry{{Line: 1, Address: "0.0.0.0", Names: manyNames}, at(2, blockEntry)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lines, err := Parse(strings.NewReader(tt.input))
			if err != nil {
				t.Fatalf("Parse: %v; want no error", err)
			}
			if !reflect.DeepEqual(got, tt.want) || lines != tt.lines {
				t.Errorf("Parse = %d entries (first %.200v), %d lines; want %d entries, %d lines", len(got), got, lines, len(tt.want), tt.lines)
			}
		})
	}
}

// TestParseTooLarge: the whole file stays bounded by MaxSize, whether the
// bytes come as one line or many.
func TestParseTooLarge(t *testing.T) {
	for name, input := range map[string]string{
		"one line":   "# " + strings.Repeat("x", MaxSize),
		"many lines": strings.Repeat("# comment line\n", MaxSize/15+1),
	} {
		_, _, err := Parse(strings.NewReader(input))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: Parse of %d bytes: err = %v; want ErrTooLarge", name, len(input), err)
		}
	}
}

// FuzzParse: no panic; every entry has a valid line number and a name.
func FuzzParse(f *testing.F) {
	f.Add("127.0.0.1 localhost\n0.0.0.0 remoteassistance.support.services.microsoft.com # block\n")
	f.Add("\ufeff::1 localhost\r\n#x\n\n")
	f.Add("#" + strings.Repeat("#", 70<<10) + "\n1.2.3.4 a # b\n")
	f.Fuzz(func(t *testing.T, s string) {
		entries, lines, _ := Parse(strings.NewReader(s))
		prev := 0
		for _, e := range entries {
			if e.Line <= prev || e.Line > lines || len(e.Names) == 0 {
				t.Fatalf("bad entry %+v (previous line %d, %d lines)", e, prev, lines)
			}
			prev = e.Line
		}
	})
}

// Windows separates a hosts line's fields with spaces and tabs: a no-break
// space, an ideographic space or a line separator inside a line joins the
// address and the name into one field, which blocks nothing.
func TestParseSeparatorsAreASCII(t *testing.T) {
	for _, sep := range []string{"\u00a0", "\u3000", "\u2028"} {
		entries, _, err := Parse(strings.NewReader("0.0.0.0" + sep + "remoteassistance.support.services.microsoft.com\n"))
		if err != nil || len(entries) != 0 {
			t.Errorf("separator %U: %v, %v; want no entry (Windows reads no block here)", []rune(sep)[0], entries, err)
		}
	}
	entries, _, _ := Parse(strings.NewReader("0.0.0.0 \t a.example\tb.example\n"))
	if len(entries) != 1 || len(entries[0].Names) != 2 {
		t.Errorf("spaces and tabs: %v; want one entry with two names", entries)
	}
}
