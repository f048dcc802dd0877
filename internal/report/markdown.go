package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

// WriteMarkdown writes the report for pasting into a ticket: the verdict
// and its fix, a table of the checks, then what did not pass.
func WriteMarkdown(w io.Writer, r *Report, tr *i18n.Printer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## qadoctor %s: %s\n\n", escape.Markdown(r.Tool.Version), tr.Text(statusWords[r.Status]))
	if r.Analyzed != "" {
		b.WriteString(tr.Sprintf("Analysis of %s.", escape.Markdown(r.Analyzed)) + "\n\n")
	} else {
		b.WriteString(tr.Sprintf("Profile %s, %d endpoints, %s, started %s.", escape.Markdown(r.Profile.Version), r.Endpoints, fmtDuration(r.DurationMS), r.Started.Format("2006-01-02 15:04:05 MST")) + "\n\n")
	}
	if r.Symptom != "" {
		b.WriteString(escape.Markdown(tr.Sprintf("You said: %s. The causes met at that step come first.", r.Symptom.Seen(tr))) + "\n\n")
	}
	if r.Verdict != nil {
		b.WriteString(tr.Sprintf("**Most likely cause (`%s`):** %s", r.Verdict.ID, escape.Markdown(r.Verdict.Cause)) + "\n\n")
		if r.Verdict.Record != "" {
			b.WriteString(escape.Markdown(tr.Sprintf("The PC's record of the last session backs this: %s", r.Verdict.Record)) + "\n\n")
		}
		for _, f := range r.Findings {
			if f.ID == r.Verdict.ID {
				for i, step := range f.Fix {
					fmt.Fprintf(&b, "%d. %s\n", i+1, escape.Markdown(step))
				}
			}
		}
		b.WriteString("\n")
	} else {
		b.WriteString(tr.Sprintf("Nothing found that would end a Quick Assist session.") + "\n\n")
	}
	if views := sessionViews(tr, r.LastSessions, 0); len(views) > 0 {
		b.WriteString("### " + tr.Sprintf("Last sessions, as this PC recorded them (UTC):") + "\n\n")
		for _, v := range views {
			b.WriteString("- " + escape.Markdown(v.Head) + "\n")
			for _, rec := range v.Records {
				b.WriteString("  - " + escape.Markdown(rec) + "\n")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(tr.Sprintf("| check | status | summary |") + "\n|---|---|---|\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", f.ID, tr.Text(statusWords[f.Status]), escape.Markdown(f.Summary))
	}
	for _, f := range r.Findings {
		if f.Status == finding.Pass || f.Status == finding.Skip {
			continue
		}
		fmt.Fprintf(&b, "\n### `%s`: %s\n\n", f.ID, tr.Text(statusWords[f.Status]))
		if f.Cause != "" {
			b.WriteString(escape.Markdown(f.Cause) + "\n\n")
		}
		for _, e := range f.Evidence {
			if e.Status == finding.Pass || e.Status == finding.Skip {
				continue
			}
			fmt.Fprintf(&b, "- %s **%s**: %s\n", tr.Text(statusWords[e.Status]), escape.Markdown(e.Subject), escape.Markdown(e.Detail))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
