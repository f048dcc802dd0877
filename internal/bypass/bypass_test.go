package bypass

import (
	"bytes"
	"context"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// hostile is a profile whose free-text fields try to become code or
// formulas in what bypass writes.
func hostile() *profile.Profile {
	p := &profile.Profile{Version: "1\nfunction FindProxyForURL(u, h) { return \"PROXY evil:1\"; } //", Source: profile.Source{Date: "*/ x = 1; /*", URL: "http://x/\r\n"}}
	p.Endpoints = []profile.Endpoint{
		{Host: "*.support.services.microsoft.com", Port: 443, Required: true, Purpose: "=HYPERLINK(\"http://evil\",\"click\")"},
		{Host: "turn.azure.com", Port: 443, Purpose: "relay\n# not a comment"},
	}
	return p
}

// The PAC written for a hostile profile is still only our function: a
// JavaScript engine (goja, the one qadoctor evaluates PACs with) sends the
// endpoints DIRECT and the rest to PROXY_HERE, never to the profile's
// "evil" proxy.
func TestPACQuotesProfileStrings(t *testing.T) {
	var b bytes.Buffer
	if err := WritePAC(&b, hostile()); err != nil {
		t.Fatal(err)
	}
	pac, err := proxy.ParsePAC("bypass.pac", b.Bytes())
	if err != nil {
		t.Fatalf("the generated PAC does not compile: %v\n%s", err, b.String())
	}
	for host, want := range map[string]string{
		"remoteassistance.support.services.microsoft.com": "DIRECT",
		"turn.azure.com":  "DIRECT",
		"www.example.com": "PROXY PROXY_HERE",
	} {
		got, err := pac.FindProxy(context.Background(), "https://"+host+"/", host, func(string) string { return "" })
		if err != nil || got != want {
			t.Errorf("FindProxyForURL(%s) = %q, %v; want %q\n%s", host, got, err, want, b.String())
		}
	}
}

func TestListAndCSVNeutraliseProfileStrings(t *testing.T) {
	var list, table bytes.Buffer
	WriteList(&list, hostile())
	for i, line := range strings.Split(strings.TrimSuffix(list.String(), "\n"), "\n") {
		if i > 0 && !strings.Contains(line, "\t# ") {
			t.Errorf("list line %d %q is not a host with its comment: a profile string broke the line", i+1, line)
		}
	}
	WriteCSV(&table, hostile())
	rows, err := csv.NewReader(&table).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("CSV cell %q would run as a formula", cell)
			}
		}
	}
}

// hostileJS is a profile whose text uses every line terminator JavaScript
// has (LF, CR, U+2028, U+2029), a block comment's end, quotes and
// backslashes, in the version, the source, the purposes and a host, to
// end the comment or the string it is written into and run as code.
func hostileJS() *profile.Profile {
	evil := func(n string) string {
		return `FindProxyForURL = function (u, h) { return "PROXY evil.example:` + n + `"; }; function FindProxyForURL(u, h) { return "PROXY evil.example:` + n + `"; } //`
	}
	p := &profile.Profile{
		Version: "2026.12.1\u2028" + evil("1"),
		Source:  profile.Source{Date: "2026-12-01\u2029" + evil("2"), URL: "http://x/\r" + evil("3")},
	}
	p.Endpoints = []profile.Endpoint{
		{Host: "*.support.services.microsoft.com", Port: 443, Required: true, Purpose: "relay */ " + evil("4") + " /*"},
		{Host: "Turn.Azure.com", Port: 443, Purpose: "turn\r\n" + evil("5")},
		{Host: "login.microsoftonline.com", Port: 443, Purpose: "sign-in \\\"' \u2028" + evil("6")},
		{Host: "evil\"\u2028host\\'", Port: 443, Purpose: "a host that is not one"},
	}
	return p
}

// pacHostsOf are the hosts a PAC for p must send DIRECT: each endpoint's
// (a name under a wildcard's domain), as a browser would pass it.
func pacHostsOf(p *profile.Profile) []string {
	var hosts []string
	for _, e := range p.Endpoints {
		if e.IsWildcard() {
			hosts = append(hosts, "x"+e.Host[1:])
		} else {
			hosts = append(hosts, e.Host)
		}
	}
	return hosts
}

