package i18n

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		ui   string
		want Lang
	}{
		{"nothing set", nil, "", English},
		{"LANG ja", map[string]string{"LANG": "ja_JP.UTF-8"}, "", Japanese},
		{"LANG en", map[string]string{"LANG": "en_US.UTF-8"}, "ja-JP", English},
		{"LC_ALL beats LANG", map[string]string{"LC_ALL": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, "", Japanese},
		{"LC_MESSAGES beats LANG", map[string]string{"LC_MESSAGES": "C", "LANG": "ja_JP.UTF-8"}, "", English},
		{"C.UTF-8 is English", map[string]string{"LANG": "C.UTF-8"}, "ja-JP", English},
		{"Windows display language", nil, "ja-JP", Japanese},
		{"Windows English", nil, "en-GB", English},
		{"unspoken language falls back", nil, "fr-FR", English},
		{"garbage", map[string]string{"LANG": "!!"}, "", English},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Detect(func(k string) string { return tt.env[k] }, func() string { return tt.ui })
			if got != tt.want {
				t.Errorf("Detect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseLang(t *testing.T) {
	for _, s := range []string{"en", "ja", " JA "} {
		if _, err := ParseLang(s); err != nil {
			t.Errorf("ParseLang(%q): %v", s, err)
		}
	}
	if _, err := ParseLang("de"); err == nil || !strings.Contains(err.Error(), "en (English) or ja") {
		t.Errorf("ParseLang(de) = %v, want an error naming the choices", err)
	}
}

func TestPrinter(t *testing.T) {
	const key = "%d of %d endpoint names resolve."
	ja := New(Japanese)
	if got := ja.Sprintf(key, 3, 16); got == fmt.Sprintf(key, 3, 16) || !strings.Contains(got, "16") {
		t.Errorf("Japanese Sprintf = %q, want a translation with the numbers", got)
	}
	if got := New(English).Sprintf(key, 8080, 19045); got != "8080 of 19045 endpoint names resolve." {
		t.Errorf("English Sprintf = %q (numbers must not be grouped)", got)
	}
	var nilPrinter *Printer
	if got := nilPrinter.Text("connection reset by peer"); got != "connection reset by peer" {
		t.Errorf("nil printer Text = %q", got)
	}
	if got := ja.Text("read tcp: i/o timeout"); got != "read tcp: i/o timeout" {
		t.Errorf("Text of text outside the catalog = %q, want it unchanged", got)
	}
}

// messages finds every message in the module's code: the format of each
// Sprintf called on something other than the fmt package (a *Printer) or
// of a function marked "i18n:message-format", every string marked with
// Key, and every {{t "…"}} in a template. A Sprintf whose format is not a
// literal is reported in bad: the catalog could not be checked for it.
func messages(t *testing.T) (keys map[string][]string, bad []string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	keys = map[string][]string{}
	fset := token.NewFileSet()
	var files []*ast.File
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		files = append(files, file)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Functions whose doc says "i18n:message-format" take a message as
	// their first argument, like Sprintf (cli's usageErrorf).
	formatFuncs := map[string]bool{}
	for _, file := range files {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil && strings.Contains(fd.Doc.Text(), "i18n:message-format") {
				formatFuncs[fd.Name.Name] = true
			}
		}
	}
	for _, file := range files {
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && strings.Contains(lit.Value, "{{t ") {
				// An html/template whose t function is a Printer's Sprintf.
				pos := fset.Position(lit.Pos())
				for _, m := range templateCall.FindAllStringSubmatch(lit.Value, -1) {
					keys[m[1]] = append(keys[m[1]], fmt.Sprintf("%s:%d", strings.TrimPrefix(pos.Filename, root+"/"), pos.Line))
				}
				return true
			}
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			var name string
			switch fun := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fun.X.(*ast.Ident); ok && x.Name == "fmt" {
					return true
				}
				name = fun.Sel.Name
				if x, ok := fun.X.(*ast.Ident); ok && x.Name == "i18n" && name == "Key" {
					name = "Key"
				} else if name == "Key" {
					return true
				}
			case *ast.Ident:
				name = fun.Name
				if formatFuncs[name] {
					name = "Sprintf"
				}
				if name != "Sprintf" && (name != "Key" || file.Name.Name != "i18n") {
					return true
				}
			}
			if name != "Sprintf" && name != "Key" {
				return true
			}
			pos := fset.Position(call.Pos())
			where := fmt.Sprintf("%s:%d", strings.TrimPrefix(pos.Filename, root+"/"), pos.Line)
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				bad = append(bad, where)
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				bad = append(bad, where)
				return true
			}
			keys[s] = append(keys[s], where)
			return true
		})
	}
	return keys, bad
}

// TestCatalogComplete fails when a message has no Japanese translation, or
// when ja.json holds a translation nothing uses any more. It prints the
// missing keys as JSON, ready to translate into ja.json, and writes them
// to the file $QADOCTOR_I18N_MISSING names, if set.
func TestCatalogComplete(t *testing.T) {
	keys, bad := messages(t)
	for _, where := range bad {
		t.Errorf("%s: the message is not a string literal, so the catalog cannot be checked; use Key for stored messages and Text to show them", where)
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d messages in the code; the search is broken", len(keys))
	}
	ja, err := Catalog(Japanese)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for k := range keys {
		if strings.TrimSpace(ja[k]) == "" {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		out := map[string]string{}
		for _, k := range missing {
			out[k] = ""
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		if path := os.Getenv("QADOCTOR_I18N_MISSING"); path != "" {
			// For translators: the missing keys as a JSON object to fill in.
			os.WriteFile(path, b, 0o644)
		}
		t.Errorf("%d messages have no Japanese translation in ja.json (first at %s):\n%s", len(missing), keys[missing[0]][0], b)
	}
	var stale []string
	for k := range ja {
		if _, ok := keys[k]; !ok {
			stale = append(stale, k)
		}
	}
	slices.Sort(stale)
	for _, k := range stale {
		t.Errorf("ja.json translates %q, which no code uses any more: delete it", k)
	}
}

// templateCall is {{t "message" …}} in a template.
var templateCall = regexp.MustCompile(`\{\{t "((?:[^"\\]|\\.)*)"`)

var verb = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// verbs maps each argument number of a format to its verb letter.
func verbs(format string) (map[int]string, error) {
	out := map[int]string{}
	next := 1
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if m[4] == "%" {
			continue
		}
		if m[2] != "" {
			next, _ = strconv.Atoi(m[2])
		}
		if v, ok := out[next]; ok && v != m[4] {
			return nil, fmt.Errorf("argument %d is formatted as both %%%s and %%%s", next, v, m[4])
		}
		out[next] = m[4]
		next++
	}
	return out, nil
}

// TestCatalogFormats checks that each translation formats the same
// arguments with the same verbs as its English key (in any order), so no
// translated message prints %!d(string=…) or drops a value.
func TestCatalogFormats(t *testing.T) {
	ja, err := Catalog(Japanese)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range ja {
		want, err := verbs(k)
		if err != nil {
			t.Errorf("key %q: %v", k, err)
			continue
		}
		got, err := verbs(v)
		if err != nil {
			t.Errorf("translation of %q: %v", k, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("translation of %q formats %v, want %v:\n  %s", k, got, want, v)
		}
	}
}
