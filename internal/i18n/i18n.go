// Package i18n chooses the language of everything qadoctor shows to people
// and translates it. English is the source language: every message is
// written in code as an English fmt format, which is also its catalog key,
// and ja.json maps each key to its Japanese form. JSON reports keep their
// IDs and keys in English whatever the language.
//
// The catalog is golang.org/x/text's (language matching, fallback to
// English); formatting is fmt's. x/text's own printer groups the digits of
// every number by the locale, which turns port 8080 into "8,080" and build
// 19045 into "19,045", so Sprintf looks the format up in the catalog and
// hands it to fmt.
package i18n

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// Lang is a language qadoctor speaks.
type Lang string

// The languages qadoctor speaks.
const (
	English  Lang = "en"
	Japanese Lang = "ja"
)

// Langs lists the languages, English (the source) first.
var Langs = []Lang{English, Japanese}

var tags = []language.Tag{language.English, language.Japanese}

// ParseLang reads a --lang value.
func ParseLang(s string) (Lang, error) {
	l := Lang(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Langs, l) {
		return l, nil
	}
	return "", fmt.Errorf("unknown language %q: use en (English) or ja (日本語)", s)
}

// Match picks the language for a locale name as the environment or
// Windows spells it ("ja_JP.UTF-8", "ja-JP", "C"), and reports whether the
// name asked for one qadoctor speaks.
func Match(locale string) (Lang, bool) {
	locale, _, _ = strings.Cut(locale, ".") // ja_JP.UTF-8
	locale, _, _ = strings.Cut(locale, "@") // ja_JP@euro
	locale = strings.ReplaceAll(strings.TrimSpace(locale), "_", "-")
	if locale == "" || locale == "C" || locale == "POSIX" {
		return English, false
	}
	tag, err := language.Parse(locale)
	if err != nil {
		return English, false
	}
	_, i, conf := matcher.Match(tag)
	if conf == language.No {
		return English, false
	}
	return Langs[i], true
}

var matcher = language.NewMatcher(tags)

// Detect chooses the language from the environment as POSIX orders it
// (LC_ALL, then LC_MESSAGES, then LANG; the first one set decides), then
// from the Windows display language (uiLanguage, "" elsewhere), and falls
// back to English.
func Detect(getenv func(string) string, uiLanguage func() string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			l, _ := Match(v)
			return l
		}
	}
	if uiLanguage != nil {
		if l, ok := Match(uiLanguage()); ok {
			return l
		}
	}
	return English
}

// Printer renders messages in one language. The zero value and a nil
// *Printer speak English.
type Printer struct {
	lang Lang
}

// New returns a Printer for l.
func New(l Lang) *Printer { return &Printer{lang: l} }

// SetLang changes the printer's language. A command line shares one
// Printer among its commands and sets the language once the flags are read.
func (p *Printer) SetLang(l Lang) { p.lang = l }

// Lang is the printer's language.
func (p *Printer) Lang() Lang {
	if p == nil || p.lang == "" {
		return English
	}
	return p.lang
}

// Sprintf formats a message: format is the English text and the catalog
// key. The format must be a string literal, so the catalog test can find
// every message.
func (p *Printer) Sprintf(format string, args ...any) string {
	if p.Lang() == English {
		// Passing format itself lets go vet see a printf wrapper and
		// check the verbs of every message against its arguments.
		return fmt.Sprintf(format, args...)
	}
	return fmt.Sprintf(p.lookup(format), args...)
}

// Text translates a message marked with Key elsewhere (a table's title, a
// step's fixed error); text that is not in the catalog, such as an
// operating system's error, comes back as it is.
func (p *Printer) Text(key string) string { return p.lookup(key) }

// TemplateFuncs are the words of a template in p's language: {{t "…" …}}
// is Sprintf (the catalog test finds each such message) and {{lang}} is the
// language's tag, for <html lang>. Parse a template with these from an
// English printer, then give a Clone the person's before executing it.
func (p *Printer) TemplateFuncs() map[string]any {
	return map[string]any{
		"t":    p.Sprintf,
		"lang": func() string { return string(p.Lang()) },
	}
}

// Key marks a message that is stored before it is shown (a constant's
// value, a table entry) so that the catalog test finds it; Text translates
// it when shown. Like gettext's N_.
func Key(s string) string { return s }

func (p *Printer) lookup(key string) string {
	l := p.Lang()
	if l == English {
		return key
	}
	var c capture
	if err := japanese().Context(language.Japanese, &c).Execute(key); err != nil {
		return key
	}
	return c.String()
}

// capture receives the catalog's raw message (x/text's catmsg.Renderer).
type capture struct{ strings.Builder }

func (c *capture) Render(s string) { c.WriteString(s) }
func (c *capture) Arg(int) any     { return nil }

//go:embed ja.json
var jaJSON []byte

// japanese is the catalog, built once from ja.json. A broken ja.json is
// caught by the package's tests; if one shipped anyway, qadoctor would
// speak English rather than fail.
var japanese = sync.OnceValue(func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	m, _ := Catalog(Japanese)
	for k, v := range m {
		_ = b.SetString(language.Japanese, k, v)
	}
	return b
})

// Catalog returns the translations of l, keyed by their English text.
func Catalog(l Lang) (map[string]string, error) {
	if l != Japanese {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(jaJSON, &m); err != nil {
		return nil, fmt.Errorf("internal/i18n/ja.json: %w", err)
	}
	return m, nil
}

// OwnSentence reports whether s holds one of qadoctor's own messages (a
// catalog key, its verbs standing for any value), and which. Facts must
// hold codes and values, never such a sentence: the judges phrase them in
// the person's language. Tests use it to keep facts clean.
func OwnSentence(s string) (key string, ok bool) {
	for _, m := range ownSentences() {
		if m.re.MatchString(s) {
			return m.key, true
		}
	}
	return "", false
}

type ownSentence struct {
	key string
	re  *regexp.Regexp
}

// fmtVerb is a fmt verb in a message, with its flags, width and index.
var fmtVerb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[vsdqxXfgew]`)

// ownSentences are the catalog's keys of three words or more (shorter ones,
// such as "not-run", are as likely to be a value), as patterns.
var ownSentences = sync.OnceValue(func() []ownSentence {
	m, _ := Catalog(Japanese)
	var out []ownSentence
	for k := range m {
		words := strings.Fields(fmtVerb.ReplaceAllString(k, ""))
		if len(words) < 3 {
			continue
		}
		var b strings.Builder
		last := 0
		for _, loc := range fmtVerb.FindAllStringIndex(k, -1) {
			b.WriteString(regexp.QuoteMeta(k[last:loc[0]]))
			b.WriteString(`.*`)
			last = loc[1]
		}
		b.WriteString(regexp.QuoteMeta(k[last:]))
		out = append(out, ownSentence{k, regexp.MustCompile(strings.TrimSpace(b.String()))})
	}
	return out
})
