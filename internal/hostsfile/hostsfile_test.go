package hostsfile

import (
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

func TestParseRefusesHugeLines(t *testing.T) {
	_, _, err := Parse(strings.NewReader("1.1.1.1 a\n" + strings.Repeat("x", maxLine+1)))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("Parse of a %d-byte line: err = %v; want one naming line 2", maxLine+1, err)
	}
}

// FuzzParse: no panic; every entry has a valid line number and a name.
func FuzzParse(f *testing.F) {
	f.Add("127.0.0.1 localhost\n0.0.0.0 remoteassistance.support.services.microsoft.com # block\n")
	f.Add("\ufeff::1 localhost\r\n#x\n\n")
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
