// Package report assembles findings into a report and renders it: text
// for people at a terminal, JSON for machines.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/lastsession"
	"github.com/qadoctor/qadoctor/internal/leg"
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
	// Lang is the language of the human-readable text (titles, summaries,
	// causes, fixes, evidence details); IDs, keys and reasons are English.
	Lang string `json:"lang,omitempty"`
	// Analyzed names the snapshot or .reg file judged instead of a live
	// machine (qadoctor analyze).
	Analyzed string         `json:"analyzed,omitempty"`
	Status   finding.Status `json:"status"` // the worst finding's status
	// Symptom is the step at which the person said the session broke
	// (--symptom, the double-click question); it put the causes met there
	// first.
	Symptom leg.Step `json:"symptom,omitempty"`
	// Verdict is the most likely cause: the first broken step of the chain.
	Verdict  *Verdict          `json:"verdict,omitempty"`
	Findings []finding.Finding `json:"findings"`
	// LastSessions is what the PC recorded of its last Quick Assist
	// sessions (app.last-session): each session's pages, newest first,
	// with the Windows event records beside them.
	LastSessions *lastsession.Timeline `json:"last_sessions,omitempty"`
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
	// Cause is the finding's cause, ending with what the person sees:
	// which leg it breaks and at which step ("…, so the session will end
	// when screen sharing starts").
	Cause string   `json:"cause"`
	Leg   leg.Leg  `json:"leg"`
	Step  leg.Step `json:"step"`
	// Record is the PC's own record of the failed session that backs this
	// cause (finding.Record).
	Record string `json:"record,omitempty"`
}

// New builds a report from gathered facts and the findings judged from
// them in lang.
func New(tool Tool, f *facts.Facts, fs []finding.Finding, verdict *finding.Finding, duration time.Duration, lang i18n.Lang) *Report {
	r := &Report{
		Schema:     Schema,
		Tool:       tool,
		Profile:    f.Profile,
		Started:    f.Started,
		DurationMS: float64(duration.Microseconds()) / 1000,
		TimeoutMS:  f.TimeoutMS,
		Endpoints:  len(f.Endpoints),
		Analyzed:   f.Analyzed,
		Lang:       string(lang),
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
		// Only a failure breaks the leg; a warning (a failure the PC's
		// browser did not bear out, a degraded path) does not.
		if seen := whatIsSeen(i18n.New(lang), verdict.Leg, verdict.Step); seen != "" && verdict.Status == finding.Fail {
			if lang != i18n.Japanese { // Japanese sets no space between sentences
				cause += " "
			}
			cause += seen
		}
		r.Verdict = &Verdict{ID: verdict.ID, Status: verdict.Status, Reason: verdict.Reason, Cause: cause, Leg: verdict.Leg, Step: verdict.Step, Record: verdict.Record}
	}
	if f.Sessions.State == facts.SessionsRead {
		if t := lastsession.Build(f.Sessions); len(t.Sessions) > 0 || len(t.Unplaced) > 0 {
			r.LastSessions = &t
		}
	}
	return r
}

// legNames say what each leg is, for the verdict's last sentence.
var legNames = map[leg.Leg]string{
	leg.Web:    i18n.Key("the web leg (sign-in, the code and chat, in WebView2)"),
	leg.Screen: i18n.Key("the screen leg (Windows' RDP through the RDP relay, with SCHANNEL's TLS)"),
	leg.Both:   i18n.Key("both legs of the session (the web pages and the screen)"),
}

// whatIsSeen says which leg a cause breaks and what the person will see,
// as the verdict's last sentence; "" when it breaks no leg.
func whatIsSeen(tr *i18n.Printer, l leg.Leg, s leg.Step) string {
	clause, name := s.Clause(tr), legNames[l]
	if clause == "" || name == "" {
		return ""
	}
	return tr.Sprintf("This breaks %s, so %s.", tr.Text(name), clause)
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
	Verbose bool          // show the evidence of passing findings too
	Tr      *i18n.Printer // the language of the labels; nil is English
	Color   bool          // colour the status words with ANSI escapes
	// Width is the terminal's width: every line is wrapped to it between
	// words, the check and evidence lines too. 0 (a file, a pipe): causes
	// and fixes wrap at 100 columns and the rest stays one line each.
	Width int
}

// statusColor is each status's ANSI colour on a terminal.
var statusColor = map[finding.Status]string{
	finding.Pass:  "\x1b[32m",   // green
	finding.Skip:  "\x1b[2m",    // dim
	finding.Warn:  "\x1b[33m",   // yellow
	finding.Error: "\x1b[35m",   // magenta
	finding.Fail:  "\x1b[1;31m", // bold red
}

// statusWords name the statuses for people; JSON keeps Status.String.
var statusWords = map[finding.Status]string{
	finding.Pass:  i18n.Key("PASS"),
	finding.Skip:  i18n.Key("SKIP"),
	finding.Warn:  i18n.Key("WARN"),
	finding.Error: i18n.Key("ERROR"),
	finding.Fail:  i18n.Key("FAIL"),
}

