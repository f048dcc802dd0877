// Package winstate reads the Windows system state qadoctor judges: the
// registry values behind TLS, time and the Quick Assist app. One small
// interface, Registry, has three sources: the live registry (Windows
// only), a regedit .reg export, and a JSON snapshot written by
// `qadoctor collect`. Whatever the source, Collect turns it into the same
// facts, so a machine judged from a file reads like one judged live.
package winstate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ErrNotExist means the key or value is not set: "not configured", which
// for most values means the Windows default applies.
var ErrNotExist = errors.New("not set")

// ErrNotCovered means the source cannot say: a .reg export that does not
// include the key. It is not the same as "not set".
var ErrNotCovered = errors.New("not in the export")

// Registry reads registry values. Keys are full paths with a short root:
// `HKLM\SYSTEM\CurrentControlSet\...` or `HKCU\Software\...`. Paths name
// the 64-bit view; 32-bit values are read through their Wow6432Node path.
type Registry interface {
	// Value returns a value, ErrNotExist when it is not set, or
	// ErrNotCovered when the source does not know.
	Value(key, name string) (Value, error)
	// SubKeys lists the names of a key's subkeys, with the same errors.
	SubKeys(key string) ([]string, error)
}

// Registry value types, as regedit and the Win32 API number them.
const (
	TypeNone     uint32 = 0
	TypeSZ       uint32 = 1
	TypeExpandSZ uint32 = 2
	TypeBinary   uint32 = 3
	TypeDWORD    uint32 = 4
	TypeDWORDBE  uint32 = 5
	TypeMultiSZ  uint32 = 7
	TypeQWORD    uint32 = 11
)

// TypeName spells a type as regedit does.
func TypeName(t uint32) string {
	switch t {
	case TypeNone:
		return "REG_NONE"
	case TypeSZ:
		return "REG_SZ"
	case TypeExpandSZ:
		return "REG_EXPAND_SZ"
	case TypeBinary:
		return "REG_BINARY"
	case TypeDWORD:
		return "REG_DWORD"
	case TypeDWORDBE:
		return "REG_DWORD_BIG_ENDIAN"
	case TypeMultiSZ:
		return "REG_MULTI_SZ"
	case TypeQWORD:
		return "REG_QWORD"
	}
	return fmt.Sprintf("REG_TYPE_%d", t)
}

// Value is one registry value: its type and raw bytes, as the registry
// stores them (strings are UTF-16LE with their terminating NULs).
type Value struct {
	Type uint32
	Data []byte
}

// Uint reads a number: REG_DWORD, REG_QWORD, big-endian DWORD, or a
// string holding a decimal or 0x-hex number (policies written by hand
// sometimes are).
func (v Value) Uint() (uint64, error) {
	switch v.Type {
	case TypeDWORD:
		if len(v.Data) < 4 {
			return 0, fmt.Errorf("%s holds %d bytes; want 4", TypeName(v.Type), len(v.Data))
		}
		return uint64(binary.LittleEndian.Uint32(v.Data)), nil
	case TypeDWORDBE:
		if len(v.Data) < 4 {
			return 0, fmt.Errorf("%s holds %d bytes; want 4", TypeName(v.Type), len(v.Data))
		}
		return uint64(binary.BigEndian.Uint32(v.Data)), nil
	case TypeQWORD:
		if len(v.Data) < 8 {
			return 0, fmt.Errorf("%s holds %d bytes; want 8", TypeName(v.Type), len(v.Data))
		}
		return binary.LittleEndian.Uint64(v.Data), nil
	case TypeSZ, TypeExpandSZ:
		s := strings.TrimSpace(v.String())
		n, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q is not a number", TypeName(v.Type), s)
		}
		return n, nil
	}
	return 0, fmt.Errorf("%s is not a number type", TypeName(v.Type))
}

// String reads a string value; numbers are formatted in decimal.
func (v Value) String() string {
	switch v.Type {
	case TypeSZ, TypeExpandSZ:
		s := decodeUTF16(v.Data)
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return s
	case TypeMultiSZ:
		return strings.Join(v.Strings(), "\n")
	case TypeDWORD, TypeDWORDBE, TypeQWORD:
		if n, err := v.Uint(); err == nil {
			return strconv.FormatUint(n, 10)
		}
	}
	return fmt.Sprintf("% x", v.Data)
}

// Strings reads a REG_MULTI_SZ; a single string becomes a list of one.
func (v Value) Strings() []string {
	if v.Type != TypeMultiSZ {
		if s := v.String(); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, s := range strings.Split(decodeUTF16(v.Data), "\x00") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// DecodeUTF16 reads UTF-16LE bytes (a registry string's data) as text.
func DecodeUTF16(b []byte) string { return decodeUTF16(b) }

// EncodeUTF16 writes text as UTF-16LE bytes, with no terminating NUL.
func EncodeUTF16(s string) []byte { return encodeUTF16(s) }

func decodeUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func encodeUTF16(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

// StringValue makes a REG_SZ.
func StringValue(s string) Value { return Value{Type: TypeSZ, Data: encodeUTF16(s + "\x00")} }

// DWORDValue makes a REG_DWORD.
func DWORDValue(n uint32) Value {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, n)
	return Value{Type: TypeDWORD, Data: b}
}

// MultiStringValue makes a REG_MULTI_SZ.
func MultiStringValue(ss ...string) Value {
	return Value{Type: TypeMultiSZ, Data: encodeUTF16(strings.Join(ss, "\x00") + "\x00\x00")}
}

// roots maps every spelling of a registry root to its short form.
var roots = map[string]string{
	"HKEY_LOCAL_MACHINE":  "HKLM",
	"HKLM":                "HKLM",
	"HKEY_CURRENT_USER":   "HKCU",
	"HKCU":                "HKCU",
	"HKEY_CLASSES_ROOT":   "HKCR",
	"HKCR":                "HKCR",
	"HKEY_USERS":          "HKU",
	"HKU":                 "HKU",
	"HKEY_CURRENT_CONFIG": "HKCC",
	"HKCC":                "HKCC",
}

// NormalizeKey returns key with a short root and no trailing backslash,
// or an error when the root is unknown.
func NormalizeKey(key string) (string, error) {
	key = strings.Trim(strings.TrimSpace(key), `\`)
	root, rest, _ := strings.Cut(key, `\`)
	short, ok := roots[strings.ToUpper(root)]
	if !ok {
		return "", fmt.Errorf("unknown registry root %q; want HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_USERS, HKEY_CLASSES_ROOT or HKEY_CURRENT_CONFIG", root)
	}
	if rest == "" {
		return short, nil
	}
	return short + `\` + rest, nil
}

// ErrNotWindows says the live system state exists only on Windows.
var ErrNotWindows = errors.New("the live Windows registry exists only on Windows; run qadoctor collect there and analyze the file here")
