package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
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

// Every reason code a judge writes has a row in the reason table, and
// every row is written somewhere (a literal, or a family such as
// interception-<vendor> that the judges compose).
func TestReasonsDocumented(t *testing.T) {
	documented := map[string]bool{}
	for _, r := range Reasons() {
		for _, c := range append([]string{r.Code}, r.Also...) {
			if documented[c] {
				t.Errorf("reason %q has two rows", c)
			}
			documented[c] = true
		}
	}
	literals := reasonLiterals(t)
	if len(literals) < 50 {
		t.Fatalf("found only %d reason literals; the scan is broken", len(literals))
	}
	for code, at := range literals {
		if !documented[code] && !strings.HasPrefix(code, "-") && !strings.HasSuffix(code, "-") {
			t.Errorf("%s: reason %q has no row in the reason table (reasons.go)", at, code)
		}
	}
	composed := map[string]bool{ // written by composition, not as literals
		"interception-<vendor>": true, "cert-<kind>": true, "os-stack-<error>": true, "browser-<error>": true, "os-stack-<error>-local": true,
		"tls-reset": true, "tls-closed": true, "tls-no-version": true, "tls-no-version-path": true, "tls-no-version-far-end": true,
		"os-stack-failed": true, "os-stack-timeout": true,
		// app.last-session's record families (lastsession.go) carry theirs.
		"last-session-schannel": true, "last-session-app-crash": true, "last-session-package": true, "last-session-remote-assistance": true,
		"windows-logged-schannel": true, "windows-logged-app-crash": true, "windows-logged-package": true, "windows-logged-remote-assistance": true,
		"last-session-webview2-crash": true, "windows-logged-webview2-crash": true,
	}
	for code := range documented {
		if _, ok := literals[code]; !ok && !composed[code] {
			t.Errorf("the reason table has %q, which no judge writes", code)
		}
	}
}

// docs/reasons.md is the table, as tools/reasonsdoc writes it. Run
// go run ./tools/reasonsdoc > docs/reasons.md after changing the table.
func TestReasonsDocUpToDate(t *testing.T) {
	doc, err := os.ReadFile("../../docs/reasons.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != string(WriteReasonsDoc()) {
		t.Error("docs/reasons.md differs from the reason table: run go run ./tools/reasonsdoc > docs/reasons.md")
	}
}

// Every row says a leg and a step a person can be told, with a source;
// families resolve to their row, the longest pattern first.
func TestReasonTable(t *testing.T) {
	for _, r := range Reasons() {
		if r.Meaning == "" || r.Source == "" || r.Group.Title == "" {
			t.Errorf("%s: meaning %q, source %q, group %q; want all three", r.Code, r.Meaning, r.Source, r.Group.Title)
		}
		if r.Leg != perEndpoint && (!slices.Contains(leg.Legs, r.Leg) || !r.Step.Valid()) {
			t.Errorf("%s: leg %q, step %q; want a leg of leg.Legs and a step of leg.Steps or none", r.Code, r.Leg, r.Step)
		}
		if r.Step != "" && !r.Step.Valid() {
			t.Errorf("%s: step %q is not a step", r.Code, r.Step)
		}
	}
	for code, want := range map[string]string{
		"interception-zscaler":          "interception-<vendor>",
		"cert-expired":                  "cert-<kind>",
		"os-stack-secure-failure":       "os-stack-<error>",
		"os-stack-secure-failure-local": "os-stack-<error>-local",
		"tls-closed":                    "tls-reset",
		"schannel-tls12-off":            "schannel-tls12-off",
	} {
		if r, ok := LookupReason(code); !ok || r.Code != want {
			t.Errorf("LookupReason(%q) = %q, %v; want %q", code, r.Code, ok, want)
		}
	}
	for _, code := range []string{"", "interception-", "nonsense", "os-stack--local"} {
		if r, ok := LookupReason(code); ok && code != "os-stack--local" {
			t.Errorf("LookupReason(%q) = %q; want none", code, r.Code)
		}
	}
}

// A finding's leg comes from the endpoints that failed, never from one
// that passed: WinHTTP failing to the service (its evidence a URL) beside a
// relay that passed is not the screen leg.
func TestLegNeverFromAPassingEndpoint(t *testing.T) {
	relay := ep("rdprelay.example", true, func(e *facts.EndpointFacts) {
		e.Endpoint.Role, e.Endpoint.Step = profile.RoleRDPRelay, leg.Sharing
	})
	f := &facts.Facts{Endpoints: []facts.EndpointFacts{relay}}
	c := Check{ID: "tls.os-stack"}
	fd := finding.Finding{Status: finding.Fail, Reason: "os-stack-secure-failure-local", Evidence: []finding.Evidence{
		{Subject: "https://service.example/", Status: finding.Fail},
		{Subject: subject(relay), Status: finding.Pass},
	}}
	if l, s := legAndStep(f, c, fd); l == leg.Screen || s == leg.Sharing {
		t.Errorf("legAndStep = %s/%s; want neither the passing relay's screen nor sharing", l, s)
	}
	fd.Evidence[1].Status = finding.Fail
	if l, s := legAndStep(f, c, fd); l != leg.Screen || s != leg.Sharing {
		t.Errorf("legAndStep with the relay failing = %s/%s; want screen/sharing", l, s)
	}
}
