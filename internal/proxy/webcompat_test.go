package proxy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// webForm is a PAC written with one of the web-compatibility forms of
// ECMAScript's Annex B (or a neighbour of one that must stay refused), and
// what the browsers make of it.
type webForm struct {
	name, src string
	// want is Chromium's answer for https://a.test/, as
	// TestPACWebCompatAgreesWithChromium reads it from Chromium's NetLog;
	// "" when Chromium reports a JavaScript error instead.
	want string
	// pacparser is pacparser's answer where SpiderMonkey 1.7 (2007, before
	// ES5) answers otherwise, with why; "error" for a script it refuses.
	// Empty: pacparser answers want.
	pacparser string
}

// Each form answers a PROXY only the browsers' reading of it gives (a
// DIRECT would look like Chromium's fallback from a broken script).
var webForms = []webForm{
	// B.3.2: a labelled function declaration, as a public administration's
	// PAC has it ("WPAD:" on the line before the function).
	{name: "label WPAD", src: "WPAD:\nfunction FindProxyForURL(url, host) {\n  return \"PROXY label:1\";\n}\n", want: "PROXY label:1"},
	{name: "two labels", src: `a: b: function FindProxyForURL(url, host) { return "PROXY two-labels:1"; }`, want: "PROXY two-labels:1"},
	{name: "label, comments, colon", src: "WPAD /* c */ : // x\nfunction FindProxyForURL(url, host) { return \"PROXY label-comment:1\"; }", want: "PROXY label-comment:1"},
	{name: "label text in a string and a regex", src: "var s = \"WPAD: function FindProxyForURL(u, h) { return 'PROXY string:1'; }\", r = /WPAD: function/;\nWPAD:\n" +
		`function FindProxyForURL(url, host) { return s.charAt(5) == " " && r.test("WPAD: function") ? "PROXY label-quoted:1" : "PROXY bad:1"; }`, want: "PROXY label-quoted:1"},
	{name: "label inside a function", src: `function FindProxyForURL(url, host) { X: function g() { return "PROXY label-inner:1"; } return g(); }`, want: "PROXY label-inner:1"},
	{name: "label in a block", src: "{ L: function F() { return \"PROXY label-block:1\"; } }\nfunction FindProxyForURL(url, host) { return F(); }", want: "PROXY label-block:1"},
	{name: "label beside a loop label", src: `L: function FindProxyForURL(url, host) { M: for (var i = 0; i < 2; i++) { continue M; } return "PROXY label-loop:" + i; }`, want: "PROXY label-loop:2"},
	{name: "label as the body of an if", src: `if (true) L: function FindProxyForURL(url, host) { return "PROXY label-if:1"; }`, pacparser: "PROXY label-if:1 (no such early error in SpiderMonkey 1.7)"},
	{name: "label in strict code", src: "\"use strict\";\nWPAD: function FindProxyForURL(url, host) { return \"PROXY label-strict:1\"; }", pacparser: "PROXY label-strict:1 (no strict mode in SpiderMonkey 1.7)"},
	{name: "labelled generator", src: `L: function* FindProxyForURL(url, host) { return "PROXY label-gen:1"; }`, pacparser: "error"},

	// B.1.1: HTML-like comments.
	{name: "<!-- on the first line", src: "<!-- hide from old browsers\nfunction FindProxyForURL(url, host) { return \"PROXY html-open:1\"; }\n// -->", want: "PROXY html-open:1"},
	{name: "--> on the last line", src: "function FindProxyForURL(url, host) { return \"PROXY html-close:1\"; }\n  --> the end", want: "PROXY html-close:1"},
	{name: "--> after block comments", src: "/* a\n b */ --> c\n/* d */ --> e\nfunction FindProxyForURL(url, host) { return \"PROXY html-close-comment:1\"; }", want: "PROXY html-close-comment:1"},
	{name: "<!-- mid-line", src: "function FindProxyForURL(url, host) { var x = 1, y = 2; x <!-- y;\n return \"PROXY html-mid-\" + x + \"-\" + y + \":1\"; }", want: "PROXY html-mid-1-2:1"},
	{name: "x-->0 mid-line is a decrement", src: `function FindProxyForURL(url, host) { var x = 3; var y = x-->0; return "PROXY dec-" + x + "-" + y + ":1"; }`, want: "PROXY dec-2-true:1"},
	{name: "<!-- and --> quoted", src: "var a = \"<!--\", b = '-->', c = /<!--/, d = 6 /2/ 3 <!-- x\n;\n" +
		`function FindProxyForURL(url, host) { return a + b + c.source == "<!---->" + "<!--" && d == 1 ? "PROXY html-quoted:1" : "PROXY bad:1"; }`, want: "PROXY html-quoted:1"},
	{name: "<!-- and --> in a template", src: "var d = `\n--> ${\"<!--\"}`;\n" +
		`function FindProxyForURL(url, host) { return d == "\n--> <!--" ? "PROXY html-template:1" : "PROXY bad:1"; }`, want: "PROXY html-template:1", pacparser: "error (no template literals in SpiderMonkey 1.7)"},

	// B.3.3 and B.3.4: functions declared in blocks, switch cases and if
	// clauses are also vars of the enclosing function or script.
	{name: "FindProxyForURL in a block", src: `{ function FindProxyForURL(url, host) { return "PROXY block:1"; } }`, want: "PROXY block:1"},
	{name: "FindProxyForURL in an if block", src: `if (typeof FindProxyForURL == "undefined") { function FindProxyForURL(url, host) { return "PROXY if-block:1"; } }`, want: "PROXY if-block:1"},
	{name: "FindProxyForURL in a switch case", src: `switch (1) { case 1: function FindProxyForURL(url, host) { return "PROXY case:1"; } }`, want: "PROXY case:1"},
	{name: "helper in a block of the function", src: `function FindProxyForURL(url, host) { if (host) { function pick() { return "PROXY inner:1"; } } return pick(); }`, want: "PROXY inner:1"},
	{name: "var undefined before its block runs", src: "var t = typeof F; { function F() {} }\nfunction FindProxyForURL(url, host) { return \"PROXY before-\" + t + \"-\" + typeof F + \":1\"; }", want: "PROXY before-undefined-function:1"},
	{name: "block that does not run", src: "if (false) { function F() {} }\nfunction FindProxyForURL(url, host) { return \"PROXY \" + typeof F + \":1\"; }", want: "PROXY undefined:1"},
	{name: "nested blocks", src: "{ function F() { return 1; } { function F() { return 2; } } }\nfunction FindProxyForURL(url, host) { return \"PROXY f\" + F() + \":1\"; }", want: "PROXY f2:1"},
	{name: "a parameter of the name", src: "function g(F) { { function F() {} } return typeof F; }\nfunction FindProxyForURL(url, host) { return \"PROXY \" + g(1) + \":1\"; }", want: "PROXY number:1"},
	{name: "a let of the name", src: "let F = 1; { function F() {} }\nfunction FindProxyForURL(url, host) { return \"PROXY let-\" + typeof F + \":1\"; }", want: "PROXY let-number:1", pacparser: "error (no let in SpiderMonkey 1.7)"},
	{name: "function as an if clause", src: `if (true) function FindProxyForURL(url, host) { return "PROXY if-func:1"; }`, want: "PROXY if-func:1"},
	{name: "function as a false if clause", src: "if (false) function F() {}\nfunction FindProxyForURL(url, host) { return \"PROXY if-\" + typeof F + \":1\"; }", want: "PROXY if-undefined:1"},

	// B.1.1: legacy octal literals and escapes, leading-zero decimals.
	{name: "legacy octals", src: `function FindProxyForURL(url, host) { return 010 === 8 && "\101" === "A" && "\8" === "8" ? "PROXY octal:1" : "PROXY bad:1"; }`, want: "PROXY octal:1"},
	{name: "leading-zero decimals", src: `function FindProxyForURL(url, host) { return 09 === 9 && 08.5 === 8.5 && 0019 === 19 && 0.09 === .09 ? "PROXY zero-decimal:1" : "PROXY bad:1"; }`, want: "PROXY zero-decimal:1"},
	{name: "leading-zero decimal in strict code", src: "\"use strict\";\nfunction FindProxyForURL(url, host) { return 09 === 9 ? \"PROXY zero-strict:1\" : \"PROXY bad:1\"; }", pacparser: "PROXY zero-strict:1 (no strict mode in SpiderMonkey 1.7)"},

	// B.2: the web-compatibility built-ins.
	{name: "__proto__", src: `function FindProxyForURL(url, host) { var o = {}; o.__proto__ = {x: "PROXY proto:1"}; return o.x; }`, want: "PROXY proto:1"},
	{name: "escape and unescape", src: `function FindProxyForURL(url, host) { return escape("a b%") == "a%20b%25" && unescape("%u0041%41") == "AA" ? "PROXY escape:1" : "PROXY bad:1"; }`, want: "PROXY escape:1"},
	{name: "substr", src: `function FindProxyForURL(url, host) { return "xPROXY substr:1".substr(1); }`, want: "PROXY substr:1"},
	{name: "getYear, setYear, toGMTString", src: `function FindProxyForURL(url, host) { var d = new Date(2026, 0, 15); d.setYear(99);
  return d.getYear() == 99 && d.getFullYear() == 1999 && d.toGMTString() == d.toUTCString() ? "PROXY year:1" : "PROXY bad:1"; }`, want: "PROXY year:1"},
	{name: "String HTML methods", src: `function FindProxyForURL(url, host) { return "x".bold() == "<b>x</b>" && "x".anchor("a") == '<a name="a">x</a>' && "x".fontsize(7) == '<font size="7">x</font>' ? "PROXY html-methods:1" : "PROXY bad:1"; }`, want: "PROXY html-methods:1"},
	{name: "String HTML methods quote", src: `function FindProxyForURL(url, host) { return "x".link('a"b') == '<a href="a&quot;b">x</a>' ? "PROXY html-quote:1" : "PROXY bad:1"; }`, want: "PROXY html-quote:1",
		pacparser: "PROXY bad:1 (SpiderMonkey 1.7 leaves the quote raw; ES2015 writes &quot;)"},
	{name: "__defineGetter__ and __lookupGetter__", src: `function FindProxyForURL(url, host) { var o = {}; o.__defineGetter__("x", function () { return "PROXY getter:1"; });
  return typeof o.__lookupGetter__("x") == "function" ? o.x : "PROXY bad:1"; }`, want: "PROXY getter:1"},
	{name: "RegExp.$1", src: `function FindProxyForURL(url, host) { /^(\d+)\.(\d+)/.test("10.20.30.40"); var a = RegExp.$1, b = RegExp.$2;
  "proxy-" .match(/(proxy)-/); return "PROXY " + RegExp.$1 + "-" + a + "-" + b + ":1"; }`, want: "PROXY proxy-10-20:1"},
	{name: "trimLeft", src: `function FindProxyForURL(url, host) { return "  PROXY trim:1".trimLeft(); }`, want: "PROXY trim:1", pacparser: "error (no trimLeft in SpiderMonkey 1.7)"},

	// B.1.2: the regular expressions' legacy syntax.
	{name: "regexp legacy syntax", src: `function FindProxyForURL(url, host) { return /\w{/.test("a{") && /]/.test("]") && /{/.test("{") && /[\b]/.test("\b") && /\z/.test("z") && /\_/.test("_") &&
  /\c/.test("\\c") && /[\d-z]/.test("-") && /\1(a)/.test("a") && /\101/.test("A") ? "PROXY regexp:1" : "PROXY bad:1"; }`, want: "PROXY regexp:1"},
	{name: `regexp \8`, src: `function FindProxyForURL(url, host) { return /\8/.test("8") ? "PROXY regexp-8:1" : "PROXY bad:1"; }`, want: "PROXY regexp-8:1", pacparser: "PROXY bad:1 (SpiderMonkey 1.7 reads \\8 as a back reference)"},
	{name: "regexp x{2,1", src: `function FindProxyForURL(url, host) { return /x{2,1/.test("x{2,1") ? "PROXY regexp-brace:1" : "PROXY bad:1"; }`, want: "PROXY regexp-brace:1", pacparser: "error (SpiderMonkey 1.7 refuses the pattern)"},
}

