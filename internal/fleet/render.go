package fleet

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

var statuses = []string{"fail", "warn", "error", "skip", "pass"}

// WriteText writes the summary for a person: top causes first.
func WriteText(w io.Writer, s *Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d reports", s.Reports)
	if s.Unreadable > 0 {
		fmt.Fprintf(&b, ", %d files unreadable (listed at the end)", s.Unreadable)
	}
	fmt.Fprintf(&b, "; %d failed, %d warned, %d passed.\n\n", s.Status["fail"], s.Status["warn"], s.Status["pass"])
	b.WriteString("Most likely cause, per machine:\n")
	for i, c := range Top(s.Verdicts) {
		if i == 15 {
			break
		}
		fmt.Fprintf(&b, "  %7d  %s\n", c.Count, c.Name)
	}
	b.WriteString("\nFailing or warning causes (a machine may have several):\n")
	for i, c := range Top(s.Causes) {
		if i == 30 {
			break
		}
		fmt.Fprintf(&b, "  %7d  %s\n", c.Count, c.Name)
	}
	b.WriteString("\nPer check (machines):\n")
	fmt.Fprintf(&b, "  %-18s %7s %7s %7s %7s %7s\n", "check", "fail", "warn", "error", "skip", "pass")
	for _, id := range s.FindingIDs() {
		m := s.Findings[id]
		fmt.Fprintf(&b, "  %-18s %7d %7d %7d %7d %7d\n", id, m["fail"], m["warn"], m["error"], m["skip"], m["pass"])
	}
	b.WriteString("\nVersions seen:\n")
	for _, c := range Top(s.ToolVersions) {
		fmt.Fprintf(&b, "  %7d  qadoctor %s\n", c.Count, c.Name)
	}
	for _, c := range Top(s.ProfileVersions) {
		fmt.Fprintf(&b, "  %7d  profile %s\n", c.Count, c.Name)
	}
	if s.Unreadable > 0 {
		fmt.Fprintf(&b, "\nUnreadable files (%d):\n", s.Unreadable)
		for _, sk := range s.Skipped {
			fmt.Fprintf(&b, "  %s: %s\n", sk.Path, sk.Reason)
		}
		if s.Unreadable > len(s.Skipped) {
			fmt.Fprintf(&b, "  … and %d more\n", s.Unreadable-len(s.Skipped))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes one row per check and status, for a spreadsheet.
func WriteCSV(w io.Writer, s *Summary) error {
	c := csv.NewWriter(w)
	c.Write([]string{"check", "status", "machines"})
	for _, id := range s.FindingIDs() {
		for _, st := range statuses {
			if n := s.Findings[id][st]; n > 0 {
				c.Write([]string{id, st, fmt.Sprint(n)})
			}
		}
	}
	for _, cause := range Top(s.Causes) {
		c.Write([]string{cause.Name, "cause", fmt.Sprint(cause.Count)})
	}
	c.Write([]string{"(unreadable files)", "error", fmt.Sprint(s.Unreadable)})
	c.Flush()
	return c.Error()
}

// WriteJSON writes the summary as JSON.
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

var page = template.Must(template.New("summary").Funcs(template.FuncMap{"top": Top}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>qadoctor fleet summary</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}td.n{text-align:right}.fail{color:#b00020}</style></head>
<body><h1>qadoctor fleet summary</h1>
<p>{{.Reports}} reports; <span class="fail">{{index .Status "fail"}} failed</span>, {{index .Status "warn"}} warned, {{index .Status "pass"}} passed; {{.Unreadable}} unreadable files.</p>
<h2>Most likely cause</h2><table><tr><th>machines</th><th>cause</th></tr>
{{range top .Verdicts}}<tr><td class="n">{{.Count}}</td><td>{{.Name}}</td></tr>{{end}}</table>
<h2>Causes</h2><table><tr><th>machines</th><th>check: reason</th></tr>
{{range top .Causes}}<tr><td class="n">{{.Count}}</td><td>{{.Name}}</td></tr>{{end}}</table>
<h2>Per check</h2><table><tr><th>check</th><th>fail</th><th>warn</th><th>error</th><th>skip</th><th>pass</th></tr>
{{range $id, $m := .Findings}}<tr><td>{{$id}}</td><td class="n">{{index $m "fail"}}</td><td class="n">{{index $m "warn"}}</td><td class="n">{{index $m "error"}}</td><td class="n">{{index $m "skip"}}</td><td class="n">{{index $m "pass"}}</td></tr>{{end}}</table>
{{if .Skipped}}<h2>Unreadable files</h2><ul>{{range .Skipped}}<li>{{.Path}}: {{.Reason}}</li>{{end}}</ul>{{end}}
</body></html>
`))

// WriteHTML writes a self-contained page (no scripts, no external files).
func WriteHTML(w io.Writer, s *Summary) error { return page.Execute(w, s) }
