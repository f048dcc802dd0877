// Golden tests for the renderers. After an intended change to the output,
// regenerate the files with:
//
//	go test ./internal/report -update
package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture is a run where the hosts file is clean, one required endpoint
// speaks only TLS 1.0 and an optional one does not resolve.
func fixture() *facts.Facts {
	ok := facts.Step{State: facts.StepOK, DurationMS: 12.5}
	refused := facts.Step{State: facts.StepFailed, Kind: facts.KindProtocol, Error: "remote error: tls: protocol version not supported"}
	return &facts.Facts{
		Started:   time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
		TimeoutMS: 15000,
		Profile:   facts.ProfileInfo{Name: profile.EmbeddedName, Version: "2026.11.1", Source: "https://learn.microsoft.com/", Date: "2024-07-01"},
		MinTLS:    "1.2",
		Hosts:     facts.HostsFile{State: facts.HostsRead, Path: `C:\Windows\System32\drivers\etc\hosts`, Lines: 22},
		System:    facts.System{State: facts.SystemNotWindows},
		OSStack:   facts.OSStack{State: facts.OSStackNotWindows},
		Endpoints: []facts.EndpointFacts{
			{
				Endpoint: profile.Endpoint{Host: "*.support.services.microsoft.com", Probe: "remoteassistance.support.services.microsoft.com", Port: 443, Required: true, Purpose: "Remote Assistance Service", Issuers: []string{"Microsoft", "DigiCert"}},
				DNS:      facts.DNS{Step: ok, Host: "remoteassistance.support.services.microsoft.com", Addrs: []string{"192.0.2.10"}},
				TCP:      facts.TCP{Step: ok, Remote: "192.0.2.10:443"},
				TLS:      facts.TLS{Step: refused, ServerName: "remoteassistance.support.services.microsoft.com", Offered: []string{"1.2", "1.3"}},
				Versions: []facts.VersionProbe{
					{Step: ok, Version: "1.0", CipherSuite: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Issuer: "CN=Old Box CA"},
					{Step: refused, Version: "1.1"}, {Step: refused, Version: "1.2"}, {Step: refused, Version: "1.3"},
				},
			},
			{
				Endpoint: profile.Endpoint{Host: "edge.microsoft.com", Port: 443, Required: false, Purpose: "WebView2"},
				DNS:      facts.DNS{Step: facts.Step{State: facts.StepFailed, Kind: facts.KindNXDomain, Error: "no such host"}, Host: "edge.microsoft.com"},
				TCP:      facts.TCP{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepDNS}},
				TLS:      facts.TLS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepDNS}},
			},
		},
	}
}

func fixtureReport(tr *i18n.Printer) *Report {
	f := fixture()
	fs := checks.Judge(f, checks.All(), tr)
	return New(Tool{Name: "qadoctor", Version: "1.0.0"}, f, fs, checks.Verdict(fs, ""), 1234*time.Millisecond, tr.Lang())
}

// forEachLang runs a golden test in each language; the golden files are
// name.en.ext and name.ja.ext.
func forEachLang(t *testing.T, name string, render func(tr *i18n.Printer, b *bytes.Buffer) error) {
	for _, l := range i18n.Langs {
		t.Run(string(l), func(t *testing.T) {
			var b bytes.Buffer
			if err := render(i18n.New(l), &b); err != nil {
				t.Fatal(err)
			}
			ext := filepath.Ext(name)
			golden(t, strings.TrimSuffix(name, ext)+"."+string(l)+ext, b.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./internal/report -update\ngot:\n%s", name, got)
	}
}

func TestWriteTextGolden(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		name := "report.txt"
		if verbose {
			name = "report-verbose.txt"
		}
		forEachLang(t, name, func(tr *i18n.Printer, b *bytes.Buffer) error {
			return WriteText(b, fixtureReport(tr), TextOptions{Verbose: verbose, Tr: tr})
		})
	}
}

func TestWriteJSONGolden(t *testing.T) {
	forEachLang(t, "report.json", func(tr *i18n.Printer, b *bytes.Buffer) error {
		r := fixtureReport(tr)
		if err := WriteJSON(b, r); err != nil {
			return err
		}
		var back Report
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("report JSON does not decode: %v", err)
		}
		if back.Status != finding.Fail || back.Verdict == nil || back.Verdict.ID != "tls.handshake" || len(back.Findings) != len(r.Findings) {
			t.Errorf("decoded report = status %s verdict %+v, %d findings; want fail, tls.handshake, %d", back.Status, back.Verdict, len(back.Findings), len(r.Findings))
		}
		if back.Lang != string(tr.Lang()) || back.Verdict.Reason != "tls-protocol-version" {
			t.Errorf("lang %q, verdict reason %q; want %q and the English reason code", back.Lang, back.Verdict.Reason, tr.Lang())
		}
		return nil
	})
}

func TestWriteMarkdownGolden(t *testing.T) {
	forEachLang(t, "report.md", func(tr *i18n.Printer, b *bytes.Buffer) error {
		return WriteMarkdown(b, fixtureReport(tr), tr)
	})
}

// TestWrapJapanese: Japanese has no spaces, so the text report breaks it
// between characters, never before closing punctuation, and keeps every
// line within 100 columns.
func TestWrapJapanese(t *testing.T) {
	text := strings.Repeat("接続先のサーバーが古いTLSしか話さないため、Quick Assistは接続を終了します。", 5)
	var b strings.Builder
	writeWrapped(&b, text, "  ", fileWidth)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("wrapped into %d lines, want several:\n%s", len(lines), b.String())
	}
	var joined string
	for i, l := range lines {
		if w := i18n.Width(l); w > 100 {
			t.Errorf("line %d is %d columns wide: %s", i, w, l)
		}
		body := strings.TrimLeft(l, " ")
		if r := []rune(body)[0]; strings.ContainsRune(noBreakBefore, r) {
			t.Errorf("line %d starts with %q:\n%s", i, r, b.String())
		}
		joined += body
	}
	if joined != text {
		t.Errorf("wrapping changed the text:\n%s\nwant\n%s", joined, text)
	}
}

