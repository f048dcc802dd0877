// Package report assembles findings into a report and renders it: text
// for people at a terminal, JSON for machines.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
)

// Schema names the JSON report format; it changes only when a field's
// meaning does.
const Schema = "qadoctor.report/v1"

// Report is one diagnosis, ready to render.
type Report struct {
	Schema     string            `json:"schema"`
	Tool       Tool              `json:"tool"`
	Profile    facts.ProfileInfo `json:"profile"`
	Started    time.Time         `json:"started"`
	DurationMS float64           `json:"duration_ms"`
	TimeoutMS  int64             `json:"timeout_ms"`
	Endpoints  int               `json:"endpoints"`
	// Analyzed names the snapshot or .reg file judged instead of a live
	// machine (qadoctor analyze).
	Analyzed string         `json:"analyzed,omitempty"`
	Status   finding.Status `json:"status"` // the worst finding's status
	// Verdict is the most likely cause: the first broken step of the chain.
	Verdict  *Verdict          `json:"verdict,omitempty"`
	Findings []finding.Finding `json:"findings"`
}

// Tool identifies the build that made a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Verdict points at the finding that most likely explains the failure.
type Verdict struct {
	ID     string         `json:"id"`
	Status finding.Status `json:"status"`
	Reason string         `json:"reason,omitempty"`
	Cause  string         `json:"cause"`
}

// New builds a report from gathered facts and the findings judged from them.
func New(tool Tool, f *facts.Facts, fs []finding.Finding, verdict *finding.Finding, duration time.Duration) *Report {
	r := &Report{
		Schema:     Schema,
		Tool:       tool,
		Profile:    f.Profile,
		Started:    f.Started,
		DurationMS: float64(duration.Microseconds()) / 1000,
		TimeoutMS:  f.TimeoutMS,
		Endpoints:  len(f.Endpoints),
		Analyzed:   f.Analyzed,
		Status:     finding.Pass,
		Findings:   fs,
	}
	for _, x := range fs {
		r.Status = finding.Worst(r.Status, x.Status)
	}
	if verdict != nil {
		cause := verdict.Cause
		if cause == "" {
			cause = verdict.Summary
		}
		r.Verdict = &Verdict{ID: verdict.ID, Status: verdict.Status, Reason: verdict.Reason, Cause: cause}
	}
	return r
}

// Failed reports whether any finding failed.
func (r *Report) Failed() bool {
	for _, f := range r.Findings {
		if f.Status == finding.Fail {
			return true
		}
	}
	return false
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// TextOptions tunes the text rendering.
type TextOptions struct {
	Verbose bool // show the evidence of passing findings too
}

var label = map[finding.Status]string{
	finding.Pass:  "PASS ",
	finding.Skip:  "SKIP ",
	finding.Warn:  "WARN ",
	finding.Error: "ERROR",
	finding.Fail:  "FAIL ",
}

// WriteText writes the report for a person: the most likely cause and its
// fix first, then every check with the evidence that matters.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	var b strings.Builder
	if r.Analyzed != "" {
		fmt.Fprintf(&b, "qadoctor %s — analysis of %s, %s\n\n", r.Tool.Version, r.Analyzed, fmtDuration(r.DurationMS))
	} else {
		fmt.Fprintf(&b, "qadoctor %s — profile %s (%s), %d endpoints, %s\n\n",
			r.Tool.Version, r.Profile.Version, r.Profile.Name, r.Endpoints, fmtDuration(r.DurationMS))
	}
	if r.Verdict == nil {
		skipped := 0
		for _, f := range r.Findings {
			if f.Status == finding.Skip {
				skipped++
			}
		}
		b.WriteString("Nothing found that would end a Quick Assist session.")
		if skipped > 0 {
			fmt.Fprintf(&b, " %d of %d checks could not run here; each says why below.", skipped, len(r.Findings))
		}
		b.WriteString("\n\n")
	} else {
		lead := "Most likely cause"
		if r.Verdict.Status != finding.Fail {
			lead = "Worth a look"
		}
		fmt.Fprintf(&b, "%s (%s):\n", lead, r.Verdict.ID)
		writeWrapped(&b, r.Verdict.Cause, "  ")
		for _, f := range r.Findings {
			if f.ID == r.Verdict.ID && len(f.Fix) > 0 {
				b.WriteString("What to do:\n")
				for i, step := range f.Fix {
					writeWrapped(&b, fmt.Sprintf("%d. %s", i+1, step), "  ")
				}
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("Checks:\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s  %-16s %s\n", label[f.Status], f.ID, f.Summary)
		for _, g := range groupEvidence(f.Evidence, opts.Verbose) {
			fmt.Fprintf(&b, "         %-5s %s: %s\n", g.status, g.subjects(), g.detail)
		}
		if f.Status != finding.Pass && f.Cause != "" && (r.Verdict == nil || f.ID != r.Verdict.ID) {
			writeWrapped(&b, f.Cause, "         ")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtDuration(ms float64) string {
	if ms < 1000 {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f s", ms/1000)
}

// evidenceGroup is evidence lines that say the same thing of several
// subjects, so sixteen identical DNS failures read as one line.
type evidenceGroup struct {
	status finding.Status
	detail string
	names  []string
}

func (g evidenceGroup) subjects() string {
	const shown = 3
	if len(g.names) <= shown {
		return strings.Join(g.names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(g.names[:shown], ", "), len(g.names)-shown)
}

// groupEvidence merges evidence with the same status and detail, in order
// of first appearance. Unless verbose, passing and skipped evidence is left
// out: the finding's summary already counts it.
func groupEvidence(ev []finding.Evidence, verbose bool) []evidenceGroup {
	var groups []evidenceGroup
	index := map[string]int{}
	for _, e := range ev {
		if !verbose && (e.Status == finding.Pass || e.Status == finding.Skip) {
			continue
		}
		key := e.Status.String() + "\x00" + e.Detail
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, evidenceGroup{status: e.Status, detail: e.Detail})
		}
		groups[i].names = append(groups[i].names, e.Subject)
	}
	return groups
}

// writeWrapped writes text indented and wrapped at 100 columns; continued
// lines are indented three more.
func writeWrapped(b *strings.Builder, text, indent string) {
	const width = 100
	line, words := indent, 0
	for _, word := range strings.Fields(text) {
		if words > 0 && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line, words = indent+"   ", 0
		}
		if words > 0 {
			line += " "
		}
		line += word
		words++
	}
	b.WriteString(line + "\n")
}
