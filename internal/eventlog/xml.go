package eventlog

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Bounds of one rendered record. Windows renders a record in 1–4 KiB (a
// certificate as hex in Schannel 36882's data makes about 8); the Event
// schema nests 4 deep (Event/UserData/EventXML/param1).
const (
	maxXMLSize  = 64 << 10
	maxXMLDepth = 16
	// maxXMLText bounds one value's text before clean cuts it.
	maxXMLText = 4 << 10
)

var errXMLTooLarge = errors.New("the record's XML is larger than 64 KiB")

// parseEventXML reads a record as EvtRender(EvtRenderEventXml) writes it
// (the Event schema, http://schemas.microsoft.com/win/2004/08/events/event):
// System's Provider/@Name, EventID, Level, TimeCreated/@SystemTime,
// EventRecordID and Channel, and the values of EventData's Data elements
// (named by their Name attribute, else by position) or of UserData's one
// element's children.
func parseEventXML(b []byte) (event, error) {
	var e event
	if len(b) > maxXMLSize {
		return e, errXMLTooLarge
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var (
		path    []string // local names of the open elements
		text    strings.Builder
		dataKey string // the open Data element's Name
		seen    bool   // an Event element was opened
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return e, fmt.Errorf("event XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(path) >= maxXMLDepth {
				return e, errors.New("event XML nests too deep")
			}
			path = append(path, t.Name.Local)
			text.Reset()
			if len(path) == 1 {
				if t.Name.Local != "Event" {
					return e, fmt.Errorf("event XML: the root is <%s>, not <Event>", t.Name.Local)
				}
				seen = true
			}
			switch {
			case at(path, "Event", "System", "Provider"):
				e.Provider = attr(t, "Name")
			case at(path, "Event", "System", "TimeCreated"):
				if v := attr(t, "SystemTime"); v != "" {
					tm, err := time.Parse(time.RFC3339Nano, v)
					if err != nil {
						return e, fmt.Errorf("event XML: TimeCreated %q: %w", v, err)
					}
					e.Time = tm.UTC()
				}
			case at(path, "Event", "EventData", "Data"):
				dataKey = attr(t, "Name")
			}
		case xml.CharData: // kept up to maxXMLText; clean cuts it further
			if room := maxXMLText - text.Len(); room > 0 {
				text.Write(t[:min(len(t), room)])
			}
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			switch {
			case at(path, "Event", "System", "EventID"):
				n, err := strconv.ParseUint(v, 10, 16)
				if err != nil {
					return e, fmt.Errorf("event XML: EventID %q: %w", v, err)
				}
				e.EventID = int(n)
			case at(path, "Event", "System", "Level"):
				n, err := strconv.ParseUint(v, 10, 8)
				if err != nil {
					return e, fmt.Errorf("event XML: Level %q: %w", v, err)
				}
				e.Level = int(n)
			case at(path, "Event", "System", "EventRecordID"):
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return e, fmt.Errorf("event XML: EventRecordID %q: %w", v, err)
				}
				e.RecordID = n
			case at(path, "Event", "System", "Channel"):
				e.Channel = v
			case at(path, "Event", "EventData", "Data"):
				raw := text.String() // a value keeps its spaces
				if len(e.Named)+len(e.Pos) < maxRawValues {
					if dataKey != "" {
						e.Named = append(e.Named, namedValue{dataKey, raw})
					} else {
						e.Pos = append(e.Pos, raw)
					}
				}
				dataKey = ""
			case len(path) == 4 && path[0] == "Event" && path[1] == "UserData":
				if len(e.Named)+len(e.Pos) < maxRawValues {
					e.Named = append(e.Named, namedValue{path[3], text.String()})
				}
			}
			text.Reset()
			path = path[:len(path)-1]
		}
	}
	if !seen {
		return e, errors.New("event XML: no <Event> element")
	}
	return e, nil
}

// at says the open elements are exactly these.
func at(path []string, names ...string) bool {
	if len(path) != len(names) {
		return false
	}
	for i, n := range names {
		if path[i] != n {
			return false
		}
	}
	return true
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}
