package proxy

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
)

// webCompat rewrites the web-compatibility syntax of ECMAScript's Annex B
// that browsers run (V8 in Chromium and WebView2, SpiderMonkey in
// pacparser) and goja refuses or reads otherwise, into plain ECMAScript
// that means the same, before the script is compiled. Every line stays on
// its line (errors still name the right one); a rewritten line's columns
// may move.
//
//   - HTML-like comments (B.1.1): "<!--" anywhere in code, and "-->" first on
//     a line, start a comment to the end of the line. They become "//".
//   - Decimal literals with a leading zero and an 8 or 9 ("09", B.1.1 and
//     NonOctalDecimalIntegerLiteral): the zeros become spaces.
//   - Labelled function declarations (B.3.2), such as the "WPAD:" a
//     public administration's PAC starts with: the label is blanked out (no
//     break or continue can name a label on a function).
//   - Block-level functions (B.3.3): a function declared in a block or a
//     switch case is also a var of the enclosing function (or a global),
//     set when the declaration is reached.
//
// What strict mode forbids (a labelled function, a leading-zero decimal),
// a labelled function as the body of an if or a loop, and labelled
// generators and async functions are left alone: V8 refuses them too, so
// the compile error stays. Anything goja's parser refuses after the first
// two rewrites is left to the compiler to report.
func webCompat(src string) string {
	lexed, numbers := scanLegacy(src)
	prog, err := goja.Parse("", lexed)
	if err != nil {
		return lexed
	}
	w := &annexB{src: lexed, base: prog.File.Base()}
	w.program(prog)
	b := []byte(lexed)
	for _, at := range numbers {
		if w.inStrict(at) {
			copy(b[at:], src[at:at+1]) // a leading-zero decimal is a SyntaxError in strict code, as in V8
		}
	}
	// The edits never overlap: blanks cover labels, insertions sit after a
	// function's "}" or a body's "{".
	slices.SortStableFunc(w.edits, func(a, b edit) int { return a.at - b.at })
	var out strings.Builder
	out.Grow(len(b))
	at := 0
	for _, e := range w.edits {
		out.Write(b[at:e.at])
		out.WriteString(e.text)
		at = e.at + e.del
	}
	out.Write(b[at:])
	return out.String()
}

// edit replaces del bytes at at with text.
type edit struct {
	at, del int
	text    string
}

// scanLegacy blanks the HTML-like comments and the leading zeros of
// legacy decimals, as a JavaScript tokenizer sees them: never in a string,
// a template, a regular expression or a comment. It returns the offsets of
// the zeros it blanked (each one byte), which strict code must keep.
func scanLegacy(src string) (string, []int) {
	s := &jsScanner{src: src, out: []byte(src), lineStart: true}
	s.run()
	return string(s.out), s.zeros
}

// jsScanner is a JavaScript tokenizer that knows only as much as telling
// code from strings, templates, regular expressions and comments needs.
// Whether a "/" starts a regular expression or divides is decided from the
// token before it, the way Esprima and sweet.js decide it.
type jsScanner struct {
	src   string
	out   []byte
	i     int
	zeros []int
	// lineStart: since the last line terminator (or the start) only white
	// space and comments: a "-->" here is a comment.
	lineStart bool
	prev      tokKind
	prevText  string
	parens    []bool    // per open "(": it follows if, while, for or with
	braces    []braceOf // per open "{" or "${"
	lastParen bool      // the last ")" closed a "(" after if, while, for or with
	prevBrace braceOf   // what the last "}" closed
	// onToken, when set, sees every token of code (not of strings,
	// templates, regular expressions or comments) as it is read.
	onToken func(k tokKind, text string)
}

type tokKind int

const (
	tokNone tokKind = iota
	tokIdent
	tokLiteral // a number, string, template or regular expression
	tokPunct
)

type braceOf int

const (
	braceBlock braceOf = iota
	braceObject
	braceTemplate // the "${" of a template: its "}" resumes the template
)

