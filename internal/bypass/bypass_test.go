package bypass

import (
	"bytes"
	"context"
	"encoding/csv"
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
