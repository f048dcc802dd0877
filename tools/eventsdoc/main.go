// Command eventsdoc writes docs/events.md from the wanted-events table in
// internal/eventlog/table.go, the one place the Windows event records
// qadoctor reads are kept, with what each means, the leg of a session it
// speaks for, the values kept and the source:
//
//	go run ./tools/eventsdoc > docs/events.md
//
// TestEventsDocUpToDate fails when the two differ.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/qadoctor/qadoctor/internal/eventlog"
)

func main() {
	if _, err := os.Stdout.Write(doc()); err != nil {
		os.Exit(1)
	}
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func doc() []byte {
	var b bytes.Buffer
	b.WriteString("# The Windows event records qadoctor reads\n\n")
	b.WriteString("Generated from `internal/eventlog/table.go` by `go run ./tools/eventsdoc > docs/events.md`; edit the table, not this file.\n\n")
	b.WriteString("`app.last-session` reads these records, live through the Event Log API on the PC or from `.evtx` files given to `analyze`,\n")
	b.WriteString("within the window of the sessions Quick Assist's History records, and keeps only the values named here: no user,\n")
	b.WriteString("computer or path. A record of level critical or error at the end of the last session is a record of the failure.\n\n")
	b.WriteString("| code | channel | provider | event IDs | levels | only when | values kept | leg | means | source |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range eventlog.Rows() {
		ids := make([]string, len(r.EventIDs))
		for i, id := range r.EventIDs {
			ids[i] = fmt.Sprint(id)
		}
		levels := make([]string, len(r.Levels))
		for i, l := range r.Levels {
			levels[i] = fmt.Sprint(l)
		}
		var fields []string
		for _, f := range r.Fields {
			s := f.Name
			if f.Pos > 0 {
				s += fmt.Sprintf(" (%%%d)", f.Pos)
			}
			fields = append(fields, s)
		}
		only := ""
		if f := r.Filter; f != nil {
			only = fmt.Sprintf("%s %s %s", f.Field, [...]string{"is", "is (any case)", "contains"}[f.Op], strings.Join(f.Values, " or "))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.Code, cell(r.Channel), cell(or(strings.Join(r.Providers, ", "), "any")), or(strings.Join(ids, ", "), "any"),
			or(strings.Join(levels, ", "), "any"), cell(only), cell(or(strings.Join(fields, ", "), "none")), r.Leg, cell(r.Means), cell(r.Source))
	}
	return b.Bytes()
}

func or(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
