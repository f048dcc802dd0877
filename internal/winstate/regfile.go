package winstate

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// The .reg grammar here is the one Windows' own regedit and reg import
// read, as Wine's conformance tests record it: programs/reg/tests/import.c
// (test_import, test_unicode_import, test_import_with_whitespace,
// test_import_win31) in wine-mirror/wine, tests that pass against Windows'
// reg.exe. regedit never stops at a line it cannot read: it skips the line
// (or the value it belongs to) and imports the rest. ParseReg does the
// same and names each skipped line, so a verdict matches what importing
// the file would do, and the user learns that the export is not clean.
//
// To extend it, add a row to the grammar table in grammar_test.go with
// the Windows behaviour and its source first; the test under Wine imports
// every row with regedit /S and compares.

// MaxRegFileSize bounds a .reg export. A full HKLM export is a few
// hundred MiB of UTF-16; the keys qadoctor asks for are kilobytes.
const MaxRegFileSize = 256 << 20

// maxSkippedKept bounds how many skipped lines a hive remembers; the
// total is still counted.
const maxSkippedKept = 100

// RegError is a problem that makes regedit refuse a whole .reg file.
type RegError struct {
	File string
	Line int
	Msg  string
}

func (e *RegError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// SkippedLine is a line of a .reg file that regedit would not import.
type SkippedLine struct {
	Line   int    // 1-based
	Key    string // the section it is in, normalized; "" before any key
	KeyRow bool   // the line is the key line itself
	Reason string // a Skip* code
	Text   string // the line as written, cut at 120 characters
}

// Why regedit skips a line. The codes are stable: reports and tests use
// them, and internal/checks phrases them.
const (
	SkipNotALine        = "not-a-line"          // not a [key], "name"=, @= or comment line
	SkipBadKey          = "bad-key"             // no closing ], whitespace after [, or [-  key]
	SkipShortRoot       = "short-root"          // HKLM instead of HKEY_LOCAL_MACHINE
	SkipUnknownRoot     = "unknown-root"        // HKEY_NOWHERE
	SkipAfterKey        = "text-after-key"      // text after a key line's last ] is ignored
	SkipUnderBadKey     = "under-bad-key"       // a value after a key line regedit rejected
	SkipBeforeKey       = "before-any-key"      // a value before the first key line
	SkipUnderDeletedKey = "under-deleted-key"   // a value in a [-key] section
	SkipBadName         = "bad-name"            // a value name without its closing quote
	SkipNoEquals        = "no-equals"           // no = after the value name
	SkipBadData         = "bad-data"            // data of no type regedit knows
	SkipBadString       = "bad-string"          // unclosed string, \0, text after the string
	SkipBadDWORD        = "bad-dword"           // not 1 to 8 hex digits
	SkipBadHex          = "bad-hex"             // a byte that is not hex, a misplaced \ or ,
	SkipHashComment     = "hash-after-data"     // # after data: regedit only takes ; there
	SkipBrokenWrap      = "broken-continuation" // a wrapped hex value whose next line is not hex
	SkipTooDeep         = "too-deep"            // a key deeper than the registry allows
)

// maxKeyDepth is how deep a registry tree can be: 512 levels
// (learn.microsoft.com/windows/win32/sysinfo/registry-element-size-limits).
// It also bounds what one key line can cost.
const maxKeyDepth = 512

// ParseReg reads a regedit export (.reg) as regedit imports it: UTF-16
// with a BOM, UTF-8 (with or without a BOM) or ANSI (Windows-1252) text;
// the "Windows Registry Editor Version 5.00" or "REGEDIT4" header; [key]
// and [-key] sections; "name"=…, @=… and "name"=- lines; string, dword:,
// hex: and hex(n): data with line continuations. Lines regedit skips are
// skipped and remembered (see Hive.Skipped); only a header regedit refuses
// is an error. file names the input in errors.
//
// The hive knows only the keys the file names (with their subtrees, as
// regedit exports them): a value under another key is ErrNotCovered.
// want, when not nil, keeps only the keys it names (and their values):
// a full HKLM export then costs memory for what the checks read, not for
// the whole registry.
func ParseReg(file string, data []byte, want *Interest) (*Hive, error) {
	if len(data) > MaxRegFileSize {
		return nil, &RegError{File: file, Line: 0, Msg: fmt.Sprintf("file is larger than %d MiB; export only the keys asked for", MaxRegFileSize>>20)}
	}
	text := decodeRegText(data)
	// Wine's regedit decides by the file's encoding, not its header,
	// whether hex(1), hex(2) and hex(7) bytes are UTF-16 or ANSI: a
	// "Version 5.00" file saved as ANSI or UTF-8 has its string bytes
	// converted from ANSI (regproc.c, parser->is_unicode).
	p := &regParser{file: file, hive: newPartialHive(), want: want, rest: text, ansi: !hasUTF16BOM(data)}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.hive, nil
}

// Skipped returns the lines of the .reg file that regedit would not
// import (at most 100) and how many there were in all.
func (h *Hive) Skipped() ([]SkippedLine, int) { return h.skipped, h.skippedTotal }

// Interest names the keys a caller reads: Values are keys whose values it
// reads, Lists are keys whose subkey names it reads.
type Interest struct {
	values    map[string]bool // lower-case keys
	lists     []string        // lower-case keys
	trees     []string        // lower-case keys whose children's values are read
	ancestors map[string]bool // lower-case proper ancestors of either
}

// NewInterest builds an Interest from normalized key paths: values are
// keys whose values are read, lists keys whose subkey names are read, and
// trees keys whose children's values are read too.
func NewInterest(values, lists []string, trees ...string) *Interest {
	in := &Interest{values: map[string]bool{}, ancestors: map[string]bool{}}
	add := func(k string) {
		for i := strings.LastIndexByte(k, '\\'); i >= 0; i = strings.LastIndexByte(k, '\\') {
			k = k[:i]
			in.ancestors[k] = true
		}
	}
	for _, k := range values {
		in.values[lower(k)] = true
		add(lower(k))
	}
	for _, k := range lists {
		in.lists = append(in.lists, lower(k))
		add(lower(k))
	}
	for _, k := range trees {
		in.trees = append(in.trees, lower(k))
	}
	return in
}

// keep says what of key to keep: the key itself (its name and coverage),
// and its values. A key below a listed key is kept as the listed key's
// child only: listKey names that child.
func (in *Interest) keep(key string) (keepKey, keepValues bool, child string) {
	if in == nil {
		return true, true, ""
	}
	lk := lower(key)
	if in.values[lk] {
		return true, true, ""
	}
	if in.ancestors[lk] {
		return true, false, ""
	}
	for _, l := range in.lists {
		if strings.HasPrefix(lk, l+`\`) {
			if i := strings.IndexByte(lk[len(l)+1:], '\\'); i >= 0 {
				return false, false, key[:len(l)+1+i]
			}
			return true, slices.Contains(in.trees, l), ""
		}
	}
	return false, false, ""
}

// decodeRegText turns the file's bytes into text: UTF-16 by its BOM,
// else UTF-8, else Windows-1252 (what regedit calls ANSI on Western
// systems). Every byte sequence decodes; what is not text becomes U+FFFD,
// which no line regedit reads contains.
func decodeRegText(data []byte) string {
	switch {
	case hasUTF16BOM(data):
		if len(data)%2 == 1 {
			// regedit reads whole UTF-16 units: a stray last byte is
			// no character, not a U+FFFD at the end of the last line.
			data = data[:len(data)-1]
		}
		// x/text's decoder (the one inputfile.UTF8 uses), streamed into
		// one builder: transform.Bytes and a string conversion would hold
		// two more copies of the text (+66 MB for a 65 MB export,
		// BenchmarkParseRegFullExport).
		var sb strings.Builder
		sb.Grow(len(data) / 2)
		dec := xunicode.BOMOverride(xunicode.UTF8.NewDecoder())
		// Cannot fail: a lone surrogate becomes U+FFFD.
		_, _ = io.Copy(&sb, transform.NewReader(bytes.NewReader(data), dec))
		return sb.String()
	case bytes.HasPrefix(data, utf8BOM):
		return strings.ToValidUTF8(string(data[len(utf8BOM):]), "\uFFFD")
	case utf8.Valid(data):
		return string(data)
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(data) // every byte maps
	return string(s)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// hasUTF16BOM reports a UTF-16 file: little-endian as regedit writes it,
// or big-endian as PowerShell's BigEndianUnicode does.
func hasUTF16BOM(data []byte) bool {
	return bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF})
}

const (
	header5   = "Windows Registry Editor Version 5.00"
	header4   = "REGEDIT4"
	header31  = "REGEDIT" // Windows 3.1: HKEY_CLASSES_ROOT lines only
	hexPrefix = "hex"
)

type regParser struct {
	file string
	hive *Hive
	want *Interest
	rest string // the text not yet read
	line int    // the number of the last line read

	ansi bool // not a UTF-16 file: hex(1), hex(2) and hex(7) data are ANSI bytes

	// The current section.
	key        string // normalized; "" before the first key line or after a bad one
	keyBad     bool   // the last key line was rejected
	deleted    bool   // the section is [-key]
	keepValues bool   // the section's values are wanted
}

// next returns the next line without its line ending, and false at the
// end of the text. Lines end at \n, \r\n or a lone \r, as in regedit.
func (p *regParser) next() (string, bool) {
	if p.rest == "" {
		return "", false
	}
	p.line++
	i := strings.IndexAny(p.rest, "\r\n")
	if i < 0 {
		l := p.rest
		p.rest = ""
		return l, true
	}
	l := p.rest[:i]
	if p.rest[i] == '\r' && i+1 < len(p.rest) && p.rest[i+1] == '\n' {
		i++
	}
	p.rest = p.rest[i+1:]
	return l, true
}

func (p *regParser) skip(line int, reason, text string, keyRow bool) {
	h := p.hive
	h.skippedTotal++
	if len(h.skipped) >= maxSkippedKept {
		return
	}
	if utf8.RuneCountInString(text) > 120 {
		text = string([]rune(text)[:120]) + "…"
	}
	h.skipped = append(h.skipped, SkippedLine{Line: line, Key: p.key, KeyRow: keyRow, Reason: reason, Text: text})
}

func trimWS(s string) string { return strings.TrimLeft(s, " \t") }

func (p *regParser) parse() error {
	first, ok := p.next()
	if !ok {
		return &RegError{File: p.file, Line: 1, Msg: fmt.Sprintf("empty file; want a .reg export starting with %q", header5)}
	}
	// Leading blanks are allowed on the header line, but not a blank line
	// before it, and the words are case-sensitive (import.c test_import).
	head := strings.TrimRight(trimWS(strings.TrimPrefix(first, "\uFEFF")), " \t")
	switch {
	case head == header5:
	case head == header4:
	case head == header31:
		p.parseWin31()
		return nil
	case strings.HasPrefix(head, header31):
		// REGEDIT3, REGEDIT5, "REGEDIT4 FOO": regedit accepts the file
		// and imports nothing from it.
		return &RegError{File: p.file, Line: 1, Msg: fmt.Sprintf("header %q: regedit accepts it but imports nothing; export again with regedit (%q)", clip(head), header5)}
	default:
		return &RegError{File: p.file, Line: 1, Msg: fmt.Sprintf("want the header %q or %q on the first line; is this a .reg export?", header5, header4)}
	}
	for {
		line, ok := p.next()
		if !ok {
			return nil
		}
		p.parseLine(p.line, line)
	}
}

// parseWin31 reads the Windows 3.1 format: "HKEY_CLASSES_ROOT\key = value"
// lines setting default values. No check reads HKEY_CLASSES_ROOT, so the
// lines are only checked and kept.
func (p *regParser) parseWin31() {
	for {
		line, ok := p.next()
		if !ok {
			return
		}
		rest, found := strings.CutPrefix(line, "HKEY_CLASSES_ROOT") // case-sensitive, at column 1
		if !found || (rest != "" && rest[0] != '\\') {
			if strings.TrimSpace(line) != "" {
				p.skip(p.line, SkipNotALine, line, false)
			}
			continue
		}
		key, data := rest, ""
		if i := strings.IndexAny(rest, " ="); i >= 0 {
			key, data = rest[:i], strings.TrimLeft(rest[i:], " ")
			data = strings.TrimPrefix(data, "=")
			data = strings.TrimPrefix(data, " ")
		}
		path := "HKCR" + strings.TrimRight(key, `\`)
		if keepKey, keepValues, _ := p.want.keep(path); keepKey {
			k := p.hive.key(path)
			if keepValues {
				k.set("", StringValue(data))
			}
		}
	}
}

// parseLine reads one line at the start of an entry.
func (p *regParser) parseLine(n int, line string) {
	s := trimWS(line)
	switch {
	case s == "", s[0] == ';', s[0] == '#':
		// A blank or comment line; a \ at its end continues nothing.
	case s[0] == '[':
		p.parseKey(n, line, s)
	case s[0] == '"', s[0] == '@':
		p.parseValue(n, line, s)
	default:
		p.skip(n, SkipNotALine, line, false)
	}
}

// regRoots are the roots regedit takes in a key line, in any case; the
// short forms (HKLM) are reg.exe's command-line spelling and regedit
// rejects them.
var regRoots = map[string]string{
	"HKEY_LOCAL_MACHINE":  "HKLM",
	"HKEY_CURRENT_USER":   "HKCU",
	"HKEY_CLASSES_ROOT":   "HKCR",
	"HKEY_USERS":          "HKU",
	"HKEY_CURRENT_CONFIG": "HKCC",
	"HKEY_DYN_DATA":       "HKDD",
}

// rootOf finds a root's short form without allocating: a full export
// has hundreds of thousands of key lines.
func rootOf(name string) (string, bool) {
	for long, short := range regRoots {
		if strings.EqualFold(name, long) {
			return short, true
		}
	}
	return "", false
}

// parseKey reads "[key]" or "[-key]". The key ends at the line's last ];
// what follows it is ignored. Whitespace after [ or after - makes regedit
// reject the line; whitespace before ] is part of the key's name.
func (p *regParser) parseKey(n int, line, s string) {
	p.deleted = false
	end := strings.LastIndexByte(s, ']')
	reject := func(reason, attempted string) {
		p.key, p.keyBad = looseKey(attempted), true
		p.skip(n, reason, line, true)
		p.key = ""
	}
	if end < 0 {
		reject(SkipBadKey, s[1:])
		return
	}
	name := s[1:end]
	deleted := strings.HasPrefix(name, "-")
	name = strings.TrimPrefix(name, "-")
	if name == "" || name[0] == ' ' || name[0] == '\t' {
		reject(SkipBadKey, name)
		return
	}
	rootName, rest, _ := strings.Cut(name, `\`)
	root, ok := rootOf(rootName)
	if !ok {
		if _, short := roots[strings.ToUpper(rootName)]; short {
			reject(SkipShortRoot, name)
		} else {
			reject(SkipUnknownRoot, name)
		}
		return
	}
	key := root
	if rest = strings.TrimRight(rest, `\`); rest != "" {
		key += `\` + rest
	}
	if strings.Count(key, `\`) >= maxKeyDepth {
		reject(SkipTooDeep, name)
		return
	}
	p.key, p.keyBad, p.deleted = key, false, deleted
	keepKey, keepValues, child := p.want.keep(key)
	p.keepValues = keepValues && !deleted
	switch {
	case deleted && (keepKey || child != ""):
		p.hive.deleteKey(key) // a deletion elsewhere changes nothing read
	case deleted:
	case keepKey:
		p.hive.key(key)
	case child != "":
		p.hive.key(child)
	}
	if after := strings.TrimSpace(s[end+1:]); after != "" {
		p.skip(n, SkipAfterKey, line, false)
	}
}

// looseKey is a rejected key line's key, as well as it can be read, so
// that a check can tell that the line was meant for its keys.
func looseKey(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "-"))
	s = strings.TrimSuffix(s, "]")
	if k, err := NormalizeKey(s); err == nil {
		return k
	}
	return s
}

// parseValue reads a value line, and the lines a wrapped hex value goes
// on to. Whatever regedit would not import is skipped, naming the line.
func (p *regParser) parseValue(n int, line, s string) {
	var name string
	if s[0] == '@' {
		s = s[1:]
	} else {
		var ok bool
		name, s, ok = unquote(s)
		if !ok {
			p.skip(n, SkipBadName, line, false)
			return
		}
	}
	s = trimWS(s)
	if !strings.HasPrefix(s, "=") {
		p.skip(n, SkipNoEquals, line, false)
		return
	}
	data := trimWS(s[1:])
	v, reason, lastLine := p.parseData(data)
	switch {
	case reason != "":
		p.skip(lastLine, reason, line, false)
	case p.keyBad:
		p.skip(n, SkipUnderBadKey, line, false)
	case p.key == "":
		p.skip(n, SkipBeforeKey, line, false)
	case p.deleted:
		p.skip(n, SkipUnderDeletedKey, line, false)
	case !p.keepValues:
	case v == nil:
		p.hive.deleteValue(p.key, name)
	default:
		p.hive.key(p.key).set(name, *v)
	}
}

// unquote reads a "quoted" string from the start of s: \\ and \" stand for
// themselves; \0 makes regedit reject the value (import.c Wine70); other
// escapes are kept as written. It returns the string and the rest of s.
func unquote(s string) (string, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", false // a \ at the end of the line continues nothing
			}
			i++
			switch s[i] {
			case '\\', '"':
				b.WriteByte(s[i])
			case '0':
				return "", "", false
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// endsEntry reports whether what follows data lets regedit take it:
// nothing, blanks, or a ; comment. A # comment after data makes regedit
// skip the value (import.c Wine10, Wine12, Wine39c).
func endsEntry(rest string) (ok bool, hash bool) {
	rest = trimWS(rest)
	switch {
	case rest == "", rest[0] == ';':
		return true, false
	case rest[0] == '#':
		return false, true
	}
	return false, false
}

// parseData reads the data after =. It returns the value (nil for "-",
// delete), or the reason regedit skips it with the line it gave up on.
func (p *regParser) parseData(data string) (v *Value, reason string, line int) {
	line = p.line
	bad := func(r, hashR string, hash bool) (*Value, string, int) {
		if hash {
			return nil, hashR, line
		}
		return nil, r, line
	}
	switch {
	case strings.HasPrefix(data, "-"):
		if ok, hash := endsEntry(data[1:]); !ok {
			return bad(SkipBadData, SkipHashComment, hash)
		}
		return nil, "", line
	case strings.HasPrefix(data, `"`):
		s, rest, ok := unquote(data)
		if !ok {
			return nil, SkipBadString, line
		}
		if ok, hash := endsEntry(rest); !ok {
			return bad(SkipBadString, SkipHashComment, hash)
		}
		if !p.keepValues {
			return &Value{}, "", line
		}
		val := StringValue(s)
		return &val, "", line
	case strings.HasPrefix(data, "dword:"):
		h := trimWS(data[len("dword:"):])
		i := 0
		for i < len(h) && isHexDigit(h[i]) {
			i++
		}
		if i == 0 || i > 8 {
			return nil, SkipBadDWORD, line
		}
		if ok, hash := endsEntry(h[i:]); !ok {
			return bad(SkipBadDWORD, SkipHashComment, hash)
		}
		val := DWORDValue(uint32(parseHexUint(h[:i])))
		return &val, "", line
	case strings.HasPrefix(data, "hex:"):
		return p.parseHex(TypeBinary, data[len("hex:"):])
	case strings.HasPrefix(data, "hex("):
		rest := data[len("hex("):]
		i := 0
		for i < len(rest) && isHexDigit(rest[i]) {
			i++
		}
		if i == 0 || i > 8 || !strings.HasPrefix(rest[i:], "):") {
			return nil, SkipBadData, line
		}
		return p.parseHex(uint32(parseHexUint(rest[:i])), rest[i+2:])
	}
	return nil, SkipBadData, line
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func parseHexUint(s string) uint64 {
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		n = n<<4 | uint64(c)
	}
	return n
}

// parseHex reads comma-separated bytes, wrapped over lines by a \ after a
// comma (or right after the colon). Blank lines and ; comment lines
// inside the wrap are passed over; any other line that is not hex ends
// the value, and regedit drops both (import.c Wine55, Wine56). At the end
// of the file a wrap ends the value with what was read (Wine62).
func (p *regParser) parseHex(typ uint32, s string) (*Value, string, int) {
	var b []byte
	keep := p.keepValues
	start := true // at the start of the data or of a continuation line
	for {
		wrap, reason := scanHexBytes(s, start, &b, keep)
		if reason != "" {
			return nil, reason, p.line
		}
		if !wrap {
			break
		}
		// Find the next line that carries data.
		for {
			l, ok := p.next()
			if !ok {
				return p.hexValue(typ, b), "", p.line // the file ends inside the wrap
			}
			t := trimWS(l)
			if t == "" || t[0] == ';' {
				continue
			}
			s, start = t, true
			break
		}
		if !isHexDigit(s[0]) {
			// A comma, a backslash, a "name"=, [key] or # line: consumed,
			// as regedit does.
			return nil, SkipBrokenWrap, p.line
		}
	}
	return p.hexValue(typ, b), "", p.line
}

// scanHexBytes reads one line's bytes into b (when keep). It returns wrap
// when the line ends in \ (the value goes on), or a skip reason.
func scanHexBytes(s string, start bool, b *[]byte, keep bool) (wrap bool, reason string) {
	afterComma := start // a \ may come only where a byte could
	for {
		s = trimWS(s)
		switch {
		case s == "", s[0] == ';':
			return false, ""
		case s[0] == '#':
			return false, SkipHashComment
		case s[0] == '\\':
			if !afterComma {
				return false, SkipBadHex
			}
			if ok, _ := endsEntry(s[1:]); !ok {
				return false, SkipBadHex
			}
			return true, ""
		case !isHexDigit(s[0]):
			return false, SkipBadHex
		}
		if !afterComma {
			return false, SkipBadHex // two bytes with no comma between
		}
		i := 0
		for i < len(s) && isHexDigit(s[i]) {
			i++
		}
		if i > 2 {
			return false, SkipBadHex // a byte is at most two digits (Wine51)
		}
		if keep {
			*b = append(*b, byte(parseHexUint(s[:i])))
		}
		s = trimWS(s[i:])
		afterComma = false
		if strings.HasPrefix(s, ",") {
			s = s[1:]
			afterComma = true
			if t := trimWS(s); strings.HasPrefix(t, ",") {
				return false, SkipBadHex // ,, (Wine63b)
			}
		}
	}
}

// hexValue makes the value of hex data: REGEDIT4 strings are ANSI bytes,
// turned into UTF-16 as regedit does; string types get their NUL.
func (p *regParser) hexValue(typ uint32, b []byte) *Value {
	if !p.keepValues {
		return &Value{Type: typ}
	}
	if b == nil {
		b = []byte{}
	}
	isString := typ == TypeSZ || typ == TypeExpandSZ || typ == TypeMultiSZ
	if isString && p.ansi && len(b) > 0 {
		s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
		b = encodeUTF16(string(s))
	}
	if isString && len(b) >= 2 && (b[len(b)-2] != 0 || b[len(b)-1] != 0) {
		b = append(b, 0, 0)
	}
	return &Value{Type: typ, Data: b}
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 60 {
		return string([]rune(s)[:60]) + "…"
	}
	return s
}