// regexKeywords are the keywords after which a "/" starts a regular
// expression.
var regexKeywords = map[string]bool{"return": true, "typeof": true, "instanceof": true, "in": true, "of": true, "new": true,
	"delete": true, "void": true, "throw": true, "case": true, "do": true, "else": true, "yield": true, "await": true}

func (s *jsScanner) run() {
	for s.i < len(s.src) {
		c := s.src[s.i]
		r, n := utf8.DecodeRuneInString(s.src[s.i:])
		switch {
		case isLineTerminator(r):
			s.i += n
			s.lineStart = true
		case isJSSpace(r):
			s.i += n
		case strings.HasPrefix(s.src[s.i:], "//"):
			s.skipLine()
		case strings.HasPrefix(s.src[s.i:], "/*"):
			end := strings.Index(s.src[s.i+2:], "*/")
			if end < 0 {
				return // unclosed: the compiler says so
			}
			if strings.ContainsFunc(s.src[s.i:s.i+2+end], isLineTerminator) {
				s.lineStart = true
			}
			s.i += 2 + end + 2
		case strings.HasPrefix(s.src[s.i:], "<!--"):
			copy(s.out[s.i:], "//  ")
			s.skipLine()
		case s.lineStart && strings.HasPrefix(s.src[s.i:], "-->"):
			copy(s.out[s.i:], "// ")
			s.skipLine()
		case c == '\'' || c == '"':
			s.str(c)
			s.token(tokLiteral, "")
		case c == '`':
			s.i++
			s.template()
		case c >= '0' && c <= '9' || c == '.' && s.i+1 < len(s.src) && s.src[s.i+1] >= '0' && s.src[s.i+1] <= '9':
			s.number()
			s.token(tokLiteral, "")
		case c == '/' && s.regexAllowed() && s.regex():
			s.token(tokLiteral, "")
		case isIdentStart(r) || c == '\\':
			start := s.i
			s.i = identEnd(s.src, s.i)
			if s.i == start {
				s.i += n // a stray backslash
			}
			s.token(tokIdent, s.src[start:s.i])
		default:
			s.punct()
		}
	}
}

func (s *jsScanner) token(k tokKind, text string) {
	if s.onToken != nil {
		s.onToken(k, text)
	}
	s.prev, s.prevText, s.lineStart = k, text, false
}

// skipLine moves to the line terminator ending the line (a comment).
func (s *jsScanner) skipLine() {
	if end := strings.IndexFunc(s.src[s.i:], isLineTerminator); end >= 0 {
		s.i += end
	} else {
		s.i = len(s.src)
	}
}

// str skips a string literal; a backslash escapes the next character, a
// line terminator included (a line continuation).
func (s *jsScanner) str(q byte) {
	s.i++
	for s.i < len(s.src) {
		r, n := utf8.DecodeRuneInString(s.src[s.i:])
		switch {
		case r == rune(q):
			s.i++
			return
		case r == '\\':
			s.i++
			if s.i < len(s.src) {
				_, n = utf8.DecodeRuneInString(s.src[s.i:])
			}
		case r == '\n' || r == '\r':
			return // unterminated: the compiler says so
		}
		s.i += n
	}
}

// template skips template characters up to the closing "`" or a "${",
// whose expression the scanner then reads as code.
func (s *jsScanner) template() {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
			continue
		case '`':
			s.i++
			s.token(tokLiteral, "")
			return
		case '$':
			if strings.HasPrefix(s.src[s.i:], "${") {
				s.i += 2
				s.braces = append(s.braces, braceTemplate)
				s.token(tokPunct, "${")
				return
			}
		}
		s.i++
	}
}

