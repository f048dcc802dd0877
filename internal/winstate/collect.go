package winstate

import (
	"encoding/hex"
	"errors"
	"regexp"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Collect reads every wanted value and subkey list from reg. source and
// file say where reg comes from ("live", "reg", "snapshot"). fileExists,
// when not nil, checks the files only a live run can see.
func Collect(reg Registry, source, file string, fileExists func(string) bool) facts.System {
	s := facts.System{State: facts.SystemRead, Source: source, File: file}
	for _, w := range Wanted() {
		s.Values = append(s.Values, readValue(reg, w))
	}
	for _, k := range WantedSubKeys() {
		l := facts.RegKeyList{Key: k}
		names, err := reg.SubKeys(k)
		l.State, l.Error = stateOf(err)
		l.Names = names
		s.SubKeys = append(s.SubKeys, l)
	}
	for _, t := range WantedTrees() {
		l := facts.RegKeyList{Key: t.Key}
		names, err := reg.SubKeys(t.Key)
		l.State, l.Error = stateOf(err)
		if len(names) > MaxTreeChildren {
			names = names[:MaxTreeChildren]
		}
		l.Names = names
		s.SubKeys = append(s.SubKeys, l)
		for _, child := range names {
			for _, n := range t.Names {
				s.Values = append(s.Values, readValue(reg, ValueRef{t.Key + `\` + child, n}))
			}
		}
	}
	if sk, ok := reg.(skipper); ok {
		lines, total := sk.Skipped()
		for _, l := range lines {
			s.RegSkipped = append(s.RegSkipped, facts.RegSkip{Line: l.Line, Key: l.Key, KeyRow: l.KeyRow, Reason: l.Reason, Text: StripCredentials(l.Text)})
		}
		s.RegSkippedTotal = total
	}
	if fileExists != nil {
		for _, p := range WantedFiles {
			s.Files = append(s.Files, facts.FileFact{Path: p, Exists: fileExists(p)})
		}
	}
	return s
}

// skipper is a source that read a file and passed over some of its
// lines: a .reg export.
type skipper interface {
	Skipped() ([]SkippedLine, int)
}

// LegacyQuickAssistPath is the retired built-in Quick Assist (the Windows
// capability App.Support.QuickAssist), told apart from the Store app by
// its path (REFERENCE.md "WebView2 and the app").
const LegacyQuickAssistPath = `C:\Windows\System32\quickassist.exe`

func stateOf(err error) (state, msg string) {
	switch {
	case err == nil:
		return facts.ValueSet, ""
	case errors.Is(err, ErrNotExist):
		return facts.ValueAbsent, ""
	case errors.Is(err, ErrNotCovered):
		return facts.ValueUnknown, ""
	}
	return facts.ValueError, err.Error()
}

func readValue(reg Registry, w ValueRef) facts.RegValue {
	rv := facts.RegValue{Key: w.Key, Name: w.Name}
	v, err := reg.Value(w.Key, w.Name)
	rv.State, rv.Error = stateOf(err)
	if err == nil {
		v = withoutCredentials(v)
		rv.Type = TypeName(v.Type)
		rv.Data = hex.EncodeToString(v.Data)
		rv.Display = v.String()
	}
	return rv
}

// Credentials finds user:password@ in front of a host, which some people
// type into ProxyServer (Windows' proxy settings do not take it; it is
// still a password). The first group is what comes before it.
var Credentials = regexp.MustCompile(`(^|//|[\s"'=;,(])[^\s/@:"'<>;,()]+:[^\s/@"'<>;,()]*@`)

// StripCredentials removes user:password@ before a host.
func StripCredentials(s string) string { return Credentials.ReplaceAllString(s, "${1}") }

// withoutCredentials keeps a value's credentials out of every fact: a
// string value as text, and a binary one (the connection blobs hold the
// proxy as ASCII) as bytes. No check reads credentials, and nothing that
// records the system state (a snapshot, a report, a bundle) may hold one.
func withoutCredentials(v Value) Value {
	switch v.Type {
	case TypeSZ, TypeExpandSZ:
		if s := v.String(); StripCredentials(s) != s {
			return Value{Type: v.Type, Data: StringValue(StripCredentials(s)).Data}
		}
	case TypeBinary:
		if s := string(v.Data); StripCredentials(s) != s {
			return Value{Type: v.Type, Data: []byte(StripCredentials(s))}
		}
	}
	return v
}

// FromFact turns a recorded value back into a Value; ok is false unless
// the value was set.
func FromFact(rv facts.RegValue) (v Value, ok bool) {
	if rv.State != facts.ValueSet {
		return Value{}, false
	}
	t, known := typeCodes[rv.Type]
	data, err := hex.DecodeString(rv.Data)
	if !known || err != nil {
		return Value{}, false
	}
	return Value{Type: t, Data: data}, true
}

var typeCodes = func() map[string]uint32 {
	m := map[string]uint32{}
	for _, t := range []uint32{TypeNone, TypeSZ, TypeExpandSZ, TypeBinary, TypeDWORD, TypeDWORDBE, TypeMultiSZ, TypeQWORD} {
		m[TypeName(t)] = t
	}
	return m
}()

// Lookup finds a recorded value by key and name, ignoring case.
func Lookup(s facts.System, key, name string) facts.RegValue {
	for _, v := range s.Values {
		if strings.EqualFold(v.Key, key) && strings.EqualFold(v.Name, name) {
			return v
		}
	}
	return facts.RegValue{Key: key, Name: name, State: facts.ValueUnknown}
}
