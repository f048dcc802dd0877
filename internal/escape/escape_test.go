package escape

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

func TestTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CN=Zscaler Root CA", "CN=Zscaler Root CA"},
		{"日本語のテキスト", "日本語のテキスト"},
		{"\x1b]0;pwned\x07red", `\x1b]0;pwned\x07red`},
		{"a\nb\tc\r", `a\x0ab\x09c\x0d`},
		{"evil\u202egnp.exe", `evil\u{202e}gnp.exe`},
		{"c1 \u009b31m", `c1 \u{009b}31m`},
		{"bad \xff utf-8", "bad \uFFFD utf-8"},
		{"del\x7f", `del\x7f`},
	}
	for _, tt := range tests {
		if got := Terminal(tt.in); got != tt.want {
			t.Errorf("Terminal(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words, 1.2", "plain words, 1.2"},
		{"| cell | break", `\| cell \| break`},
		{"![img](http://x/y.png)", `!\[img\](http://x/y.png)`},
		{"[link](javascript:alert(1))", `\[link\](javascript:alert(1))`},
		{"<script>", `\<script>`},
		{"> quoted", `\> quoted`},
		{"line\nbreak", "line break"},
		{"- looks like a list", `\- looks like a list`},
		{"# heading", `\# heading`},
		{"a & b &lt;", "a &amp; b &amp;lt;"},
		{"`code` *em* _em_ ~strike~", "\\`code\\` \\*em\\* \\_em\\_ \\~strike\\~"},
	}
	for _, tt := range tests {
		if got := Markdown(tt.in); got != tt.want {
			t.Errorf("Markdown(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for _, in := range []string{"=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"} {
		if got := CSVCell(in); !strings.HasPrefix(got, "'") {
			t.Errorf("CSVCell(%q) = %q; want it neutralised with a leading apostrophe", in, got)
		}
	}
	for _, in := range []string{"os.schannel", "fail", "12", ""} {
		if got := CSVCell(in); got != in {
			t.Errorf("CSVCell(%q) = %q; want it unchanged", in, got)
		}
	}
}

// Whatever the text, the terminal form has no control character and the
// Markdown form no line break or unescaped pipe, so a table row stays one
// row of its columns; a CSV cell never starts a formula.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"CN=x", "\x1b[31mred", "a|b\nc", "=cmd|' /C calc'!A0", "\u202e", "日本", "v1\u2028return \"PROXY evil\";\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term := Terminal(s)
		for _, r := range term {
			if unicode.IsControl(r) || bidi(r) {
				t.Fatalf("Terminal(%q) = %q holds %U", s, term, r)
			}
		}
		// A page keeps its layout (tab, line feed, carriage return) and
		// nothing else that acts or reorders, and plain text stays as is.
		page := Page(s)
		for _, r := range page {
			if (unicode.IsControl(r) || bidi(r)) && r != '\t' && r != '\n' && r != '\r' {
				t.Fatalf("Page(%q) = %q holds %U", s, page, r)
			}
		}
		if isPlain(s) && page != s {
			t.Fatalf("Page(%q) = %q changed plain text", s, page)
		}
		md := Markdown(s)
		if strings.ContainsAny(md, "\r\n\u2028\u2029") {
			t.Fatalf("Markdown(%q) = %q holds a line break", s, md)
		}
		// Every pipe follows an odd run of backslashes: escaped, whatever
		// came before it.
		for i := 0; i < len(md); i++ {
			if md[i] != '|' {
				continue
			}
			n := 0
			for j := i - 1; j >= 0 && md[j] == '\\'; j-- {
				n++
			}
			if n%2 == 0 {
				t.Fatalf("Markdown(%q) = %q has an unescaped pipe at %d", s, md, i)
			}
		}
		var b strings.Builder
		w := csv.NewWriter(&b)
		w.Write([]string{CSVCell(s)})
		w.Flush()
		rec, err := csv.NewReader(strings.NewReader(b.String())).Read()
		if err == nil && len(rec) == 1 && rec[0] != "" && strings.ContainsRune("=+-@\t\r", rune(rec[0][0])) {
			t.Fatalf("CSV cell %q starts a formula", rec[0])
		}
		// JavaScript ends a // comment at U+2028 and U+2029 too.
		if c := Comment(s); strings.ContainsAny(c, "\r\n\u2028\u2029") || strings.Contains(c, "*/") {
			t.Fatalf("Comment(%q) = %q can end the comment", s, c)
		}
	})
}

// A CSV cell and JSON shown to a person carry no control character,
// bidirectional override or line terminator, and the JSON stays the same
// value.
func TestCSVCellAndJSONAreInert(t *testing.T) {
	evil := "p\x1b]0;pwn\x07\u202e\u2028\u200b"
	if c := CSVCell(evil); strings.ContainsAny(c, "\x1b\x07\u202e\u2028\u200b") {
		t.Errorf("CSVCell(%q) = %q", evil, c)
	}
	if c := CSVCell("=cmd"); c != "'=cmd" {
		t.Errorf("CSVCell(=cmd) = %q; want the apostrophe", c)
	}
	b, _ := json.Marshal(map[string]string{"purpose": evil})
	out := JSON(b)
	if strings.ContainsAny(string(out), "\x1b\x07\u202e\u2028\u200b") {
		t.Errorf("JSON(%s) = %s", b, out)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["purpose"] != evil {
		t.Errorf("JSON(%s) = %s reads back as %q, %v; want the same value", b, out, back["purpose"], err)
	}
}