// number skips a numeric literal, blanking the leading zeros of a legacy
// decimal such as 08 or 0919 (an integer part of digits only, starting with
// 0 and holding an 8 or a 9).
func (s *jsScanner) number() {
	start := s.i
	if s.src[s.i] == '0' && s.i+1 < len(s.src) && strings.ContainsRune("xXoObB", rune(s.src[s.i+1])) {
		s.i += 2
		for s.i < len(s.src) && (isIdentPart(rune(s.src[s.i]))) {
			s.i++
		}
		return
	}
	digits := func() {
		for s.i < len(s.src) && (s.src[s.i] >= '0' && s.src[s.i] <= '9' || s.src[s.i] == '_') {
			s.i++
		}
	}
	digits()
	if intPart := s.src[start:s.i]; len(intPart) > 1 && intPart[0] == '0' && strings.ContainsAny(intPart, "89") && !strings.Contains(intPart, "_") {
		for j := start; j < s.i-1 && s.src[j] == '0'; j++ {
			s.out[j] = ' '
			s.zeros = append(s.zeros, j)
		}
	}
	if s.i < len(s.src) && s.src[s.i] == '.' {
		s.i++
		digits()
	}
	if s.i < len(s.src) && (s.src[s.i] == 'e' || s.src[s.i] == 'E') {
		s.i++
		if s.i < len(s.src) && (s.src[s.i] == '+' || s.src[s.i] == '-') {
			s.i++
		}
		digits()
	}
	for s.i < len(s.src) && isIdentPart(rune(s.src[s.i])) { // 10n, or an error the compiler reports
		s.i++
	}
}

// regexAllowed says whether a "/" here starts a regular expression.
func (s *jsScanner) regexAllowed() bool {
	switch s.prev {
	case tokNone:
		return true
	case tokLiteral:
		return false
	case tokIdent:
		return regexKeywords[s.prevText]
	}
	switch s.prevText {
	case ")":
		return s.lastParen
	case "]", "++", "--":
		return false
	case "}":
		return s.prevBrace == braceBlock
	}
	return true
}

// regex skips a regular expression literal; false (and nothing skipped)
// when the line ends first, which makes the "/" a division after all.
func (s *jsScanner) regex() bool {
	j, class := s.i+1, false
	for j < len(s.src) {
		r, n := utf8.DecodeRuneInString(s.src[j:])
		switch {
		case isLineTerminator(r):
			return false
		case r == '\\':
			j++
			if j < len(s.src) {
				if r, _ := utf8.DecodeRuneInString(s.src[j:]); isLineTerminator(r) {
					return false
				}
				_, n = utf8.DecodeRuneInString(s.src[j:])
			}
		case r == '[':
			class = true
		case r == ']':
			class = false
		case r == '/' && !class:
			s.i = identEnd(s.src, j+1) // the flags
			return true
		}
		j += n
	}
	return false
}

// punct reads one punctuator, keeping the parentheses and braces paired so
// that what follows a ")" or a "}" is read right.
func (s *jsScanner) punct() {
	c := s.src[s.i]
	text := string(c)
	for _, p := range []string{"=>", "++", "--"} {
		if strings.HasPrefix(s.src[s.i:], p) {
			text = p
		}
	}
	switch c {
	case '(':
		s.parens = append(s.parens, s.prev == tokIdent && (s.prevText == "if" || s.prevText == "while" || s.prevText == "for" || s.prevText == "with"))
	case ')':
		kw := false
		if n := len(s.parens); n > 0 {
			kw, s.parens = s.parens[n-1], s.parens[:n-1]
		}
		s.lastParen = kw
	case '{':
		s.braces = append(s.braces, s.braceKind())
	case '}':
		kind := braceBlock
		if n := len(s.braces); n > 0 {
			kind, s.braces = s.braces[n-1], s.braces[:n-1]
		}
		if kind == braceTemplate {
			if s.onToken != nil {
				s.onToken(tokPunct, "}") // the "${" it closes was a token too
			}
			s.i++
			s.template()
			return
		}
		s.prevBrace = kind
	}
	s.i += len(text)
	s.token(tokPunct, text)
}

// braceKind says whether a "{" here opens an object literal or a block.
func (s *jsScanner) braceKind() braceOf {
	switch s.prev {
	case tokNone, tokLiteral:
		return braceBlock
	case tokIdent:
		if regexKeywords[s.prevText] && s.prevText != "do" && s.prevText != "else" {
			return braceObject // return {…}, typeof {…}, case {…}
		}
		return braceBlock
	}
	switch s.prevText {
	case ")", ";", "{", "}", "=>", "${":
		return braceBlock
	}
	return braceObject // after an operator, "(", "[", ",", ":" or "?"
}