// The HTML page is self-contained and carries the verdict, every check,
// the timeline and the chains.
func TestWriteHTML(t *testing.T) {
	f := fixture()
	f.Endpoints[0].TLS.Chain = []facts.Certificate{{Subject: "CN=remoteassistance.support.services.microsoft.com", Issuer: "CN=Old Box CA", SHA256: "ab12", NotBefore: f.Started, NotAfter: f.Started.AddDate(1, 0, 0)}}
	f.Endpoints[0].TLS.Step = facts.Step{State: facts.StepFailed, StartMS: 25, DurationMS: 12.5, Kind: facts.KindProtocol}
	f.Endpoints[0].TCP.Step.StartMS = 12.5
	var b bytes.Buffer
	if err := WriteHTML(&b, fixtureReport(nil), f.Endpoints, nil); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, banned := range []string{"<script", " src=", "url(", "@import", "ZgotmplZ", "<link"} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q: it must be self-contained and well escaped", banned)
		}
	}
	for _, want := range []string{"Most likely cause (tls.handshake)", "<details open><summary>", "tls.versions", "Timeline", "s-TLS st-failed", "left:66.67%", "issued by CN=Old Box CA", "SHA-256 ab12"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// On an 80-column terminal every line of the text report, the check and
// evidence lines too, fits, and breaks between words (Japanese: between
// characters): a word is never cut.
func TestTextWrapsAtTheTerminalWidth(t *testing.T) {
	for _, l := range i18n.Langs {
		tr := i18n.New(l)
		var b bytes.Buffer
		if err := WriteText(&b, fixtureReport(tr), TextOptions{Verbose: true, Tr: tr, Width: 80, Color: true}); err != nil {
			t.Fatal(err)
		}
		words := map[string]bool{}
		var plain bytes.Buffer
		WriteText(&plain, fixtureReport(tr), TextOptions{Verbose: true, Tr: tr})
		for _, w := range strings.Fields(plain.String()) {
			words[w] = true
		}
		for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if w := i18n.Width(stripANSI(line)); w > 80 {
				t.Errorf("%s line %d is %d columns: %q", l, i+1, w, line)
			}
			if l == i18n.English {
				for _, w := range strings.Fields(stripANSI(line)) {
					if !words[w] {
						t.Errorf("%s line %d holds %q, a piece of a word the unwrapped report does not have", l, i+1, w)
					}
				}
			}
		}
	}
}

// A profile file without a name heads the report with its version alone,
// never with an empty "()".
func TestTextHeaderWithoutProfileName(t *testing.T) {
	for _, tr := range []*i18n.Printer{nil, i18n.New(i18n.Japanese)} {
		r := fixtureReport(tr)
		r.Profile.Name = ""
		var b bytes.Buffer
		if err := WriteText(&b, r, TextOptions{Tr: tr}); err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(b.String(), "\n")
		if strings.Contains(head, "()") || !strings.Contains(head, "2026.11.1") {
			t.Errorf("header %q; want the version and no empty ()", head)
		}
	}
}

// The verdict's last sentence says which leg a cause breaks only for a
// failure: a warning (a failure the PC's browser did not bear out, a
// slower path) breaks nothing.
func TestVerdictSaysWhatBreaksOnlyForAFailure(t *testing.T) {
	f := &facts.Facts{}
	for _, tc := range []struct {
		status finding.Status
		says   bool
	}{{finding.Fail, true}, {finding.Warn, false}} {
		v := finding.Finding{ID: "tls.interception", Status: tc.status, Cause: "A cause.", Leg: leg.Web, Step: leg.Opens}
		r := New(Tool{Name: "qadoctor"}, f, []finding.Finding{v}, &v, time.Second, i18n.English)
		if got := strings.Contains(r.Verdict.Cause, "This breaks"); got != tc.says {
			t.Errorf("%v verdict: %q", tc.status, r.Verdict.Cause)
		}
	}
}