// realWorldLabelForm is testdata/wpad-label.pac, shaped like a public
// administration's PAC: "WPAD:" on the line before the function.
func realWorldLabelForm(t testing.TB) webForm {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "wpad-label.pac"))
	if err != nil {
		t.Fatal(err)
	}
	return webForm{name: "wpad-label.pac", src: string(src), want: "PROXY proxy.verwaltung.example:8080; DIRECT"}
}

// evalForm evaluates a PAC as qadoctor does: the answer, or "" and the
// error.
func evalForm(t testing.TB, name, src string) (string, error) {
	t.Helper()
	pac, err := ParsePAC(name, []byte(src))
	if err != nil {
		return "", err
	}
	return pac.FindProxy(context.Background(), "https://a.test/", "a.test", func(string) string { return "" })
}

// qadoctor runs what the browsers run, Annex B's forms included, and
// refuses what they refuse: every form answers Chromium's answer.
func TestPACWebCompat(t *testing.T) {
	for _, f := range append([]webForm{realWorldLabelForm(t)}, webForms...) {
		t.Run(f.name, func(t *testing.T) {
			got, err := evalForm(t, "form.pac", f.src)
			switch {
			case f.want == "" && err == nil:
				t.Errorf("answer %q; want an error, as Chromium reports one\n%s", got, f.src)
			case f.want != "" && (err != nil || got != f.want):
				t.Errorf("answer %q, %v; want %q, as Chromium answers\n%s", got, err, f.want, f.src)
			}
		})
	}
}