func isLineTerminator(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' }

func isJSSpace(r rune) bool {
	return r == '\t' || r == '\v' || r == '\f' || r == '\ufeff' || unicode.Is(unicode.Zs, r)
}

func isIdentStart(r rune) bool {
	return r == '$' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 && unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r >= '0' && r <= '9' || r >= 0x80 && (unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc) || r == 0x200c || r == 0x200d)
}

// identEnd is the end of the identifier (or flags) starting at i, \u
// escapes included.
func identEnd(src string, i int) int {
	for i < len(src) {
		r, n := utf8.DecodeRuneInString(src[i:])
		switch {
		case isIdentPart(r):
			i += n
		case r == '\\' && i+1 < len(src) && src[i+1] == 'u':
			i += 2
			if i < len(src) && src[i] == '{' {
				if end := strings.IndexByte(src[i:], '}'); end >= 0 {
					i += end + 1
				}
			} else {
				i += min(4, len(src)-i)
			}
		default:
			return i
		}
	}
	return i
}

// annexB walks a parsed script for labelled and block-level function
// declarations, collecting the edits that give them their web meaning.
type annexB struct {
	src    string
	base   int
	edits  []edit
	strict [][2]int // the spans of strict code
	seen   map[*ast.FunctionLiteral]bool
}

// varScope is a function body or the script: what its block-level
// functions hoist to.
type varScope struct {
	strict     bool
	params     map[string]bool // parameter names: a block function of that name does not hoist
	lexical    map[string]bool // let, const and class at the top
	at         int             // where the hoisted vars go
	hoisted    []string
	hoistedSet map[string]bool
}

// annexBSetter is the function, declared in each var scope that needs it,
// that sets the scope's var from a block where the block's function of the
// same name hides it.
const annexBSetter = "__qadoctorAnnexB"

func (w *annexB) program(p *ast.Program) {
	w.seen = map[*ast.FunctionLiteral]bool{}
	sc := &varScope{strict: useStrict(p.Body), lexical: lexicalNames(p.Body), at: 0}
	if sc.strict {
		w.strict = append(w.strict, [2]int{0, len(w.src)})
	}
	w.list(p.Body, sc, nil, false)
	w.finish(sc)
}

// finish declares the scope's hoisted block functions as vars, and the
// setter their declarations call.
func (w *annexB) finish(sc *varScope) {
	if len(sc.hoisted) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "var %s; function %s(n, v) {", strings.Join(sc.hoisted, ", "), annexBSetter)
	for i, name := range sc.hoisted {
		if i > 0 {
			b.WriteString(" else")
		}
		fmt.Fprintf(&b, " if (n === %q) %s = v;", name, name)
	}
	b.WriteString(" } ")
	w.edits = append(w.edits, edit{at: sc.at, text: b.String()})
}

// list walks a statement list: a script's, a function body's (inBlock
// false), a block's or a case's (inBlock true). frames are the enclosing
// blocks' let, const and class names.
func (w *annexB) list(stmts []ast.Statement, sc *varScope, frames []map[string]bool, inBlock bool) {
	for _, st := range stmts {
		s := st
		var labels []*ast.LabelledStatement
		for l, ok := s.(*ast.LabelledStatement); ok; l, ok = s.(*ast.LabelledStatement) {
			labels = append(labels, l)
			s = l.Statement
		}
		fd, isFunc := s.(*ast.FunctionDeclaration)
		plain := isFunc && !sc.strict && !fd.Function.Async && !fd.Function.Generator
		if plain {
			for _, l := range labels {
				w.blank(int(l.Label.Idx)-w.base, identEnd(w.src, int(l.Label.Idx)-w.base))
				w.blank(int(l.Colon)-w.base, int(l.Colon)-w.base+1)
			}
		}
		if plain && inBlock {
			w.hoist(fd, sc, frames)
		}
		w.stmt(s, sc, frames)
	}
}

