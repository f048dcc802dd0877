package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// hostileRun is a run where nearly everything went wrong, recorded as
// gather records it: codes and raw values, no sentences. The PAC server
// never answered, one endpoint's TLS handshake was cut off at the
// deadline, one went through a proxy that re-signed it, one through a
// proxy that refused it, one name lookup was still running at the
// deadline, the NTP server and WinHTTP never answered, and the hosts file
// is a FIFO.
func hostileRun() *facts.Facts {
	ok := facts.Step{State: facts.StepOK, DurationMS: 9}
	cut := func(w facts.Wait) facts.Step {
		return facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout, CutOff: true, WaitingOn: w, DurationMS: 15000}
	}
	ep := func(host string, required bool) profile.Endpoint {
		return profile.Endpoint{Host: host, Port: 443, Required: required, Purpose: "test purpose", Issuers: []string{"Microsoft"}}
	}
	zscaler := []facts.Certificate{{Subject: "CN=remoteassistance.support.services.microsoft.com", Issuer: "CN=Zscaler Intermediate Root CA,O=Zscaler Inc.", IssuerOrg: []string{"Zscaler Inc."}, SHA256: strings.Repeat("ab", 32)}}
	return &facts.Facts{
		Started:   time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		TimeoutMS: 15000,
		Profile:   facts.ProfileInfo{Name: profile.EmbeddedName, Version: "2026.11.1", Source: "https://learn.microsoft.com/", Date: "2024-07-01"},
		MinTLS:    "1.2",
		Hosts:     facts.HostsFile{State: facts.HostsError, Path: "/tmp/hosts-fifo", Problem: facts.HostsNotRegular},
		System:    facts.System{State: facts.SystemNotWindows},
		OSStack:   facts.OSStack{State: facts.OSStackTimeout, URL: "https://remoteassistance.support.services.microsoft.com/", CutOff: true},
		Proxy: facts.ProxySettings{Source: "internet-settings", AutoConfigURL: "http://pac.corp.example/proxy.pac", PAC: facts.PACLoaded,
			Proxy: "http://proxy.corp.example:8080"},
		Clock: facts.Clock{MaxSkewMS: 300000,
			NTP:      []facts.NTPSample{{Step: cut(facts.WaitNTPAnswer), Server: "time.windows.com:123"}},
			Settings: facts.ClockSettings{State: facts.ClockSettingsUnavailable, CutOff: true}},
		Network: facts.Network{State: "error", CutOff: true},
		Endpoints: []facts.EndpointFacts{
			{ // intercepted
				Endpoint: ep("remoteassistance.support.services.microsoft.com", true),
				Route:    facts.Route{Via: "proxy", Proxy: "http://proxy.corp.example:8080", Source: "pac", Rule: facts.RulePAC, PACAnswer: "PROXY proxy.corp.example:8080"},
				DNS:      facts.DNS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindProxied}, Host: "remoteassistance.support.services.microsoft.com"},
				TCP:      facts.TCP{Step: ok, Remote: "remoteassistance.support.services.microsoft.com:443 via http://proxy.corp.example:8080"},
				TLS: facts.TLS{Step: ok, ServerName: "remoteassistance.support.services.microsoft.com", Version: "1.2", CipherSuite: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
					Chain: zscaler, VerifyError: "x509: certificate signed by unknown authority", VerifyKind: "unknown-authority"},
				HTTP: facts.HTTP{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepTLS}},
			},
			{ // the proxy refused
				Endpoint: ep("turn.azure.com", true),
				Route:    facts.Route{Via: "proxy", Proxy: "http://proxy.corp.example:8080", Source: "pac", Rule: facts.RulePAC, PACAnswer: "PROXY proxy.corp.example:8080"},
				DNS:      facts.DNS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindProxied}, Host: "turn.azure.com"},
				TCP:      facts.TCP{Step: facts.Step{State: facts.StepFailed, Kind: probe.KindProxyRefused, Error: "403 Forbidden", WaitingOn: facts.WaitProxyConnect}, ProxyStatus: 403},
				TLS:      facts.TLS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepTCP}, ServerName: "turn.azure.com"},
			},
			{ // TLS cut off at the deadline
				Endpoint: ep("edge.microsoft.com", false),
				Route:    facts.Route{Via: "direct", Source: "pac", Rule: facts.RulePAC, PACAnswer: "DIRECT"},
				DNS:      facts.DNS{Step: ok, Host: "edge.microsoft.com", Addrs: []string{"192.0.2.7"}},
				TCP:      facts.TCP{Step: ok, Remote: "192.0.2.7:443"},
				TLS:      facts.TLS{Step: cut(facts.WaitHandshakeRest), ServerName: "edge.microsoft.com", Offered: []string{"1.2", "1.3"}, BytesRead: 517},
				HTTP:     facts.HTTP{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepTLS}},
				Versions: []facts.VersionProbe{{Step: cut(facts.WaitServerHello), Version: "1.2"}, {Step: cut(facts.WaitHandshakeRest), Version: "1.3", BytesRead: 517}},
			},
			{ // the name lookup still running at the deadline
				Endpoint: ep("js.monitor.azure.com", false),
				Route:    facts.Route{Via: "direct", Source: "pac", Rule: facts.RulePAC, PACAnswer: "DIRECT"},
				DNS:      facts.DNS{Step: cut(facts.WaitDNSAnswer), Host: "js.monitor.azure.com"},
				TCP:      facts.TCP{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepDNS}},
				TLS:      facts.TLS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepDNS}},
			},
			{ // the PAC script itself never came
				Endpoint: ep("login.microsoftonline.com", true),
				Route:    facts.Route{Via: "unknown", Source: "pac", Rule: facts.RulePACFailed},
				DNS:      facts.DNS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindProxied}, Host: "login.microsoftonline.com"},
				TCP:      facts.TCP{Step: facts.Step{State: facts.StepFailed, Kind: probe.KindProxyPAC, Error: `Get "http://pac.corp.example/proxy.pac": context deadline exceeded`}},
				TLS:      facts.TLS{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepTCP}},
			},
		},
	}
}

