package report

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

// A run whose peers sent hostile text: a certificate subject and issuer
// that retitle a terminal and recolour it, break a Markdown table and link
// a remote image; a server header with a line break.
func hostileText() *facts.Facts {
	f := hostileRun()
	f.Endpoints[0].TLS.Chain[0].Issuer = "CN=\x1b]0;pwned\x07\x1b[31mEvil CA | col ![x](http://evil.example/p.png)\nnext line"
	f.Endpoints[0].TLS.VerifyError = "x509: \x1b[2Jcleared\u202egnp.exe"
	f.Profile.Version = "1\x1b[5m"
	f.Sessions = hostileSessions("/status/\x1b]0;pwned\x07 | ![x](http://evil.example/p.png)\u202egnp", "40\x1b[2J | <img src=x>\n| next |")
	return f
}

// hostileSessions is a record of a past session whose page path and
// record value came from a hostile History and .evtx file.
func hostileSessions(path, value string) facts.Sessions {
	t0 := time.Date(2026, 12, 5, 14, 0, 0, 0, time.UTC)
	return facts.Sessions{State: facts.SessionsRead,
		Visits: []facts.Visit{{Time: t0, Host: "remoteassistance.support.services.microsoft.com", Path: "/screenshare"},
			{Time: t0.Add(time.Second), Host: "remoteassistance.support.services.microsoft.com", Path: path}},
		Records: []facts.EventRecord{{Time: t0.Add(time.Second), Channel: "System", Provider: "Schannel", EventID: 36888, Level: 2,
			Data: []facts.EventData{{Name: "AlertDesc", Value: value}}}}}
}

func TestTextAndMarkdownShowHostileTextInert(t *testing.T) {
	f := hostileText()
	for _, l := range i18n.Langs {
		tr := i18n.New(l)
		fs := checks.Judge(f, checks.All(), tr)
		rep := New(Tool{Name: "qadoctor", Version: "1.0.0"}, f, fs, checks.Verdict(fs, ""), time.Second, tr.Lang())
		var text, md, page bytes.Buffer
		WriteText(&text, rep, TextOptions{Verbose: true, Tr: tr})
		WriteMarkdown(&md, rep, tr)
		for _, r := range text.String() {
			if r != '\n' && (unicode.IsControl(r) || r == '\u202e') {
				t.Fatalf("%s text report holds %U raw:\n%s", l, r, text.String())
			}
		}
		// The HTML page: html/template escapes markup; the escape
		// sequences and the override that reorders a line are made visible.
		if err := WriteHTML(&page, rep, f.Endpoints, tr); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.String() {
			if r != '\n' && r != '\t' && r != '\r' && (unicode.IsControl(r) || r == '\u202e') {
				t.Fatalf("%s HTML report holds %U raw", l, r)
			}
		}
		if !strings.Contains(page.String(), `gnp`) || strings.Contains(page.String(), "<img src=x>") {
			t.Errorf("%s HTML report: the hostile value is gone, or its markup is live", l)
		}
		if !strings.Contains(text.String(), `\x1b]0;pwned`) {
			t.Errorf("%s text report should show the escape as \\x1b, visibly", l)
		}
		for _, line := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(line, "| `") && strings.Count(line, "|")-strings.Count(line, `\|`) != 4 {
				t.Errorf("%s Markdown table row has more than three cells: %q", l, line)
			}
			if strings.Contains(line, "![x](") || strings.Contains(line, "\x1b") {
				t.Errorf("%s Markdown line %q keeps an image or an escape", l, line)
			}
		}
	}
}

// FuzzWriters: whatever text a finding carries (it quotes peers, files and
// registry values), the text report holds no raw control character and
// each Markdown table row keeps its three cells.
func FuzzWriters(f *testing.F) {
	f.Add("CN=\x1b]0;pwned\x07", "a | b\n| c |", "![x](http://e/p.png)")
	f.Add("\u202egnp.exe", "`code`", "<img src=x>")
	tr := i18n.New(i18n.English)
	f.Fuzz(func(t *testing.T, summary, detail, subject string) {
		fs := []finding.Finding{{ID: "tls.handshake", Status: finding.Fail, Summary: summary, Cause: detail, Fix: []string{subject},
			Evidence: []finding.Evidence{{Subject: subject, Status: finding.Fail, Detail: detail}}}}
		rep := New(Tool{Name: "qadoctor", Version: summary}, &facts.Facts{Analyzed: subject, Sessions: hostileSessions("/status/"+detail, subject)}, fs, &fs[0], time.Second, tr.Lang())
		var text, md bytes.Buffer
		WriteText(&text, rep, TextOptions{Verbose: true, Tr: tr})
		WriteMarkdown(&md, rep, tr)
		for _, r := range text.String() {
			if r != '\n' && (unicode.IsControl(r) || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069) {
				t.Fatalf("the text report holds %U raw", r)
			}
		}
		for _, line := range strings.Split(md.String(), "\n") {
			if !strings.HasPrefix(line, "| `") {
				continue
			}
			cells := 0
			for i := 0; i < len(line); i++ {
				if line[i] != '|' {
					continue
				}
				n := 0
				for j := i - 1; j >= 0 && line[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					cells++
				}
			}
			if cells != 4 {
				t.Fatalf("the Markdown row %q has %d unescaped pipes; want 4", line, cells)
			}
		}
	})
}