// hoist makes a block-level function also its var scope's var, unless a
// parameter, a let, const or class of that name stands in the way (as in
// V8: another block's function of the same name does not).
func (w *annexB) hoist(fd *ast.FunctionDeclaration, sc *varScope, frames []map[string]bool) {
	name := fd.Function.Name.Name.String()
	if sc.params[name] || sc.lexical[name] || name == "arguments" || name == annexBSetter {
		return
	}
	for _, f := range frames {
		if f[name] {
			return
		}
	}
	if sc.hoistedSet == nil {
		sc.hoistedSet = map[string]bool{}
	}
	if !sc.hoistedSet[name] {
		sc.hoistedSet[name] = true
		sc.hoisted = append(sc.hoisted, name)
	}
	end := int(fd.Function.Body.RightBrace) - w.base + 1
	w.edits = append(w.edits, edit{at: end, text: fmt.Sprintf(" %s(%q, %s);", annexBSetter, name, name)})
}

// blank turns src[from:to] into spaces.
func (w *annexB) blank(from, to int) {
	w.edits = append(w.edits, edit{at: from, del: to - from, text: strings.Repeat(" ", to-from)})
}

func (w *annexB) stmt(s ast.Statement, sc *varScope, frames []map[string]bool) {
	switch s := s.(type) {
	case *ast.BlockStatement:
		w.list(s.List, sc, append(frames, lexicalNames(s.List)), true)
	case *ast.SwitchStatement:
		w.expr(s.Discriminant, sc)
		var all []ast.Statement
		for _, c := range s.Body {
			all = append(all, c.Consequent...)
		}
		inner := append(frames, lexicalNames(all))
		for _, c := range s.Body {
			w.expr(c.Test, sc)
			w.list(c.Consequent, sc, inner, true)
		}
	case *ast.IfStatement:
		w.expr(s.Test, sc)
		w.stmt(s.Consequent, sc, frames)
		if s.Alternate != nil {
			w.stmt(s.Alternate, sc, frames)
		}
	case *ast.LabelledStatement: // the body of an if or a loop: V8 refuses a function here
		w.stmt(s.Statement, sc, frames)
	case *ast.ForStatement:
		inner := frames
		if d, ok := s.Initializer.(*ast.ForLoopInitializerLexicalDecl); ok {
			inner = append(frames, bindingNames(d.LexicalDeclaration.List))
		}
		w.expr(s.Initializer, sc)
		w.expr(s.Test, sc)
		w.expr(s.Update, sc)
		w.stmt(s.Body, sc, inner)
	case *ast.ForInStatement:
		w.expr(s.Source, sc)
		w.stmt(s.Body, sc, forFrames(frames, s.Into))
		w.expr(s.Into, sc)
	case *ast.ForOfStatement:
		w.expr(s.Source, sc)
		w.stmt(s.Body, sc, forFrames(frames, s.Into))
		w.expr(s.Into, sc)
	case *ast.WhileStatement:
		w.expr(s.Test, sc)
		w.stmt(s.Body, sc, frames)
	case *ast.DoWhileStatement:
		w.stmt(s.Body, sc, frames)
		w.expr(s.Test, sc)
	case *ast.WithStatement:
		w.expr(s.Object, sc)
		w.stmt(s.Body, sc, frames)
	case *ast.TryStatement:
		w.stmt(s.Body, sc, frames)
		if s.Catch != nil {
			inner := frames
			if _, simple := s.Catch.Parameter.(*ast.Identifier); !simple && s.Catch.Parameter != nil {
				inner = append(frames, bindingNames([]*ast.Binding{{Target: s.Catch.Parameter}}))
			}
			w.expr(s.Catch.Parameter, sc)
			w.stmt(s.Catch.Body, sc, inner)
		}
		if s.Finally != nil {
			w.stmt(s.Finally, sc, frames)
		}
	case *ast.FunctionDeclaration:
		w.function(s.Function, sc.strict)
	default: // statements that hold only expressions
		w.expr(s, sc)
	}
}

