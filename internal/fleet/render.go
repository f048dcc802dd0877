package fleet

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

var statuses = []string{"fail", "warn", "error", "skip", "pass"}

// WriteText writes the summary for a person, in tr's language: top
// causes first. Check IDs and reasons stay as the reports have them.
func WriteText(w io.Writer, s *Summary, tr *i18n.Printer) error {
	var b strings.Builder
	b.WriteString(tr.Sprintf("%d reports", s.Reports))
	if s.Unreadable > 0 {
		b.WriteString(tr.Sprintf(", %d files unreadable (listed at the end)", s.Unreadable))
	}
	if s.Ignored > 0 {
		b.WriteString(tr.Sprintf(", %d other files ignored (not named *.json or *.csv)", s.Ignored))
	}
	b.WriteString(tr.Sprintf("; %d failed, %d warned, %d passed.", s.Status["fail"], s.Status["warn"], s.Status["pass"]) + "\n\n")
	b.WriteString(tr.Sprintf("Most likely cause, per machine:") + "\n")
	for i, c := range Top(s.Verdicts) {
		if i == 15 {
			break
		}
		fmt.Fprintf(&b, "  %7d  %s\n", c.Count, escape.Terminal(c.Name))
	}
	beyond(&b, s.Beyond.Verdicts, tr)
	b.WriteString("\n" + tr.Sprintf("Failing or warning causes (a machine may have several):") + "\n")
	for i, c := range Top(s.Causes) {
		if i == 30 {
			break
		}
		fmt.Fprintf(&b, "  %7d  %s\n", c.Count, escape.Terminal(c.Name))
	}
	beyond(&b, s.Beyond.Causes, tr)
	b.WriteString("\n" + tr.Sprintf("Per check (machines):") + "\n")
	fmt.Fprintf(&b, "  %-18s %7s %7s %7s %7s %7s\n", "check", "fail", "warn", "error", "skip", "pass")
	for _, id := range s.FindingIDs() {
		m := s.Findings[id]
		fmt.Fprintf(&b, "  %-18s %7d %7d %7d %7d %7d\n", escape.Terminal(id), m["fail"], m["warn"], m["error"], m["skip"], m["pass"])
	}
	beyond(&b, s.Beyond.Findings, tr)
	b.WriteString("\n" + tr.Sprintf("Versions seen:") + "\n")
	for _, c := range Top(s.ToolVersions) {
		fmt.Fprintf(&b, "  %7d  qadoctor %s\n", c.Count, escape.Terminal(c.Name))
	}
	beyond(&b, s.Beyond.ToolVersions, tr)
	for _, c := range Top(s.ProfileVersions) {
		fmt.Fprintf(&b, "  %7d  profile %s\n", c.Count, escape.Terminal(c.Name))
	}
	beyond(&b, s.Beyond.ProfileVersions, tr)
	if s.Unreadable > 0 {
		b.WriteString("\n" + tr.Sprintf("Unreadable files (%d):", s.Unreadable) + "\n")
		for _, sk := range s.Skipped {
			fmt.Fprintf(&b, "  %s: %s\n", escape.Terminal(sk.Path), escape.Terminal(tr.Text(sk.Reason)))
		}
		if s.Unreadable > len(s.Skipped) {
			b.WriteString("  " + tr.Sprintf("… and %d more", s.Unreadable-len(s.Skipped)) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// beyond writes a table's line for what it has no row for, if anything.
func beyond(b *strings.Builder, n int, tr *i18n.Printer) {
	if n > 0 {
		b.WriteString("  " + tr.Sprintf("… and %d more, under names past the %d per table a summary keeps (the first in name order)", n, MaxNames) + "\n")
	}
}

// WriteCSV writes one row per check and status, for a spreadsheet; what
// the tables have no row for is one row each ("(other checks)").
func WriteCSV(w io.Writer, s *Summary) error {
	c := csv.NewWriter(w)
	c.Write([]string{"check", "status", "machines"})
	for _, id := range s.FindingIDs() {
		for _, st := range statuses {
			if n := s.Findings[id][st]; n > 0 {
				c.Write([]string{escape.CSVCell(id), st, fmt.Sprint(n)})
			}
		}
	}
	if s.Beyond.Findings > 0 {
		c.Write([]string{"(other checks)", "any", fmt.Sprint(s.Beyond.Findings)})
	}
	for _, cause := range Top(s.Causes) {
		c.Write([]string{escape.CSVCell(cause.Name), "cause", fmt.Sprint(cause.Count)})
	}
	if s.Beyond.Causes > 0 {
		c.Write([]string{"(other causes)", "cause", fmt.Sprint(s.Beyond.Causes)})
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

// page is parsed with English words; WriteHTML gives each page's clone
// the person's.
var page = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("summary").Funcs(template.FuncMap(i18n.New(i18n.English).TemplateFuncs())).Funcs(template.FuncMap{
		"top":      Top,
		"maxNames": func() int { return MaxNames },
		"reason":   func(s string) string { return s },
	}).Parse(`<!doctype html>
<html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t "qadoctor fleet summary"}}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}td.n,th.n{text-align:right}.fail{color:#b00020}</style></head>
<body><h1>{{t "qadoctor fleet summary"}}</h1>
<p>{{t "%d reports" .Reports}}<span class="fail">{{t "; %d failed, %d warned, %d passed." (index .Status "fail") (index .Status "warn") (index .Status "pass")}}</span> {{t "%d unreadable files." .Unreadable}}{{if .Ignored}} {{t "%d other files ignored (not named *.json or *.csv)." .Ignored}}{{end}}</p>
<h2>{{t "Most likely cause, per machine:"}}</h2><table><tr><th class="n">{{t "machines"}}</th><th>{{t "cause"}}</th></tr>
{{range top .Verdicts}}<tr><td class="n">{{.Count}}</td><td>{{.Name}}</td></tr>{{end}}</table>
{{template "beyond" .Beyond.Verdicts}}
<h2>{{t "Failing or warning causes (a machine may have several):"}}</h2><table><tr><th class="n">{{t "machines"}}</th><th>{{t "check: reason"}}</th></tr>
{{range top .Causes}}<tr><td class="n">{{.Count}}</td><td>{{.Name}}</td></tr>{{end}}</table>
{{template "beyond" .Beyond.Causes}}
<h2>{{t "Per check (machines):"}}</h2><table><tr><th>check</th><th class="n">fail</th><th class="n">warn</th><th class="n">error</th><th class="n">skip</th><th class="n">pass</th></tr>
{{range $id, $m := .Findings}}<tr><td>{{$id}}</td><td class="n">{{index $m "fail"}}</td><td class="n">{{index $m "warn"}}</td><td class="n">{{index $m "error"}}</td><td class="n">{{index $m "skip"}}</td><td class="n">{{index $m "pass"}}</td></tr>{{end}}</table>
{{template "beyond" .Beyond.Findings}}
{{if .Skipped}}<h2>{{t "Unreadable files (%d):" .Unreadable}}</h2><ul>{{range .Skipped}}<li>{{.Path}}: {{reason .Reason}}</li>{{end}}</ul>{{end}}
</body></html>
{{define "beyond"}}{{if .}}<p>{{t "… and %d more, under names past the %d per table a summary keeps (the first in name order)" . maxNames}}</p>{{end}}{{end}}
`))
})

// WriteHTML writes a self-contained page (no scripts, no external files)
// in tr's language.
func WriteHTML(w io.Writer, s *Summary, tr *i18n.Printer) error {
	p, err := page().Clone()
	if err != nil {
		return err
	}
	p.Funcs(template.FuncMap(tr.TemplateFuncs())).Funcs(template.FuncMap{"reason": tr.Text})
	return p.Execute(w, s)
}