// The PAC for a profile whose text holds JavaScript's other line
// terminators (U+2028, U+2029, CR) is plain ASCII, its only line breaks
// the writer's own, so no profile text leaves its comment or its string;
// goja sends every endpoint DIRECT and the rest to PROXY_HERE. (pacparser,
// a real engine, checks the same in TestPACOfHostileProfileInPacparser.)
func TestPACEscapesEveryLineTerminator(t *testing.T) {
	var b bytes.Buffer
	if err := WritePAC(&b, hostileJS()); err != nil {
		t.Fatal(err)
	}
	checkPACText(t, b.String(), len(hostileJS().Endpoints))
	pac, err := proxy.ParsePAC("bypass.pac", b.Bytes())
	if err != nil {
		t.Fatalf("the generated PAC does not compile: %v\n%s", err, b.String())
	}
	for _, host := range append(pacHostsOf(hostileJS()), "www.example.com") {
		want := "DIRECT"
		if host == "www.example.com" {
			want = "PROXY PROXY_HERE"
		}
		got, err := pac.FindProxy(context.Background(), "https://"+host+"/", host, func(string) string { return "" })
		if err != nil || got != want {
			t.Errorf("FindProxyForURL(%q) = %q, %v; want %q\n%s", host, got, err, want, b.String())
		}
	}
}

// printablePAC is the text a generated PAC may hold: printable ASCII and
// the writer's own line feeds.
var printablePAC = regexp.MustCompile(`^[ -~\n]*$`)

// checkPACText checks the shape of a generated PAC: printable ASCII, two
// comment lines, the function's lines, one per endpoint, and nothing else.
func checkPACText(t testing.TB, pac string, endpoints int) {
	t.Helper()
	if !printablePAC.MatchString(pac) {
		for i, r := range pac {
			if (r < ' ' || r > '~') && r != '\n' {
				t.Fatalf("the PAC holds %U at byte %d, a character no profile text may put there raw:\n%q", r, i, pac)
			}
		}
	}
	lines := strings.Split(strings.TrimSuffix(pac, "\n"), "\n")
	if want := 2 + 2 + endpoints + 2; len(lines) != want {
		t.Fatalf("the PAC has %d lines; want %d (two comments, the function, one line per endpoint):\n%s", len(lines), want, pac)
	}
	for i, l := range lines[:2] {
		if !strings.HasPrefix(l, "// ") {
			t.Errorf("line %d %q should be a comment", i+1, l)
		}
	}
}

// FuzzWritePAC: whatever the profile's text, the PAC is printable ASCII
// of the expected shape (so no line terminator sits inside a comment or a
// string), and goja's evaluation sends each endpoint host a profile can
// hold DIRECT and anything else either DIRECT or to PROXY_HERE, never to a
// proxy the text names.
func FuzzWritePAC(f *testing.F) {
	f.Add("2026.12.1", "relay", "turn.azure.com")                                       // a plain profile
	f.Add("1\u2028function FindProxyForURL(u,h){return 'PROXY evil:1'}", "x", "a.test") // U+2028 ends a // comment
	f.Add("1\u2029x", "*/ x = 1; /*", "*.b.test")                                       // U+2029, a block comment's end
	f.Add("1\rFindProxyForURL=0", "\"' \\", "a\"\u2028b\\'")                            // CR, quotes, backslashes
	f.Add("\xff\xfe", "\x00", "\xed\xa0\x80")                                           // invalid UTF-8, a lone surrogate's bytes
	dnsName := regexp.MustCompile(`^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$`)
	f.Fuzz(func(t *testing.T, version, purpose, host string) {
		p := &profile.Profile{Version: version, Source: profile.Source{Date: purpose, URL: version}}
		p.Endpoints = []profile.Endpoint{
			{Host: "turn.azure.com", Port: 443, Purpose: purpose},
			{Host: host, Port: 443, Purpose: version},
			{Host: "*.support.services.microsoft.com", Port: 443, Purpose: purpose + version},
		}
		var b bytes.Buffer
		if err := WritePAC(&b, p); err != nil {
			t.Fatal(err)
		}
		checkPACText(t, b.String(), len(p.Endpoints))
		pac, err := proxy.ParsePAC("fuzz.pac", b.Bytes())
		if err != nil {
			t.Fatalf("the generated PAC does not compile: %v\n%s", err, b.String())
		}
		for i, h := range pacHostsOf(p) {
			got, err := pac.FindProxy(context.Background(), "https://"+h+"/", h, func(string) string { return "" })
			if err != nil {
				t.Fatalf("FindProxyForURL(%q): %v\n%s", h, err, b.String())
			}
			name := i != 1 || dnsName.MatchString(host) && !strings.Contains(host, "..")
			if name && got != "DIRECT" || got != "DIRECT" && got != "PROXY PROXY_HERE" {
				t.Fatalf("FindProxyForURL(%q) = %q; want DIRECT\n%s", h, got, b.String())
			}
		}
	})
}