func forFrames(frames []map[string]bool, into ast.ForInto) []map[string]bool {
	if d, ok := into.(*ast.ForDeclaration); ok {
		return append(frames, bindingNames([]*ast.Binding{{Target: d.Target}}))
	}
	return frames
}

// function walks a function: its own var scope, strict if its outer code
// or its body's directive says so.
func (w *annexB) function(fn *ast.FunctionLiteral, outerStrict bool) {
	if fn == nil || w.seen[fn] {
		return
	}
	w.seen[fn] = true
	sc := w.bodyScope(fn.ParameterList, fn.Body, outerStrict, int(fn.Function)-w.base)
	w.expr(fn.ParameterList, sc)
	w.list(fn.Body.List, sc, nil, false)
	w.finish(sc)
}

func (w *annexB) bodyScope(params *ast.ParameterList, body *ast.BlockStatement, outerStrict bool, start int) *varScope {
	sc := &varScope{strict: outerStrict || useStrict(body.List), lexical: lexicalNames(body.List), at: int(body.LeftBrace) - w.base + 1}
	if params != nil {
		sc.params = bindingNames(params.List)
		if params.Rest != nil {
			maps(sc.params, bindingNames([]*ast.Binding{{Target: asTarget(params.Rest)}}))
		}
	}
	if sc.strict {
		w.strict = append(w.strict, [2]int{start, int(body.RightBrace) - w.base + 1})
	}
	return sc
}

func maps(dst, src map[string]bool) {
	for k := range src {
		dst[k] = true
	}
}

func asTarget(e ast.Expression) ast.BindingTarget {
	if t, ok := e.(ast.BindingTarget); ok {
		return t
	}
	return nil
}

// expr finds the functions and classes inside any node that is not a
// statement list, and walks them.
func (w *annexB) expr(n any, sc *varScope) {
	if n == nil {
		return
	}
	w.reflectWalk(reflect.ValueOf(n), sc)
}

var (
	functionType = reflect.TypeOf(&ast.FunctionLiteral{})
	arrowType    = reflect.TypeOf(&ast.ArrowFunctionLiteral{})
	classType    = reflect.TypeOf(&ast.ClassLiteral{})
)

func (w *annexB) reflectWalk(v reflect.Value, sc *varScope) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			w.reflectWalk(v.Elem(), sc)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		switch v.Type() {
		case functionType:
			w.function(v.Interface().(*ast.FunctionLiteral), sc.strict)
			return
		case arrowType:
			w.arrow(v.Interface().(*ast.ArrowFunctionLiteral), sc)
			return
		case classType:
			w.class(v.Interface().(*ast.ClassLiteral), sc)
			return
		}
		w.reflectWalk(v.Elem(), sc)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				w.reflectWalk(v.Field(i), sc)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			w.reflectWalk(v.Index(i), sc)
		}
	}
}

func (w *annexB) arrow(fn *ast.ArrowFunctionLiteral, sc *varScope) {
	body, ok := fn.Body.(*ast.BlockStatement)
	if !ok {
		w.expr(fn.ParameterList, sc)
		w.expr(fn.Body, sc)
		return
	}
	inner := w.bodyScope(fn.ParameterList, body, sc.strict, int(fn.Start)-w.base)
	w.expr(fn.ParameterList, inner)
	w.list(body.List, inner, nil, false)
	w.finish(inner)
}

// class walks a class: all of it is strict code.
func (w *annexB) class(c *ast.ClassLiteral, sc *varScope) {
	w.strict = append(w.strict, [2]int{int(c.Class) - w.base, int(c.RightBrace) - w.base + 1})
	strict := &varScope{strict: true}
	w.expr(c.SuperClass, strict)
	for _, el := range c.Body {
		switch el := el.(type) {
		case *ast.ClassStaticBlock:
			inner := &varScope{strict: true, lexical: lexicalNames(el.Block.List)}
			w.list(el.Block.List, inner, nil, false)
		default:
			w.expr(el, strict)
		}
	}
}

