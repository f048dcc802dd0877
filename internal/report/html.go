package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"sync"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

// bar is one step of an endpoint in the waterfall, as percentages of the
// run.
type bar struct {
	Step        string
	State       string
	Left, Width float64
	Title       string
	// Mark says a failed or timed-out step in words, so the timeline
	// never tells status by colour alone (WCAG 1.4.1).
	Mark string
}

type waterfallRow struct {
	Endpoint string
	Bars     []bar
	Chain    []facts.Certificate
}

type htmlData struct {
	*Report
	Rows     []waterfallRow
	TotalMS  float64
	Sessions []sessionView
}

// WriteHTML writes one self-contained page: the verdict first, each check
// opening to its evidence, a waterfall of DNS, TCP, TLS and HTTP per
// endpoint, and each endpoint's certificate chain. The CSS is inline; there
// are no scripts, fonts or images, and nothing is loaded from the network.
// endpoints may be nil (a report read back, or an analysis of a file).
//
// Its words are in tr's language: the template calls t, which is
// tr.Sprintf, so the catalog test finds each {{t "…"}} like a Sprintf.
func WriteHTML(w io.Writer, r *Report, endpoints []facts.EndpointFacts, tr *i18n.Printer) error {
	d := htmlData{Report: r, Sessions: sessionViews(tr, r.LastSessions, 0)}
	for _, e := range endpoints {
		for _, s := range []facts.Step{e.DNS.Step, e.TCP.Step, e.TLS.Step, e.HTTP.Step} {
			d.TotalMS = math.Max(d.TotalMS, s.StartMS+s.DurationMS)
		}
	}
	if d.TotalMS <= 0 {
		d.TotalMS = 1
	}
	for _, e := range endpoints {
		row := waterfallRow{Endpoint: e.Endpoint.Address(), Chain: e.TLS.Chain}
		for _, st := range []struct {
			name string
			s    facts.Step
		}{{"DNS", e.DNS.Step}, {"TCP", e.TCP.Step}, {"TLS", e.TLS.Step}, {"HTTP", e.HTTP.Step}} {
			if st.s.State == facts.StepNotRun || st.s.State == "" {
				continue
			}
			row.Bars = append(row.Bars, bar{
				Step:  st.name,
				State: string(st.s.State),
				Left:  100 * st.s.StartMS / d.TotalMS,
				Width: math.Max(0.5, 100*st.s.DurationMS/d.TotalMS),
				Title: tr.Sprintf("%s %s: %.1f ms from %.1f ms %s", st.name, st.s.State, st.s.DurationMS, st.s.StartMS, tr.Text(st.s.Error)),
				Mark:  stepMark(tr, st.name, st.s.State),
			})
		}
		d.Rows = append(d.Rows, row)
	}
	page, err := htmlPage().Clone()
	if err != nil {
		return err
	}
	page.Funcs(template.FuncMap(tr.TemplateFuncs())).Funcs(template.FuncMap{
		"word": func(s finding.Status) string { return tr.Text(statusWords[s]) },
	})
	// Untrusted text (certificate names, record values, History paths)
	// is escaped by html/template; what it lets through that reorders or
	// hides text is made visible.
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		return err
	}
	_, err = io.WriteString(w, escape.Page(buf.String()))
	return err
}

func stepMark(tr *i18n.Printer, step string, st facts.StepState) string {
	switch st {
	case facts.StepFailed:
		return tr.Sprintf("%s failed", step)
	case facts.StepTimeout:
		return tr.Sprintf("%s timed out", step)
	}
	return ""
}