// labels returns each status's word padded to the widest one's width on a
// terminal, where a Japanese character takes two columns.
func labels(tr *i18n.Printer, color bool) map[finding.Status]string {
	widest := labelWidth(tr)
	out := map[finding.Status]string{}
	for s, w := range statusWords {
		word := tr.Text(w)
		pad := strings.Repeat(" ", widest-i18n.Width(word))
		if color {
			word = statusColor[s] + word + "\x1b[0m"
		}
		out[s] = word + pad
	}
	return out
}

// labelWidth is the widest status word's width in columns.
func labelWidth(tr *i18n.Printer) int {
	widest := 0
	for _, w := range statusWords {
		widest = max(widest, i18n.Width(tr.Text(w)))
	}
	return widest
}

// WriteText writes the report for a person: the most likely cause and its
// fix first, then every check with the evidence that matters.
func WriteText(w io.Writer, r *Report, opts TextOptions) error {
	tr := opts.Tr
	label := labels(tr, opts.Color)
	width := opts.Width
	if width == 0 {
		width = fileWidth
	}
	var b strings.Builder
	if r.Analyzed != "" {
		wrapLine(&b, "", escape.Terminal(tr.Sprintf("qadoctor %s — analysis of %s, %s", r.Tool.Version, r.Analyzed, fmtDuration(r.DurationMS))), opts.Width)
	} else {
		profile := r.Profile.Version
		if r.Profile.Name != "" {
			profile = tr.Sprintf("%s (%s)", r.Profile.Version, tr.Text(r.Profile.Name))
		}
		wrapLine(&b, "", escape.Terminal(tr.Sprintf("qadoctor %s — profile %s, %d endpoints, %s",
			r.Tool.Version, profile, r.Endpoints, fmtDuration(r.DurationMS))), opts.Width)
	}
	b.WriteString("\n")
	if r.Symptom != "" {
		wrapLine(&b, "", tr.Sprintf("You said: %s. The causes met at that step come first.", r.Symptom.Seen(tr)), opts.Width)
		b.WriteString("\n")
	}
	if r.Verdict == nil {
		skipped := 0
		for _, f := range r.Findings {
			if f.Status == finding.Skip {
				skipped++
			}
		}
		nothing := tr.Sprintf("Nothing found that would end a Quick Assist session.")
		if skipped > 0 {
			nothing += tr.Sprintf(" %d of %d checks could not run here; each says why below.", skipped, len(r.Findings))
		}
		wrapLine(&b, "", nothing, opts.Width)
		b.WriteString("\n")
	} else {
		lead := tr.Sprintf("Most likely cause (%s):", escape.Terminal(r.Verdict.ID))
		if r.Verdict.Status != finding.Fail {
			lead = tr.Sprintf("Worth a look (%s):", escape.Terminal(r.Verdict.ID))
		}
		b.WriteString(lead + "\n")
		writeWrapped(&b, r.Verdict.Cause, "  ", width)
		if r.Verdict.Record != "" {
			writeWrapped(&b, tr.Sprintf("The PC's record of the last session backs this: %s", r.Verdict.Record), "  ", width)
		}
		for _, f := range r.Findings {
			if f.ID == r.Verdict.ID && len(f.Fix) > 0 {
				b.WriteString(tr.Sprintf("What to do:") + "\n")
				for i, step := range f.Fix {
					writeWrapped(&b, fmt.Sprintf("%d. %s", i+1, step), "  ", width)
				}
			}
		}
		b.WriteString("\n")
	}
	if views := sessionViews(tr, r.LastSessions, TextSessions); len(views) > 0 {
		b.WriteString(tr.Sprintf("Last sessions, as this PC recorded them (UTC):") + "\n")
		for _, v := range views {
			writeWrapped(&b, v.Head, "  ", width)
			for _, rec := range v.Records {
				writeWrapped(&b, rec, "      ", width)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(tr.Sprintf("Checks:") + "\n")
	indent := strings.Repeat(" ", labelWidth(tr)+4)
	// The ID column is as wide as the longest ID (os.desktop-sharing), at
	// least 16 and at most 24 columns, so the summaries line up.
	idWidth := 16
	for _, f := range r.Findings {
		idWidth = min(max(idWidth, i18n.Width(escape.Terminal(f.ID))), 24)
	}
	for _, f := range r.Findings {
		id := escape.Terminal(f.ID)
		head := fmt.Sprintf("%s  %s%s ", label[f.Status], id, strings.Repeat(" ", max(0, idWidth-i18n.Width(id))))
		wrapLine(&b, head, escape.Terminal(f.Summary), opts.Width)
		for _, g := range groupEvidence(f.Evidence, opts.Verbose) {
			wrapLine(&b, indent+label[g.status]+" ", escape.Terminal(g.subjects(tr))+": "+escape.Terminal(g.detail), opts.Width)
		}
		if f.Status != finding.Pass && f.Cause != "" && (r.Verdict == nil || f.ID != r.Verdict.ID) {
			writeWrapped(&b, f.Cause, indent, width)
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

func (g evidenceGroup) subjects(tr *i18n.Printer) string {
	const shown = 3
	if len(g.names) <= shown {
		return strings.Join(g.names, ", ")
	}
	return tr.Sprintf("%s and %d more", strings.Join(g.names[:shown], ", "), len(g.names)-shown)
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

// writeWrapped writes text indented and wrapped at 100 terminal columns;
// continued lines are indented three more. English breaks at spaces;
// Japanese, which has none, may break between any two characters except
// before closing punctuation (kinsoku), as Japanese typesetting does.
// fileWidth is where causes and fixes wrap in a report that goes to a file
// or a pipe: wide enough for a ticket, narrow enough to read.
const fileWidth = 100

// wrapLine writes head then text, wrapped to width between words with the
// continuation under the text's start (a check's summary under the
// summary); width 0 writes one line.
func wrapLine(b *strings.Builder, head, text string, width int) {
	if width == 0 {
		b.WriteString(head + text + "\n")
		return
	}
	hang := i18n.Width(stripANSI(head))
	if hang > width/2 {
		hang = 4
	}
	writeWrappedFrom(b, head, text, strings.Repeat(" ", hang), width)
}

// ansi is a colour escape of the status labels.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func stripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

func writeWrapped(b *strings.Builder, text, indent string, width int) {
	text = escape.Terminal(text)
	writeWrappedFrom(b, indent, text, indent+"   ", width)
}

// writeWrappedFrom writes first then text, wrapped to width between words
// (and between Japanese characters, never before closing punctuation),
// each continuation starting with next.
func writeWrappedFrom(b *strings.Builder, first, text, next string, width int) {
	indent := next
	line, cols, empty := first, i18n.Width(stripANSI(first)), true
	for _, seg := range segments(text) {
		w := i18n.Width(seg.text)
		gap := 0
		if seg.space && !empty {
			gap = 1
		}
		if !empty && cols+gap+w > width {
			b.WriteString(line + "\n")
			line, cols, empty, gap = indent, i18n.Width(indent), true, 0
		}
		// A word wider than what is left of an empty line (a registry
		// path, a URL) is broken after a separator where it can be, else
		// where it must, so no line outgrows the width.
		rest := seg.text
		for cols+gap+i18n.Width(rest) > width {
			head, tail := splitWord(rest, width-cols-gap)
			if gap == 1 {
				line += " "
			}
			b.WriteString(line + head + "\n")
			line, cols, gap = indent, i18n.Width(indent), 0
			rest = tail
		}
		if gap == 1 {
			line += " "
		}
		line += rest
		cols += gap + i18n.Width(rest)
		empty = false
	}
	b.WriteString(line + "\n")
}

// breakAfter are the characters a long word may be broken after: the
// separators of paths, URLs, host names and lists.
const breakAfter = `\/.-_,:;=&?`

// splitWord cuts word into a head at most cols columns wide, after the
// last separator that fits when there is one, and the tail. The head holds
// at least one character, so a loop over splitWord always ends.
func splitWord(word string, cols int) (head, tail string) {
	fit, lastSep, used := 0, 0, 0
	for i, r := range word {
		w := i18n.Width(string(r))
		if used+w > cols && i > 0 {
			break
		}
		used += w
		fit = i + len(string(r))
		if strings.ContainsRune(breakAfter, r) {
			lastSep = fit
		}
	}
	if lastSep > 0 && lastSep < len(word) {
		fit = lastSep
	}
	return word[:fit], word[fit:]
}

// segment is an unbreakable piece of text; space says a space preceded it.
type segment struct {
	text  string
	space bool
}

// noBreakBefore are characters a Japanese line must not start with.
const noBreakBefore = "、。，．・：；？！ー）」』】〕〉》”’)]}.,:;!?%"

// segments splits text into the pieces a line may break between: each
// space-separated word, with every wide character inside one a piece of
// its own (closing punctuation stays with the character before it).
func segments(text string) []segment {
	var out []segment
	for _, word := range strings.Fields(text) {
		space := true
		var cur strings.Builder
		flush := func() {
			if cur.Len() > 0 {
				out = append(out, segment{cur.String(), space})
				cur.Reset()
				space = false
			}
		}
		for _, r := range word {
			wide := i18n.Width(string(r)) == 2
			if (wide || cur.Len() > 0 && i18n.Width(lastRune(cur.String())) == 2) && !strings.ContainsRune(noBreakBefore, r) {
				flush()
			}
			cur.WriteRune(r)
		}
		flush()
	}
	return out
}

func lastRune(s string) string {
	r := []rune(s)
	return string(r[len(r)-1])
}
