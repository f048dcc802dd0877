package proxy

import "fmt"

// MaxPACNesting bounds how deeply a PAC may nest what goja's parser and
// compiler recurse into: brackets, chains of prefix and right-associative
// operators (!!!x, a=b=c, a?b:c?d:e, x=>y=>z, 2**3**4), new/typeof/void,
// and if/else-if chains. goja recurses once per level with no limit of its
// own, so 520,000 nested brackets in a 1 MiB PAC overflowed the Go stack
// (a fatal error, not a panic: nothing can recover it) after taking 1 GB;
// 100,000 took 256 MB of stack. Real PACs nest a few levels and chain a few
// hundred else-ifs at most; 4,096 levels cost goja about 10 MB of stack.
const MaxPACNesting = 4096

// errTooDeep says a PAC nests deeper than MaxPACNesting.
func errTooDeep(depth, line int) error {
	return fmt.Errorf("it nests more than %d levels deep by line %d (brackets, operator chains or else-if chains, %d and counting): qadoctor does not run it, to keep its own stack bounded; a real PAC nests a few levels", MaxPACNesting, line, depth)
}

// pacNesting estimates, from the tokens alone, how deep goja would recurse
// to parse src, and stops counting at the first place it passes
// MaxPACNesting. The estimate errs high: every open bracket is a level, and
// within a level every token that can start a nested expression or
// statement (a prefix operator, "=", "?", "=>", "*", new, typeof, void,
// delete, await, if, while, for, with, do) is one more until the next ";"
// or ","; each "else" is one more until its level closes.
func pacNesting(src string) error {
	type level struct{ chain, elses int }
	levels := []level{{}}
	depth, line := 1, 1
	var err error
	s := &jsScanner{src: src, out: []byte(src), lineStart: true}
	prevPunct := true
	s.onToken = func(k tokKind, text string) {
		if err != nil {
			return
		}
		top := &levels[len(levels)-1]
		prefix := prevPunct
		prevPunct = k == tokPunct
		switch {
		case k == tokPunct && (text == "(" || text == "[" || text == "{" || text == "${"):
			levels = append(levels, level{})
			depth++
		case k == tokPunct && (text == ")" || text == "]" || text == "}"):
			if len(levels) > 1 {
				depth -= 1 + top.chain + top.elses
				levels = levels[:len(levels)-1]
			}
			prevPunct = false // a closed bracket ends an operand
		case k == tokPunct && (text == ";" || text == ","):
			depth -= top.chain
			top.chain = 0
		case k == tokIdent && text == "else":
			top.elses++
			depth++
		case k == tokPunct && (text == "=" || text == "?" || text == "=>" || text == "*" || text == "!" || text == "~" || text == "++" || text == "--"),
			k == tokPunct && (text == "-" || text == "+") && prefix,
			k == tokIdent && nestingKeywords[text]:
			top.chain++
			depth++
		}
		if depth > MaxPACNesting {
			err = errTooDeep(depth, line)
		}
	}
	// Lines are counted from the source the scanner has read so far.
	s.onToken = countLines(s, &line, s.onToken)
	s.run()
	return err
}

// nestingKeywords start an expression or statement nested in the one
// they stand in.
var nestingKeywords = map[string]bool{"new": true, "typeof": true, "void": true, "delete": true, "await": true, "yield": true,
	"if": true, "while": true, "for": true, "with": true, "do": true}

// countLines wraps a token hook so *line follows the scanner's position.
func countLines(s *jsScanner, line *int, next func(tokKind, string)) func(tokKind, string) {
	at := 0
	return func(k tokKind, text string) {
		for ; at < s.i && at < len(s.src); at++ {
			if s.src[at] == '\n' {
				*line++
			}
		}
		next(k, text)
	}
}