// htmlPage is parsed with English words; WriteHTML gives each page's clone
// the person's (t, word, lang).
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap(i18n.New(i18n.English).TemplateFuncs())).Funcs(template.FuncMap{
		"status": func(s finding.Status) string { return s.String() },
		"word":   func(s finding.Status) string { return s.String() },
		"open":   func(s finding.Status) bool { return s == finding.Fail || s == finding.Error },
		"seg": func(b bar) template.CSS {
			return template.CSS(fmt.Sprintf("left:%.2f%%;width:%.2f%%", b.Left, b.Width))
		},
	}).Parse(`<!doctype html>
<html lang="{{lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t "qadoctor report: %s" (word .Status)}}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI","Yu Gothic UI",Meiryo,sans-serif;margin:0 auto;padding:1rem;max-width:60rem;color:#1b1b1b;overflow-wrap:anywhere}
h1{font-size:1.3rem;margin:.2rem 0}
.verdict{border-radius:.5rem;padding:1rem;margin:1rem 0}
.v-fail{background:#fde7e9;border:1px solid #d13438}.v-warn{background:#fff4ce;border:1px solid #c19c00}.v-pass{background:#dff6dd;border:1px solid #107c10}
.badge{display:inline-block;min-width:3.2rem;text-align:center;border-radius:.3rem;padding:0 .3rem;font-weight:600;font-size:.8rem;color:#fff}
.b-fail{background:#c50f1f}.b-error{background:#8e562e}.b-warn{background:#7a5c00}.b-skip{background:#605e5c}.b-pass{background:#107c10}
details{border-bottom:1px solid #e1dfdd;padding:.4rem 0}summary{cursor:pointer}
code{font-size:.9em}ul{padding-left:1.2rem}li{margin:.15rem 0;overflow-wrap:anywhere}
.wf{margin:.3rem 0}.wf .name{font-size:.85rem;overflow-wrap:anywhere}
.track{position:relative;height:.9rem;background:#f3f2f1;border-radius:.2rem}
.seg{position:absolute;top:0;height:100%;border-radius:.2rem}
.s-DNS{background:#744da9}.s-TCP{background:#005a9e}.s-TLS{background:#107c10}.s-HTTP{background:#a83c00}
.st-failed,.st-timeout{background:#c50f1f!important}.mark{font-size:.8rem;color:#a4262c;margin-right:.5rem}
.legend span{display:inline-block;padding:0 .4rem;margin-right:.3rem;color:#fff;border-radius:.2rem;font-size:.8rem}
.chain{font-size:.85rem;color:#323130}
</style></head><body>
<h1>{{t "qadoctor %s: Quick Assist secure-channel diagnosis" .Tool.Version}}</h1>
<p>{{if .Analyzed}}{{t "Analysis of %s" .Analyzed}}{{else}}{{t "Profile %s, %d endpoints, %.0f ms, %s" .Profile.Version .Endpoints .DurationMS (.Started.Format "2006-01-02 15:04:05 MST")}}{{end}}</p>
{{with .Verdict}}<div class="verdict v-{{status .Status}}"><strong>{{t "Most likely cause (%s):" .ID}}</strong><p>{{.Cause}}</p>{{if .Record}}<p>{{t "The PC's record of the last session backs this: %s" .Record}}</p>{{end}}
{{range $.Findings}}{{if eq .ID $.Verdict.ID}}{{if .Fix}}<strong>{{t "What to do:"}}</strong><ol>{{range .Fix}}<li>{{.}}</li>{{end}}</ol>{{end}}{{end}}{{end}}</div>
{{else}}<div class="verdict v-pass"><strong>{{t "Nothing found that would end a Quick Assist session."}}</strong></div>{{end}}
<h2>{{t "Checks:"}}</h2>
{{range .Findings}}<details{{if open .Status}} open{{end}}><summary><span class="badge b-{{status .Status}}">{{word .Status}}</span> <code>{{.ID}}</code> <span title="{{.Title}}">{{.Summary}}</span></summary>
{{if .Cause}}<p>{{.Cause}}</p>{{end}}
{{if .Fix}}<ol>{{range .Fix}}<li>{{.}}</li>{{end}}</ol>{{end}}
{{if .Evidence}}<ul>{{range .Evidence}}<li><span class="badge b-{{status .Status}}">{{word .Status}}</span> {{.Subject}}: {{.Detail}}</li>{{end}}</ul>{{end}}
</details>{{end}}
{{if .Sessions}}<h2>{{t "Last sessions, as this PC recorded them (UTC):"}}</h2>
{{range .Sessions}}<div class="wf"><div class="name">{{.Head}}</div>{{if .Records}}<ul class="chain">{{range .Records}}<li>{{.}}</li>{{end}}</ul>{{end}}</div>{{end}}{{end}}
{{if .Rows}}<h2>{{t "Timeline"}}</h2>
<p class="legend"><span class="s-DNS">DNS</span><span class="s-TCP">TCP</span><span class="s-TLS">TLS</span><span class="s-HTTP">HTTP</span> {{t "over %.0f ms; red and ✕: failed or timed out" .TotalMS}}</p>
{{range .Rows}}<div class="wf"><div class="name">{{.Endpoint}}</div><div class="track">{{range .Bars}}<div class="seg s-{{.Step}} st-{{.State}}" style="{{seg .}}" title="{{.Title}}"></div>{{end}}</div>{{range .Bars}}{{if .Mark}}<span class="mark">✕ {{.Mark}}</span>{{end}}{{end}}</div>{{end}}
<h2>{{t "Certificate chains"}}</h2>
{{range .Rows}}{{if .Chain}}<details><summary>{{.Endpoint}}</summary><ol class="chain">{{range .Chain}}<li>{{.Subject}}<br>{{t "issued by %s" .Issuer}}<br>{{t "valid %s to %s" (.NotBefore.Format "2006-01-02") (.NotAfter.Format "2006-01-02")}}<br>SHA-256 {{.SHA256}}</li>{{end}}</ol></details>{{end}}{{end}}
{{end}}
</body></html>
`))
})
