package eventlog

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/Velocidex/ordereddict"
	evtx "www.velocidex.com/golang/evtx"
)

// maxValueDepth bounds how deep toString and the UserData walk go into the
// library's nested dictionaries (real ones: 2).
const maxValueDepth = 4

// fromLibrary reads the parts of a parsed record the table needs. The
// library renders a record as ordered dictionaries: {"Event": {"System":
// {...}, "EventData": {...} | "UserData": {...}}}. It returns false for a
// record without a System part.
func fromLibrary(rec *evtx.EventRecord, maxValues int) (event, bool) {
	var e event
	root, ok := rec.Event.(*ordereddict.Dict)
	if !ok {
		return e, false
	}
	ev, ok := dict(root, "Event")
	if !ok {
		return e, false
	}
	sys, ok := dict(ev, "System")
	if !ok {
		return e, false
	}
	if p, ok := dict(sys, "Provider"); ok {
		e.Provider = str(p, "Name")
	}
	e.Channel = str(sys, "Channel")
	if v, ok := sys.Get("EventID"); ok {
		if d, ok := v.(*ordereddict.Dict); ok { // {"Qualifiers": q, "Value": id}
			v, _ = d.Get("Value")
		}
		if n, ok := number(v); ok && n <= math.MaxUint16 {
			e.EventID = int(n)
		}
	}
	if v, ok := sys.Get("Level"); ok {
		if n, ok := number(v); ok && n <= math.MaxUint8 {
			e.Level = int(n)
		}
	}
	if v, ok := sys.Get("EventRecordID"); ok { // the number Event Viewer shows
		if n, ok := number(v); ok {
			e.RecordID = n
		}
	}
	if e.RecordID == 0 {
		e.RecordID = rec.Header.RecordID
	}
	// TimeCreated comes as a float64 of seconds, converted from a
	// FILETIME by way of a float64 of 100 ns units (good to about 1.1 µs
	// today); the record header's FILETIME is exact and is, on every
	// sample record, the same instant. The header's is used when they
	// agree to within that error, TimeCreated when they differ, the
	// header's when there is no TimeCreated.
	head := filetime(rec.Header.FileTime)
	e.Time = head
	if tc, ok := dict(sys, "TimeCreated"); ok {
		if v, ok := tc.Get("SystemTime"); ok {
			if f, ok := v.(float64); ok {
				if t := unixFloat(f); !t.IsZero() && (head.IsZero() || absDur(t.Sub(head)) > 3*time.Microsecond) {
					e.Time = t
				}
			}
		}
	}
	if d, ok := dict(ev, "EventData"); ok {
		e.addData(d, maxValues)
	} else if d, ok := dict(ev, "UserData"); ok {
		// UserData holds one provider-defined element of named values
		// (<UserData><EventXML><param1>…</param1></EventXML></UserData>).
		for _, it := range d.Items() {
			if inner, ok := it.Value.(*ordereddict.Dict); ok {
				e.addData(inner, maxValues)
				break
			}
		}
	}
	return e, true
}

// addData takes an EventData dictionary: named values, or (classic
// providers) "Data" holding the unnamed ones.
func (e *event) addData(d *ordereddict.Dict, maxValues int) {
	for _, it := range d.Items() {
		if len(e.Named)+len(e.Pos) >= maxValues {
			return
		}
		if it.Key != "Data" {
			e.Named = append(e.Named, namedValue{it.Key, toString(it.Value, 0)})
			continue
		}
		switch v := it.Value.(type) {
		case []string: // one substitution of type string array (SOURCES.md note 4)
			for _, s := range v {
				if len(e.Pos) >= maxValues {
					break
				}
				e.Pos = append(e.Pos, s)
			}
		case []interface{}: // one <Data> per value
			for _, x := range v {
				if len(e.Named)+len(e.Pos) >= maxValues {
					break
				}
				if nd, ok := x.(*ordereddict.Dict); ok { // <Data Name=…> the library did not fold
					if name := str(nd, "Name"); name != "" {
						val, _ := nd.Get("Value")
						e.Named = append(e.Named, namedValue{name, toString(val, 0)})
						continue
					}
				}
				e.Pos = append(e.Pos, toString(x, 0))
			}
		case *ordereddict.Dict: // a single <Data Name=…>
			if name := str(v, "Name"); name != "" {
				val, _ := v.Get("Value")
				e.Named = append(e.Named, namedValue{name, toString(val, 0)})
			}
		default:
			e.Pos = append(e.Pos, toString(v, 0))
		}
	}
}

func dict(d *ordereddict.Dict, key string) (*ordereddict.Dict, bool) {
	v, ok := d.Get(key)
	if !ok {
		return nil, false
	}
	out, ok := v.(*ordereddict.Dict)
	return out, ok
}

func str(d *ordereddict.Dict, key string) string {
	v, _ := d.Get(key)
	s, _ := v.(string)
	return s
}

// number reads the library's unsigned and signed integers.
func number(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint8:
		return uint64(n), true
	case uint16:
		return uint64(n), true
	case uint32:
		return uint64(n), true
	case uint64:
		return n, true
	case int32:
		if n >= 0 {
			return uint64(n), true
		}
	case int64:
		if n >= 0 {
			return uint64(n), true
		}
	}
	return 0, false
}

// toString writes a value as Windows' event XML does: integers in
// decimal (a field the table marks Hex is rewritten by keep), booleans as
// true/false, binary as hex digits.
func toString(v any, depth int) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return hex.EncodeToString(x[:min(len(x), 1024)])
	case uint8, uint16, uint32, uint64, int32, int64:
		return fmt.Sprint(x)
	case []string:
		if len(x) == 1 {
			return x[0]
		}
	case []interface{}:
		if len(x) == 1 && depth < maxValueDepth {
			return toString(x[0], depth+1)
		}
	}
	return "" // nested structures are not values
}

// unixFloat converts the library's TimeCreated (seconds since 1970 as a
// float64, converted from a FILETIME) to a UTC time, to the microsecond
// (the float is good to about 1.1 µs). Out-of-range values give the zero
// time.
func unixFloat(f float64) time.Time {
	// FILETIME runs from 1601; Windows' own times end in 30828.
	const lo, hi = -11644473600, 910692730085
	if math.IsNaN(f) || f < lo || f > hi {
		return time.Time{}
	}
	sec := math.Floor(f)
	us := math.Round((f - sec) * 1e6)
	return time.Unix(int64(sec), int64(us)*1000).UTC()
}

// filetime converts a FILETIME (100 ns since 1601-01-01 UTC).
func filetime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDiff {
		return time.Time{}
	}
	d := ft - epochDiff
	return time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