// englishRun is three or more English words in a row: a sentence (or most
// of one) that was not translated.
var englishRun = regexp.MustCompile(`[A-Za-z][A-Za-z'’]+(?:[ ,]+[A-Za-z][A-Za-z'’]*){2,}`)

// A Japanese report holds no English sentence of ours: everything English
// left in it is a value from the facts (a host, a certificate name, an
// error as the OS or a peer said it), an ID, or a term the Japanese
// catalog itself keeps in English (a command, a Windows setting's name).
func TestJapaneseReportHasNoEnglishOfOurs(t *testing.T) {
	f := hostileRun()
	tr := i18n.New(i18n.Japanese)
	fs := checks.Judge(f, checks.All(), tr)
	rep := New(Tool{Name: "qadoctor", Version: "1.0.0"}, f, fs, checks.Verdict(fs, ""), time.Second, tr.Lang())

	var text, md, page bytes.Buffer
	if err := WriteText(&text, rep, TextOptions{Verbose: true, Tr: tr}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, rep, tr); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, rep, f.Endpoints, tr); err != nil {
		t.Fatal(err)
	}
	AssertFactsHoldNoSentences(t, f)
	AssertNoEnglishOfOurs(t, f, fs, map[string]string{"text": text.String(), "markdown": md.String(), "html": htmlText(t, page.Bytes())})
}

// AssertFactsHoldNoSentences fails on a fact that holds one of qadoctor's
// own messages: facts hold codes and values, and the judges phrase them.
func AssertFactsHoldNoSentences(t testing.TB, f *facts.Facts) {
	t.Helper()
	for _, s := range factStrings(f) {
		if key, ok := i18n.OwnSentence(s); ok {
			t.Errorf("a fact holds a sentence of ours, %q (message %q); record a code and let the judge say it", s, key)
		}
	}
}

// AssertNoEnglishOfOurs fails on English left in Japanese output that is
// not a value from the facts, an ID or a term the catalog keeps.
func AssertNoEnglishOfOurs(t testing.TB, f *facts.Facts, fs []finding.Finding, outputs map[string]string) {
	t.Helper()
	allowed := allowedEnglish(t, f, fs)
	// A wrapped line continues on the next, indented: join them, so a value
	// cut by the wrap is whole again.
	joined := regexp.MustCompile(`[ \t]*\n[ \t]*`)
	for name, out := range outputs {
		rest := joined.ReplaceAllString(out, " ")
		// A quoted string is a value (a rule that matched, a Server header).
		rest = quoted.ReplaceAllString(rest, "\x00")
		for _, a := range allowed {
			rest = strings.ReplaceAll(rest, a, "\x00")
		}
		for _, m := range englishRun.FindAllString(rest, -1) {
			t.Errorf("%s report: English of ours: %q", name, m)
		}
	}
}

var quoted = regexp.MustCompile(`"[^"\n]*"`)

// factStrings is every string the facts hold.
func factStrings(f *facts.Facts) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	raw, _ := json.Marshal(f)
	var tree any
	json.Unmarshal(raw, &tree)
	walk(tree)
	return out
}

// allowedEnglish is every string the facts hold, every ID and reason, and
// every English run the Japanese catalog's own translations keep, longest
// first so a long value is removed before a short one inside it.
func allowedEnglish(t testing.TB, f *facts.Facts, fs []finding.Finding) []string {
	t.Helper()
	out := factStrings(f)
	for _, fd := range fs {
		out = append(out, fd.ID, fd.Reason)
	}
	cat, err := i18n.Catalog(i18n.Japanese)
	if err != nil {
		t.Fatal(err)
	}
	for _, ja := range cat {
		out = append(out, englishRun.FindAllString(ja, -1)...)
	}
	// The same values as the Markdown report writes them.
	for _, v := range out {
		out = append(out, escape.Markdown(v))
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	n := 0
	for _, s := range out {
		if len(s) > 1 {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

// htmlText is the text a person reads on the page: text nodes outside
// <style>, an element's end marked with a NUL.
func htmlText(t *testing.T, page []byte) string {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(page))
	var b strings.Builder
	inStyle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			inStyle = string(name) == "style"
		case html.EndTagToken:
			inStyle = false
			b.WriteString("\x00") // a cell or a label ends: words on either side are not one sentence
		case html.TextToken:
			if !inStyle {
				b.Write(z.Text())
			}
		}
	}
}

func findingByID(fs []finding.Finding, id string) finding.Finding {
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	return finding.Finding{}
}
