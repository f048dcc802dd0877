package cli

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// The PAC bypass writes sends every profile endpoint DIRECT and the rest
// to the proxy, evaluated by a real JavaScript engine.
func TestBypassPAC(t *testing.T) {
	code, out, errOut := runCLI(t, gather.Env{}, "bypass", "--format", "pac")
	if code != ExitOK {
		t.Fatalf("bypass --format pac: exit %d, %s", code, errOut)
	}
	pac, err := proxy.ParsePAC("bypass.pac", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := profile.Default()
	hosts := []string{"other.example"}
	for _, e := range p.Endpoints {
		hosts = append(hosts, e.ProbeHost())
		if e.IsWildcard() {
			hosts = append(hosts, "another"+e.Host[1:]) // any name under the wildcard
		}
	}
	for _, h := range hosts {
		got, err := pac.FindProxy(context.Background(), "https://"+h+"/", h, func(string) string { return "" })
		want := "DIRECT"
		if h == "other.example" {
			want = "PROXY PROXY_HERE"
		}
		if err != nil || got != want {
			t.Errorf("FindProxyForURL(%s) = %q, %v; want %q", h, got, err, want)
		}
	}
}

func TestBypassListAndCSV(t *testing.T) {
	p, _ := profile.Default()
	_, list, _ := runCLI(t, gather.Env{}, "bypass")
	_, csvOut, _ := runCLI(t, gather.Env{}, "bypass", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil || len(rows) != len(p.Endpoints)+1 {
		t.Fatalf("csv: %d rows, %v; want a header and %d endpoints", len(rows), err, len(p.Endpoints))
	}
	for i, e := range p.Endpoints {
		if !strings.Contains(list, e.Host+":443") || rows[i+1][0] != e.Host {
			t.Errorf("endpoint %s missing from the list or the CSV", e.Host)
		}
	}
	if code, _, errOut := runCLI(t, gather.Env{}, "bypass", "--format", "xml"); code != ExitUsage || !strings.Contains(errOut, "list, csv or pac") {
		t.Errorf("bypass --format xml: exit %d, %q", code, errOut)
	}
}