// The rewrite keeps every line where it was: an error after a rewritten
// line names the line the file has it on.
func TestWebCompatKeepsLines(t *testing.T) {
	src := "<!-- hide\nWPAD:\nfunction FindProxyForURL(url, host) {\n  { function pick() { return 09; } }\n  return pick() +;\n}\n--> end\n"
	_, err := ParsePAC("lines.pac", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "lines.pac: Line 5:") {
		t.Errorf("ParsePAC = %v; want a syntax error on line 5", err)
	}
	if got := webCompat(src); strings.Count(got, "\n") != strings.Count(src, "\n") {
		t.Errorf("webCompat changed the number of lines:\n%s", got)
	}
	// Nothing to rewrite: the text stays as it is, byte for byte.
	plain, err := os.ReadFile(filepath.Join("testdata", "zscaler-style.pac"))
	if err != nil {
		t.Fatal(err)
	}
	if got := webCompat(string(plain)); got != string(plain) {
		t.Errorf("webCompat rewrote a script that needs nothing:\n%s", got)
	}
}

// FuzzWebCompat: whatever the text, the rewrite keeps its lines (as many
// line terminators, each on the line it was) and does not panic.
func FuzzWebCompat(f *testing.F) {
	for _, form := range webForms {
		f.Add(form.src)
	}
	f.Add("a = b / c <!-- d\n/re/g --> e")
	f.Add("`${`${'<!--'}`}` + /[/]<!--/ --> x\u2028--> y")
	f.Fuzz(func(t *testing.T, src string) {
		got := webCompat(src)
		lines := func(s string) []int {
			var at []int
			for i, r := range s {
				if isLineTerminator(r) {
					at = append(at, i)
				}
			}
			return at
		}
		if a, b := lines(src), lines(got); len(a) != len(b) {
			t.Fatalf("webCompat(%q) = %q: %d line terminators, had %d", src, got, len(b), len(a))
		}
	})
}