// inStrict reports whether offset at is in strict code.
func (w *annexB) inStrict(at int) bool {
	for _, s := range w.strict {
		if at >= s[0] && at < s[1] {
			return true
		}
	}
	return false
}

// useStrict reports whether a body's directive prologue holds "use strict".
func useStrict(body []ast.Statement) bool {
	for _, st := range body {
		es, ok := st.(*ast.ExpressionStatement)
		if !ok {
			return false
		}
		lit, ok := es.Expression.(*ast.StringLiteral)
		if !ok {
			return false
		}
		if lit.Literal == `"use strict"` || lit.Literal == `'use strict'` {
			return true
		}
	}
	return false
}

// lexicalNames are the let, const and class names a statement list
// declares at its top.
func lexicalNames(list []ast.Statement) map[string]bool {
	names := map[string]bool{}
	for _, st := range list {
		switch st := st.(type) {
		case *ast.LexicalDeclaration:
			maps(names, bindingNames(st.List))
		case *ast.ClassDeclaration:
			if st.Class.Name != nil {
				names[st.Class.Name.Name.String()] = true
			}
		}
	}
	return names
}

// bindingNames are the names bindings declare, patterns included.
func bindingNames(list []*ast.Binding) map[string]bool {
	names := map[string]bool{}
	var target func(e ast.Expression)
	target = func(e ast.Expression) {
		switch e := e.(type) {
		case *ast.Identifier:
			names[e.Name.String()] = true
		case *ast.Binding:
			target(e.Target)
		case *ast.ArrayPattern:
			for _, el := range e.Elements {
				target(el)
			}
			target(e.Rest)
		case *ast.ObjectPattern:
			for _, p := range e.Properties {
				switch p := p.(type) {
				case *ast.PropertyShort:
					names[p.Name.Name.String()] = true
				case *ast.PropertyKeyed:
					target(p.Value)
				}
			}
			target(e.Rest)
		case *ast.AssignExpression: // a default: a = 1
			target(e.Left)
		}
	}
	for _, b := range list {
		if b != nil {
			target(b.Target)
		}
	}
	return names
}

