package winstate

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// MaxRegFileSize bounds a .reg export. A full HKLM export is a few
// hundred MiB of UTF-16; the keys qadoctor asks for are kilobytes.
const MaxRegFileSize = 256 << 20

// RegError is a problem in a .reg file, with its line.
type RegError struct {
	File string
	Line int
	Msg  string
}

func (e *RegError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

const (
	header5 = "Windows Registry Editor Version 5.00"
	header4 = "REGEDIT4"
)

// ParseReg reads a regedit export (.reg): UTF-16LE with a BOM as regedit
// writes it, or UTF-8 or ANSI (Windows-1252) text; the "Windows Registry
// Editor Version 5.00" or "REGEDIT4" header; [key] and [-key] sections;
// "name"=…, @=… and "name"=- lines; string, dword:, hex: and hex(n): data
// with line continuations. file names the input in errors.
//
// The hive knows only the keys the file names (with their subtrees, as
// regedit exports them): a value under another key is ErrNotCovered.
func ParseReg(file string, data []byte) (*Hive, error) {
	if len(data) > MaxRegFileSize {
		return nil, &RegError{File: file, Line: 0, Msg: fmt.Sprintf("file is larger than %d MiB; export only the keys asked for", MaxRegFileSize>>20)}
	}
	text, err := decodeRegText(data)
	if err != nil {
		return nil, &RegError{File: file, Line: 1, Msg: err.Error()}
	}
	p := &regParser{file: file, hive: newPartialHive()}
	if err := p.parse(text); err != nil {
		return nil, err
	}
	return p.hive, nil
}

// decodeRegText turns the file's bytes into text.
func decodeRegText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		b := data[2:]
		if len(b)%2 == 1 {
			b = b[:len(b)-1] // a torn last code unit; the parser reports what is missing
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u)), nil
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "", fmt.Errorf("UTF-16 big-endian text; regedit writes UTF-16 little-endian: export again with regedit")
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return string(data[3:]), nil
	case utf8.Valid(data):
		return string(data), nil
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("text is neither UTF-16, UTF-8 nor Windows-1252: %v", err)
	}
	return string(s), nil
}

type regParser struct {
	file    string
	hive    *Hive
	ansi    bool   // REGEDIT4: hex(2) and hex(7) data are ANSI, not UTF-16
	key     string // current key; "" before the first
	deleted bool   // the current section is [-key]
}

func (p *regParser) errorf(line int, format string, args ...any) error {
	return &RegError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *regParser) parse(text string) error {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	sawHeader := false
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimRight(lines[i], " \t\r")
		// A trailing backslash continues the line (regedit wraps hex data
		// at 80 columns, indenting the rest with two spaces).
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(line), "[") {
			i++
			line = line[:len(line)-1] + strings.TrimSpace(lines[i])
		}
		trimmed := strings.TrimSpace(line)
		if !sawHeader {
			switch {
			case trimmed == "":
				continue
			case trimmed == header5:
			case trimmed == header4:
				p.ansi = true
			default:
				return p.errorf(lineNo, "want the header %q or %q; is this a .reg export?", header5, header4)
			}
			sawHeader = true
			continue
		}
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, ";"):
		case strings.HasPrefix(trimmed, "["):
			if err := p.section(lineNo, trimmed); err != nil {
				return err
			}
		case strings.HasPrefix(trimmed, `"`) || strings.HasPrefix(trimmed, "@"):
			if err := p.value(lineNo, trimmed); err != nil {
				return err
			}
		default:
			return p.errorf(lineNo, "want a [key], a \"name\"=value line or a ; comment; got %q", clip(trimmed))
		}
	}
	if !sawHeader {
		return p.errorf(1, "empty file; want a .reg export starting with %q", header5)
	}
	return nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func (p *regParser) section(lineNo int, s string) error {
	if !strings.HasSuffix(s, "]") {
		return p.errorf(lineNo, "key line has no closing ]")
	}
	s = s[1 : len(s)-1]
	p.deleted = strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	key, err := NormalizeKey(s)
	if err != nil {
		return p.errorf(lineNo, "%v", err)
	}
	p.key = key
	if p.deleted {
		p.hive.deleteKey(key)
	} else {
		p.hive.key(key)
	}
	return nil
}

