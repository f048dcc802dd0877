package proxy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// A PAC stopped at the sandbox's memory bound is net.proxy's finding, and
// the finding says so, with the bound, in each language: whether the
// connection after the route failed (proxy-pac) or never ran because the
// run's deadline came first, which net.proxy used to judge a silent skip.
func TestPACMemoryBoundFinding(t *testing.T) {
	pac, err := proxy.ParsePAC("hostile.pac", []byte(`function FindProxyForURL(u, h) { return "x".repeat(1 << 29); }`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pac.Evaluate(context.Background(), "https://turn.azure.com/", "turn.azure.com", proxy.PACEnv{})
	var pe *proxy.PACError
	if !errors.As(err, &pe) || !errors.Is(err, proxy.ErrPACMemory) {
		t.Fatalf("Evaluate = %v; want a PACError at the memory bound", err)
	}
	raw := pe.Err.Error() // what gather records as the route's error
	route := facts.Route{Via: "unknown", Source: proxy.SourcePAC, Rule: facts.RulePACEval, Error: raw}
	for _, tcp := range []struct {
		name string
		step facts.TCP
	}{
		{"the connection failed on the route", facts.TCP{Step: facts.Step{State: facts.StepFailed, Kind: probe.KindProxyPAC, Error: raw}}},
		{"the deadline came before the connection", facts.TCP{Step: facts.Step{State: facts.StepNotRun, Kind: facts.KindNoSlot, WaitingOn: facts.WaitSlot}}},
	} {
		f := &facts.Facts{
			Proxy: facts.ProxySettings{Source: proxy.SourcePAC, AutoConfigURL: "hostile.pac", PAC: facts.PACLoaded},
			Endpoints: []facts.EndpointFacts{{
				Endpoint: profile.Endpoint{Host: "turn.azure.com", Port: 443, Required: true},
				Route:    route,
				TCP:      tcp.step,
			}},
		}
		for _, lang := range i18n.Langs {
			t.Run(tcp.name+"/"+string(lang), func(t *testing.T) {
				fd := judgeProxy(t, f, i18n.New(lang))
				text := fd.Summary + "\n" + fd.Cause
				for _, e := range fd.Evidence {
					text += "\n" + e.Detail
				}
				says := map[i18n.Lang]string{i18n.English: "more memory than the 64 MiB", i18n.Japanese: "メモリ上限 64 MiB"}[lang]
				if fd.Status != finding.Fail || fd.Reason != "proxy-pac" || !strings.Contains(fd.Summary, says) || !strings.Contains(fd.Cause, "64 MiB") {
					t.Errorf("net.proxy = %v %q; want a failure (proxy-pac) whose summary says %q and whose cause names 64 MiB:\n%s", fd.Status, fd.Reason, says, text)
				}
				if !strings.Contains(text, "String.prototype.repeat") {
					t.Errorf("net.proxy should name the call the bound stopped:\n%s", text)
				}
			})
		}
	}
}

func judgeProxy(t *testing.T, f *facts.Facts, tr *i18n.Printer) finding.Finding {
	t.Helper()
	for _, c := range checks.All() {
		if c.ID == "net.proxy" {
			return c.Judge(f, tr)
		}
	}
	t.Fatal("no net.proxy check")
	return finding.Finding{}
}