// annexBBuiltins are the web-compatibility built-ins of ECMAScript's Annex
// B (and the legacy RegExp statics) that V8 and SpiderMonkey have and goja
// lacks: an old PAC calling new Date().getYear() or reading RegExp.$1 runs
// in the browser, so it runs here. Each is defined as the spec defines it,
// not enumerable, like the engines' own.
const annexBBuiltins = `
(function () {
  var define = Object.defineProperty, apply = Reflect.apply, getProto = Object.getPrototypeOf,
      ownDesc = Object.getOwnPropertyDescriptor, toObject = Object;
  function method(o, name, fn) { define(o, name, {value: fn, writable: true, enumerable: false, configurable: true}); }
  // B.2.3.1-3: getYear, setYear, toGMTString.
  method(Date.prototype, 'getYear', function getYear() {
    var y = this.getFullYear();
    return y !== y ? NaN : y - 1900;
  });
  method(Date.prototype, 'setYear', function setYear(year) {
    var t = this.getTime(), y = Number(year);
    if (t !== t) { this.setTime(0); this.setTime(this.getTime() + new Date(0).getTimezoneOffset() * 60000); }
    if (y !== y) { this.setTime(NaN); return NaN; }
    y = Math.trunc(y);
    if (y >= 0 && y <= 99) y += 1900;
    return this.setFullYear(y);
  });
  method(Date.prototype, 'toGMTString', Date.prototype.toUTCString);
  // B.2.2.2-14: the HTML methods of String.prototype (CreateHTML).
  function html(tag, attr) {
    return function (value) {
      if (this === undefined || this === null) throw new TypeError('String.prototype method called on ' + this);
      var open = '<' + tag;
      if (attr) open += ' ' + attr + '="' + String(value).replace(/"/g, '&quot;') + '"';
      return open + '>' + String(this) + '</' + tag + '>';
    };
  }
  var tags = [['anchor', 'a', 'name'], ['big', 'big'], ['blink', 'blink'], ['bold', 'b'], ['fixed', 'tt'],
    ['fontcolor', 'font', 'color'], ['fontsize', 'font', 'size'], ['italics', 'i'], ['link', 'a', 'href'],
    ['small', 'small'], ['strike', 'strike'], ['sub', 'sub'], ['sup', 'sup']];
  for (var i = 0; i < tags.length; i++) method(String.prototype, tags[i][0], html(tags[i][1], tags[i][2]));
  // B.2.2.2-5: __defineGetter__, __defineSetter__, __lookupGetter__, __lookupSetter__.
  function definer(kind) {
    return function (p, fn) {
      if (typeof fn !== 'function') throw new TypeError('Object.prototype.__define' + kind + '__: Expecting function');
      var d = {enumerable: true, configurable: true};
      d[kind === 'Getter' ? 'get' : 'set'] = fn;
      define(toObject(this), p, d);
    };
  }
  function lookup(kind) {
    return function (p) {
      for (var o = toObject(this); o !== null; o = getProto(o)) {
        var d = ownDesc(o, p);
        if (d) return d[kind];
      }
      return undefined;
    };
  }
  method(Object.prototype, '__defineGetter__', definer('Getter'));
  method(Object.prototype, '__defineSetter__', definer('Setter'));
  method(Object.prototype, '__lookupGetter__', lookup('get'));
  method(Object.prototype, '__lookupSetter__', lookup('set'));
  // The legacy RegExp statics (RegExp.$1-$9, lastMatch, input…), which every
  // browser keeps (tc39 proposal-regexp-legacy-features): a successful
  // exec, test, search, or match without the g flag sets them, as in the
  // browsers. (goja's replace and split match without exec; after them the
  // statics keep the last match before.)
  var exec = RegExp.prototype.exec, match = String.prototype.match, search = String.prototype.search, last = {input: '', match: ['']};
  function execW(s) {
    var m = apply(exec, this, [s]);
    if (m) { last.match = m; last.input = m.input; }
    return m;
  }
  method(RegExp.prototype, 'exec', execW);
  method(RegExp.prototype, 'test', function test(s) { return apply(execW, this, [s]) !== null; });
  function asRegExp(re) {
    if (re instanceof RegExp) return re;
    if (re !== undefined && re !== null && (typeof re === 'object' || typeof re === 'function')) return null;
    return new RegExp(re === undefined ? '' : re);
  }
  method(String.prototype, 'match', function match_(re) {
    if (this === undefined || this === null) throw new TypeError('String.prototype.match called on ' + this);
    var rx = asRegExp(re);
    if (rx === null || rx.global) return apply(match, this, [re]);
    return apply(execW, rx, [String(this)]);
  });
  method(String.prototype, 'search', function search(re) {
    if (this === undefined || this === null) throw new TypeError('String.prototype.search called on ' + this);
    var rx = asRegExp(re);
    if (rx === null) return apply(search, this, [re]);
    var before = rx.lastIndex;
    rx.lastIndex = 0;
    var m = apply(execW, rx, [String(this)]);
    rx.lastIndex = before;
    return m ? m.index : -1;
  });
  function stat(names, get, set) {
    for (var i = 0; i < names.length; i++) define(RegExp, names[i], {get: get, set: set, enumerable: false, configurable: true});
  }
  function group(n) { return function () { var v = last.match[n]; return v === undefined ? '' : v; }; }
  for (var n = 1; n <= 9; n++) stat(['$' + n], group(n));
  stat(['input', '$_'], function () { return last.input; }, function (v) { last.input = String(v); });
  stat(['lastMatch', '$&'], group(0));
  stat(['lastParen', '$+'], function () { var m = last.match; var v = m.length > 1 ? m[m.length - 1] : ''; return v === undefined ? '' : v; });
  stat(['leftContext', '$` + "`" + `'], function () { return last.input.slice(0, last.match.index || 0); });
  stat(['rightContext', "$'"], function () { return last.input.slice((last.match.index || 0) + last.match[0].length); });
})();
`
