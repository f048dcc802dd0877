package proxy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A PAC nested deeper than goja's parser can take without an unbounded
// stack is refused before it is parsed, naming the bound; every shape that
// makes goja recurse is caught, and real PACs (many else-ifs, long
// conditions, templates) pass.
func TestPACNesting(t *testing.T) {
	deep := 100000
	for name, src := range map[string]string{
		"brackets":       strings.Repeat("(", deep) + "1" + strings.Repeat(")", deep),
		"blocks":         strings.Repeat("{", deep) + strings.Repeat("}", deep),
		"negations":      strings.Repeat("!", deep) + "1",
		"assignments":    strings.Repeat("a=", deep) + "1",
		"conditionals":   strings.Repeat("a?b:", deep) + "1",
		"unary minus":    strings.Repeat("- ", deep) + "1",
		"exponents":      strings.Repeat("2**", deep) + "1",
		"news":           strings.Repeat("new ", deep) + "a",
		"arrows":         strings.Repeat("x=>", deep) + "1",
		"ifs":            strings.Repeat("if(1)", deep) + ";",
		"else-if chains": "if(a);" + strings.Repeat("else if(a);", deep/2),
		"templates":      strings.Repeat("`${", deep) + "1" + strings.Repeat("}`", deep),
	} {
		src := "function FindProxyForURL(u, h) { var a, b; " + src + "; return \"DIRECT\"; }"
		_, err := ParsePAC(name+".pac", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "levels deep") {
			t.Errorf("%s nested %d deep: %v; want it refused, naming the bound", name, deep, err)
		}
	}
	var real strings.Builder
	real.WriteString("function FindProxyForURL(url, host) {\n  host = host.toLowerCase();\n")
	for i := range 2000 { // a large real-world shape: one else-if per site
		real.WriteString("  else if (shExpMatch(host, \"*.site" + strings.Repeat("x", i%7) + ".example\") || isInNet(dnsResolve(host), \"10.0.0.0\", \"255.0.0.0\")) return \"PROXY p:8080\";\n")
	}
	real.WriteString("  return `DIRECT`;\n}\n")
	src := strings.Replace(real.String(), "  else if", "  if", 1)
	if _, err := ParsePAC("big.pac", []byte(src)); err != nil {
		t.Errorf("a real-world shape with 2,000 else-ifs: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pac"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if err := pacNesting(string(b)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// pacNesting never panics and, whatever the input, either passes it or
// names the bound (property: the estimate only grows with depth).
func FuzzPACNesting(f *testing.F) {
	for _, s := range []string{"function FindProxyForURL(u,h){return 'DIRECT'}", "((((", "}}}}", "`${`${1}`}`", "a=b=c", "else else"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := pacNesting(s); err != nil && !strings.Contains(err.Error(), "levels deep") {
			t.Fatalf("pacNesting(%q) = %v", s, err)
		}
		if pacNesting("("+s+")") == nil && pacNesting(strings.Repeat("(", MaxPACNesting)+s) == nil {
			t.Fatalf("pacNesting accepts %q inside %d brackets", s, MaxPACNesting)
		}
	})
}
