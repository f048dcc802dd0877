package checks

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
)

// Each cause net.proxy names gets the steps that act on it, and none that
// belong to another: Microsoft's statement on decrypting proxies is for
// interception, never for a PAC that does not compile or a proxy that is
// gone.
func TestProxyFixesBelongToTheirCause(t *testing.T) {
	en := i18n.New(i18n.English)
	interception := en.Text(notSupported)
	through := func(kind, errText string, schemes ...string) func(*facts.EndpointFacts) {
		return func(e *facts.EndpointFacts) {
			e.Route = facts.Route{Via: "proxy", Proxy: "proxy.corp.example:8080", Source: "pac", Rule: facts.RulePAC, PACAnswer: "PROXY proxy.corp.example:8080"}
			e.TCP.Step = facts.Step{State: facts.StepFailed, Kind: kind, Error: errText}
			e.TCP.ProxyAuthSchemes = schemes
			blocked := facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepTCP}
			e.TLS = facts.TLS{Step: blocked}
		}
	}
	brokenPAC := func(e *facts.EndpointFacts) {
		through(probe.KindProxyPAC, "SyntaxError: Unexpected end of input")(e)
		e.Route = facts.Route{Via: "proxy", Source: "pac", Rule: facts.RulePACEval, Error: "SyntaxError: Unexpected end of input"}
	}
	tests := []struct {
		name   string
		mod    func(*facts.EndpointFacts)
		reason string
		wants  string // a step this cause must have
		never  []string
	}{
		{"a PAC that does not compile", brokenPAC, "proxy-pac", "whoever maintains the proxy auto-config script", []string{interception, "without authentication"}},
		{"a proxy that is gone", through(probe.KindProxyDead, "connection refused"), "proxy-dead", "Check the proxy settings", []string{interception, "without authentication"}},
		{"not a proxy at all", through(probe.KindProxyGarbage, "malformed HTTP response"), "proxy-garbage", "Check the proxy settings", []string{interception, "without authentication"}},
		{"a refusal", through(probe.KindProxyRefused, "403 Forbidden"), "proxy-refused", "the list from qadoctor bypass", []string{interception}},
		{"Basic authentication", through(probe.KindProxyAuth, "407 Proxy Authentication Required", "Basic"), "proxy-auth", "without authentication", []string{interception}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &facts.Facts{MinTLS: "1.2", Endpoints: []facts.EndpointFacts{ep("remoteassistance.support.services.microsoft.com", true, tt.mod)},
				Proxy: facts.ProxySettings{Source: "pac", AutoConfigURL: "http://wpad.corp.example/proxy.pac"}}
			fd := judgeProxy(f, en)
			if fd.Status != finding.Fail || fd.Reason != tt.reason {
				t.Fatalf("net.proxy = %s %s; want fail %s (%s)", fd.Status, fd.Reason, tt.reason, fd.Summary)
			}
			fixes := strings.Join(fd.Fix, "\n")
			if !strings.Contains(fixes, tt.wants) {
				t.Errorf("%s: fixes\n%s\nlack %q", tt.reason, fixes, tt.wants)
			}
			for _, n := range tt.never {
				if strings.Contains(fixes, n) {
					t.Errorf("%s: fixes\n%s\nsay %q, which belongs to another cause", tt.reason, fixes, n)
				}
			}
		})
	}
}

// An NRPT namespace covers a host whatever the case or a trailing dot on
// either side ([MS-GPNRPT] 2.2.1; DNS names compare without case).
func TestNRPTCoversCanonicalNames(t *testing.T) {
	tests := []struct {
		ns, host string
		want     bool
	}{
		{".microsoft.com", "remoteassistance.support.services.microsoft.com", true},
		{".Microsoft.COM.", "remoteassistance.support.services.microsoft.com", true},
		{".microsoft.com", "RemoteAssistance.Support.Services.Microsoft.com.", true},
		{"remoteassistance.support.services.microsoft.com.", "remoteassistance.support.services.microsoft.com", true},
		{".microsoft.com", "microsoft.com", true},
		{".microsoft.com", "notmicrosoft.com", false},
		{".", "microsoft.com", false},
		{"", "microsoft.com", false},
	}
	for _, tt := range tests {
		if got := nrptCovers(tt.ns, tt.host); got != tt.want {
			t.Errorf("nrptCovers(%q, %q) = %v; want %v", tt.ns, tt.host, got, tt.want)
		}
	}
}

// An answer to HEAD that is not a usable HTTP answer is named, with the
// error, as a warning of its own: never a silent skip.
func TestHealthNamesABadAnswer(t *testing.T) {
	e := ep("remoteassistance.support.services.microsoft.com", true, func(e *facts.EndpointFacts) {
		e.HTTP.Step = facts.Step{State: facts.StepFailed, Kind: facts.KindOther, Error: "answered HEAD / with 101 Switching Protocols, though no upgrade was asked for"}
	})
	fd := judgeHealth(&facts.Facts{Endpoints: []facts.EndpointFacts{e}}, i18n.New(i18n.English))
	if fd.Status != finding.Warn || fd.Reason != "http-bad-answer" || !strings.Contains(fd.Cause, "101 Switching Protocols") {
		t.Errorf("service.health = %s %s %q; want warn http-bad-answer naming the answer", fd.Status, fd.Reason, fd.Cause)
	}
}
