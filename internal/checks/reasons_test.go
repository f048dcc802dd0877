package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// reasonLiterals finds the reason codes the judges write as literals: a
// Reason field or assignment, a variable named reason, the code given to
// note (policy.go), and the first result of a function named …Cause,
// which returns a reason with its text.
func reasonLiterals(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	found := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		add := func(e ast.Expr) {
			if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				if s, _ := strconv.Unquote(bl.Value); s != "" {
					found[s] = fset.Position(bl.Pos()).String()
				}
			}
		}
		ast.Inspect(af, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Reason" {
					add(x.Value)
				}
			case *ast.AssignStmt:
				for i, l := range x.Lhs {
					if i >= len(x.Rhs) {
						break
					}
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Reason" {
						add(x.Rhs[i])
					}
					if id, ok := l.(*ast.Ident); ok && id.Name == "reason" {
						add(x.Rhs[i])
					}
				}
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "note" && len(x.Args) > 1 {
					add(x.Args[1])
				}
			case *ast.FuncDecl:
				if strings.HasSuffix(x.Name.Name, "Cause") && x.Body != nil {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > 1 {
							add(r.Results[0])
						}
						return true
					})
				}
			}
			return true
		})
	}
	return found
}

// Every reason code a judge writes is in docs/reasons.md, and every code
// there is written somewhere (a literal, or a family such as
// interception-<vendor> that the judges compose).
func TestReasonsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/reasons.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9<>-]+)`(?: / `([a-z0-9-]+)`)?").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
		if m[2] != "" {
			documented[m[2]] = true
		}
	}
	for _, m := range regexp.MustCompile("`(tls-no-version[a-z-]*)`").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	literals := reasonLiterals(t)
	if len(literals) < 50 {
		t.Fatalf("found only %d reason literals; the scan is broken", len(literals))
	}
	for code, at := range literals {
		if !documented[code] && !strings.HasPrefix(code, "-") && !strings.HasSuffix(code, "-") {
			t.Errorf("%s: reason %q is not in docs/reasons.md", at, code)
		}
	}
	composed := map[string]bool{ // written by composition, not as literals
		"interception-<vendor>": true, "cert-<kind>": true, "os-stack-<error>": true, "os-stack-<error>-local": true,
		"tls-reset": true, "tls-closed": true, "tls-no-version": true, "tls-no-version-path": true, "tls-no-version-far-end": true,
		"os-stack-failed": true, "os-stack-timeout": true,
	}
	for code := range documented {
		if _, ok := literals[code]; !ok && !composed[code] {
			t.Errorf("docs/reasons.md documents %q, which no judge writes", code)
		}
	}
}