func (p *regParser) value(lineNo int, s string) error {
	if p.key == "" {
		return p.errorf(lineNo, "a value before any [key]")
	}
	var name, rest string
	if strings.HasPrefix(s, "@") {
		rest = strings.TrimSpace(s[1:])
	} else {
		n, r, err := unquote(s)
		if err != nil {
			return p.errorf(lineNo, "value name: %v", err)
		}
		name, rest = n, strings.TrimSpace(r)
	}
	if !strings.HasPrefix(rest, "=") {
		return p.errorf(lineNo, "want = after the value name")
	}
	data := strings.TrimSpace(rest[1:])
	if p.deleted {
		return nil // values under a deleted key are ignored, as regedit does
	}
	if data == "-" {
		p.hive.deleteValue(p.key, name)
		return nil
	}
	v, err := p.parseData(data)
	if err != nil {
		return p.errorf(lineNo, "value %q: %v", name, err)
	}
	p.hive.key(p.key).set(name, v)
	return nil
}

// unquote reads a "quoted" string with \\ and \" escapes from the start
// of s and returns it and the rest of s.
func unquote(s string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", fmt.Errorf("ends inside an escape")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("missing closing quote")
}

func (p *regParser) parseData(data string) (Value, error) {
	switch {
	case strings.HasPrefix(data, `"`):
		s, rest, err := unquote(data)
		if err != nil {
			return Value{}, err
		}
		if strings.TrimSpace(rest) != "" {
			return Value{}, fmt.Errorf("unexpected %q after the string", clip(rest))
		}
		return StringValue(s), nil
	case strings.HasPrefix(strings.ToLower(data), "dword:"):
		h := data[len("dword:"):]
		if len(h) == 0 || len(h) > 8 {
			return Value{}, fmt.Errorf("dword: wants 1 to 8 hex digits, got %q", h)
		}
		n, err := strconv.ParseUint(h, 16, 32)
		if err != nil {
			return Value{}, fmt.Errorf("dword: %q is not hexadecimal", h)
		}
		return DWORDValue(uint32(n)), nil
	case strings.HasPrefix(strings.ToLower(data), "hex"):
		return p.parseHex(data)
	}
	return Value{}, fmt.Errorf("want \"string\", dword:, hex: or hex(n): data; got %q", clip(data))
}

func (p *regParser) parseHex(data string) (Value, error) {
	typ := TypeBinary
	rest := data[3:]
	if strings.HasPrefix(rest, "(") {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return Value{}, fmt.Errorf("hex( without )")
		}
		t, err := strconv.ParseUint(rest[1:end], 16, 32)
		if err != nil {
			return Value{}, fmt.Errorf("hex(%s): the type is not hexadecimal", rest[1:end])
		}
		typ, rest = uint32(t), rest[end+1:]
	}
	if !strings.HasPrefix(rest, ":") {
		return Value{}, fmt.Errorf("want : after hex")
	}
	rest = strings.TrimSpace(rest[1:])
	var b []byte
	if rest != "" {
		for _, f := range strings.Split(rest, ",") {
			f = strings.TrimSpace(f)
			if f == "" && len(b) > 0 {
				continue // a trailing comma before a continuation
			}
			n, err := strconv.ParseUint(f, 16, 8)
			if err != nil {
				return Value{}, fmt.Errorf("byte %q is not two hex digits", clip(f))
			}
			b = append(b, byte(n))
		}
	}
	if p.ansi && (typ == TypeExpandSZ || typ == TypeMultiSZ) {
		// REGEDIT4 stores these strings as ANSI bytes.
		s, err := charmap.Windows1252.NewDecoder().Bytes(b)
		if err != nil {
			return Value{}, err
		}
		b = encodeUTF16(string(s))
	}
	return Value{Type: typ, Data: b}, nil
}
