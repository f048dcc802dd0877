package checks

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
)

func httpOK(e *facts.EndpointFacts) {
	e.HTTP = facts.HTTP{Step: facts.Step{State: facts.StepOK}, Status: 200}
}

func asked(e facts.EndpointFacts, mods ...func(*facts.BrowserEndpoint)) facts.BrowserEndpoint {
	b := facts.BrowserEndpoint{URL: "https://" + e.Endpoint.Host + "/", Address: e.Endpoint.Address(), Usable: true, Status: 200,
		ProxyChain: "[direct://]", CertIssuer: "Microsoft Azure RSA TLS Issuing CA 03"}
	if e.Endpoint.Kind() == profile.RoleWebSocket {
		b.URL, b.WebSocket, b.Status, b.Opened = "wss://"+e.Endpoint.Host+"/v4/c", true, 101, true
	}
	for _, m := range mods {
		m(&b)
	}
	return b
}

func netError(name string) func(*facts.BrowserEndpoint) {
	return func(b *facts.BrowserEndpoint) { b.Usable, b.Status, b.Opened, b.NetError = false, 0, false, name }
}

func TestJudgeBrowser(t *testing.T) {
	a := ep("a.test", true, httpOK)
	opt := ep("b.test", false, httpOK)
	untrusted := ep("c.test", true, certProblem("unknown-authority"))
	ws := ep("ws.test", true, httpOK, func(e *facts.EndpointFacts) { e.Endpoint.Role = profile.RoleWebSocket })
	ran := func(bs ...facts.BrowserEndpoint) facts.Browser {
		return facts.Browser{State: facts.BrowserRan, Kind: "edge", Program: `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, Endpoints: bs}
	}
	for _, tc := range []struct {
		name    string
		eps     []facts.EndpointFacts
		b       facts.Browser
		status  finding.Status
		reason  string
		summary string
		detail  string // in some evidence
	}{
		{"all usable", []facts.EndpointFacts{a, ws}, ran(asked(a), asked(ws)), finding.Pass, "", "reached all 2", "opened (101)"},
		{"a required endpoint fails as Chromium names it", []facts.EndpointFacts{a, untrusted}, ran(asked(a), asked(untrusted, netError("CERT_AUTHORITY_INVALID"))),
			finding.Fail, "browser-cert-authority-invalid", "could not use 1 of 2", "ERR_CERT_AUTHORITY_INVALID"},
		{"an optional one only warns", []facts.EndpointFacts{a, opt}, ran(asked(a), asked(opt, netError("NAME_NOT_RESOLVED"))),
			finding.Warn, "browser-name-not-resolved", "b.test", "NAME_NOT_RESOLVED"},
		{"the server failed after a good connection", []facts.EndpointFacts{a}, ran(asked(a, netError("CONNECTION_CLOSED"), func(b *facts.BrowserEndpoint) { b.Connected = true })),
			finding.Warn, "browser-connection-closed", "could not use", "connected, TLS and all; then Chromium's error ERR_CONNECTION_CLOSED"},
		{"no answer", []facts.EndpointFacts{a}, ran(asked(a, netError(facts.BrowserNoAnswer))), finding.Fail, "browser-no-answer", "could not use", "no answer before"},
		{"the browser fails where qadoctor passed", []facts.EndpointFacts{a}, ran(asked(a, netError("TUNNEL_CONNECTION_FAILED"))),
			finding.Fail, "browser-tunnel-connection-failed", "could not use", "qadoctor's own probe reached it"},
		{"the browser passes where qadoctor failed", []facts.EndpointFacts{a, untrusted}, ran(asked(a), asked(untrusted)),
			finding.Pass, "", "failed 1 of them", "qadoctor's own probe did not reach it"},
		{"a WebSocket answered by a certificate not the server's", []facts.EndpointFacts{ws}, ran(asked(ws, func(b *facts.BrowserEndpoint) {
			b.Status, b.Opened, b.CertIssuer = 426, false, "Squid Bump CA"
		})), finding.Fail, "browser-websocket-stripped", "ws.test", "HTTP 426"},
		{"a block page or error from a device that decrypts", []facts.EndpointFacts{a}, ran(asked(a, func(b *facts.BrowserEndpoint) {
			b.Status, b.CertIssuer = 503, "Squid Bump CA"
		})), finding.Fail, "browser-intercepted", "could not use 1 of 1", "HTTP 503 under a certificate issued by Squid Bump CA"},
		{"a redirect to a block portal from a device that decrypts", []facts.EndpointFacts{a}, ran(asked(a, func(b *facts.BrowserEndpoint) {
			b.Status, b.RedirectHost, b.CertIssuer = 302, "blockportal.corp.test", "Squid Bump CA"
		})), finding.Fail, "browser-intercepted", "could not use 1 of 1", "HTTP 302 under a certificate"},
		{"a redirect on the server's own host through it is the server's", []facts.EndpointFacts{a}, ran(asked(a, func(b *facts.BrowserEndpoint) {
			b.Status, b.RedirectHost, b.CertIssuer = 302, "a.test", "Squid Bump CA"
		})), finding.Pass, "", "reached all 1", "answered HTTP 302"},
		{"a 200 through a device that decrypts is the server's", []facts.EndpointFacts{a}, ran(asked(a, func(b *facts.BrowserEndpoint) { b.CertIssuer = "Squid Bump CA" })),
			finding.Pass, "", "reached all 1", "certificate issued by Squid Bump CA"},
		{"endpoints not asked are said", []facts.EndpointFacts{a}, func() facts.Browser {
			b := ran(asked(a))
			b.NotAsked = []string{"127.1:443"}
			return b
		}(), finding.Pass, "", "reached all 1", "not asked: Chromium would rewrite its URL"},
		{"--proxy with a password", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipCredentials}, finding.Skip, "", "user name and password", ""},
		{"a WebSocket the server itself refused", []facts.EndpointFacts{ws}, ran(asked(ws, func(b *facts.BrowserEndpoint) { b.Status, b.Opened = 403, false })),
			finding.Pass, "", "reached all 1", "HTTP 403"},
		{"a NetLog cut off", []facts.EndpointFacts{a}, func() facts.Browser {
			b := ran(asked(a))
			b.Truncated, b.NetLogEvents = true, 1234
			return b
		}(), finding.Pass, "", "reached all 1", "read as far as it went (1234 events)"},
		{"an unanswered request when the run was cut off is not judged", []facts.EndpointFacts{a}, func() facts.Browser {
			b := ran(asked(a, netError(facts.BrowserNoAnswer)))
			b.CutOff = true
			return b
		}(), finding.Skip, "", "", "not judged: the run's deadline"},
		{"through a proxy", []facts.EndpointFacts{a}, ran(asked(a, func(b *facts.BrowserEndpoint) { b.ProxyChain = "[proxy.test:3128]" })), finding.Pass, "", "reached", "through [proxy.test:3128]"},
		{"--no-browser", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipFlag}, finding.Skip, "", "--no-browser", ""},
		{"as SYSTEM", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipSystem}, finding.Skip, "", "SYSTEM", ""},
		{"headless mode off by policy", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipPolicy, Error: `HKLM\SOFTWARE\Policies\Microsoft\Edge\HeadlessModeEnabled`},
			finding.Skip, "", "HeadlessModeEnabled", ""},
		{"no browser", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipNone}, finding.Skip, "", "no Edge", ""},
		{"it would not start", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserFailed, Program: "msedgewebview2.exe", Error: "msedgewebview2.exe wrote no NetLog"},
			finding.Skip, "", "could not be asked", ""},
		{"cut off", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserCutOff}, finding.Skip, "", "deadline", ""},
		{"not selected", []facts.EndpointFacts{a}, facts.Browser{State: facts.BrowserNotSelected}, finding.Skip, "", "Not checked", ""},
	} {
		for _, lang := range i18n.Langs {
			t.Run(tc.name+"/"+string(lang), func(t *testing.T) {
				tr := i18n.New(lang)
				fd := judgeBrowser(&facts.Facts{Endpoints: tc.eps, Browser: tc.b}, tr)
				if fd.Status != tc.status || fd.Reason != tc.reason {
					t.Fatalf("status %v, reason %q; want %v, %q (%s)", fd.Status, fd.Reason, tc.status, tc.reason, fd.Summary)
				}
				if lang != i18n.English {
					return
				}
				if !strings.Contains(fd.Summary, tc.summary) {
					t.Errorf("summary %q does not say %q", fd.Summary, tc.summary)
				}
				var details []string
				for _, e := range fd.Evidence {
					details = append(details, e.Detail)
				}
				if !strings.Contains(strings.Join(details, "\n"), tc.detail) {
					t.Errorf("evidence %q does not say %q", details, tc.detail)
				}
			})
		}
	}
}

// A web-leg failure of qadoctor's own probes that the browser does not
// bear out becomes a warning, and the verdict moves on; a failure of the
// RDP relay (which the browser never asks) or of an endpoint the browser
// could not use either stays a failure.
func TestTrustBrowser(t *testing.T) {
	intercepted := func(e *facts.EndpointFacts) {
		e.TLS.Verified = true
		e.TLS.Chain = []facts.Certificate{{Subject: "CN=" + e.Endpoint.Host, Issuer: "CN=Corp Inspection CA,O=Corp"}}
	}
	web := ep("a.test", true, httpOK, certProblem("unknown-authority"))
	relay := ep("relay.test", true, certProblem("unknown-authority"), func(e *facts.EndpointFacts) { e.Endpoint.Role = profile.RoleRDPRelay })
	inspected := ep("b.test", true, httpOK, intercepted)
	judge := func(b facts.Browser, eps ...facts.EndpointFacts) []finding.Finding {
		return Judge(&facts.Facts{MinTLS: "1.2", Endpoints: eps, Browser: b, Hosts: facts.HostsFile{State: facts.HostsNotSelected}}, All(), i18n.New(i18n.English))
	}
	find := func(fs []finding.Finding, id string) finding.Finding {
		for _, f := range fs {
			if f.ID == id {
				return f
			}
		}
		t.Fatalf("no %s", id)
		return finding.Finding{}
	}
	ran := func(bs ...facts.BrowserEndpoint) facts.Browser {
		return facts.Browser{State: facts.BrowserRan, Kind: "edge", Endpoints: bs}
	}

	fs := judge(ran(asked(web)), web)
	hs := find(fs, "tls.handshake")
	if hs.Status != finding.Warn || !strings.Contains(hs.Cause, "Not borne out") || hs.Reason != "cert-unknown-authority" {
		t.Errorf("tls.handshake the browser does not bear out: %v %q %q", hs.Status, hs.Reason, hs.Cause)
	}
	if v := Verdict(fs, ""); v != nil && v.Status == finding.Fail {
		t.Errorf("the verdict is still a failure: %s %s", v.ID, v.Summary)
	}

	fs = judge(ran(asked(web, netError("CERT_AUTHORITY_INVALID"))), web)
	if hs := find(fs, "tls.handshake"); hs.Status != finding.Fail {
		t.Errorf("tls.handshake the browser bears out: %v", hs.Status)
	}
	if v := Verdict(fs, ""); v == nil || v.ID != "tls.handshake" {
		t.Errorf("verdict %v, want tls.handshake (the step both name)", v)
	}

	fs = judge(ran(asked(web)), web, relay)
	if hs := find(fs, "tls.handshake"); hs.Status != finding.Fail {
		t.Errorf("tls.handshake failing the RDP relay too: %v", hs.Status)
	}

	// A trusted interceptor: qadoctor fails tls.interception, Chromium
	// uses the path (TestPathsAgreeWithChromium's trusted ssl-bump row).
	fs = judge(ran(asked(inspected, func(b *facts.BrowserEndpoint) { b.CertIssuer = "Corp Inspection CA" })), inspected)
	if ic := find(fs, "tls.interception"); ic.Status == finding.Fail {
		t.Errorf("tls.interception on a path the browser used: %v %s", ic.Status, ic.Summary)
	}

	// A device that decrypts answered for the server (its 503): not
	// used, so nothing is demoted.
	fs = judge(ran(asked(inspected, func(b *facts.BrowserEndpoint) { b.Status, b.CertIssuer = 503, "Corp Inspection CA" })), inspected)
	if ic := find(fs, "tls.interception"); ic.Status != finding.Fail {
		t.Errorf("tls.interception where the interceptor answered 503 for the server: %v", ic.Status)
	}

	// A WebSocket the browser got an answer on but did not open, from a
	// server whose issuer the profile does not name: not enough to
	// overrule net.websocket.
	noIssuers := ep("ws.test", true, func(e *facts.EndpointFacts) {
		e.Endpoint.Role, e.Endpoint.Issuers = profile.RoleWebSocket, nil
		e.TLS.Verified = false // a device whose CA qadoctor does not trust, the PC does
		e.HTTP = facts.HTTP{Step: facts.Step{State: facts.StepOK}, Status: 403}
	})
	fs = judge(ran(asked(noIssuers, func(b *facts.BrowserEndpoint) { b.Status, b.Opened = 403, false })), noIssuers)
	if ws := find(fs, "net.websocket"); ws.Status != finding.Fail {
		t.Errorf("net.websocket overruled by a WebSocket the browser never opened: %v %s", ws.Status, ws.Cause)
	}

	// A web service and a WebSocket channel on one address: the
	// service's success does not overrule the channel's failure.
	shared := ep("b.test", true, httpOK, intercepted)
	sharedWS := ep("b.test", true, intercepted, func(e *facts.EndpointFacts) {
		e.Endpoint.Role = profile.RoleWebSocket
		e.HTTP = facts.HTTP{Step: facts.Step{State: facts.StepOK}, Status: 426}
	})
	fs = judge(ran(asked(shared, func(b *facts.BrowserEndpoint) { b.CertIssuer = "Corp Inspection CA" }),
		asked(sharedWS, func(b *facts.BrowserEndpoint) { b.Status, b.Opened, b.CertIssuer = 426, false, "Corp Inspection CA" })), shared, sharedWS)
	if ws := find(fs, "net.websocket"); ws.Status != finding.Fail {
		t.Errorf("net.websocket on an address whose web service the browser used: %v %s", ws.Status, ws.Cause)
	}
	if nb := find(fs, "net.browser"); nb.Reason != "browser-websocket-stripped" {
		t.Errorf("net.browser %v %q: the channel's request paired with the wrong endpoint", nb.Status, nb.Reason)
	}

	// The browser not asked: nothing changes.
	fs = judge(facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipFlag}, web)
	if hs := find(fs, "tls.handshake"); hs.Status != finding.Fail {
		t.Errorf("tls.handshake with no browser: %v", hs.Status)
	}
}

// The first step opens a page Edge can open (a WebSocket's host over
// https), and says what a page that never loads means.
func TestBrowserFixOpensAPage(t *testing.T) {
	ws := ep("ws.test", true, httpOK, func(e *facts.EndpointFacts) { e.Endpoint.Role = profile.RoleWebSocket })
	tr := i18n.New(i18n.English)
	fd := judgeBrowser(&facts.Facts{Endpoints: []facts.EndpointFacts{ws}, Browser: facts.Browser{State: facts.BrowserRan, Kind: "edge",
		Endpoints: []facts.BrowserEndpoint{asked(ws, netError("CERT_AUTHORITY_INVALID"))}}}, tr)
	if len(fd.Fix) == 0 || !strings.Contains(fd.Fix[0], "https://ws.test/v4/c") || strings.Contains(fd.Fix[0], "wss://") {
		t.Errorf("fix %q", fd.Fix)
	}
	fd = judgeBrowser(&facts.Facts{Endpoints: []facts.EndpointFacts{ws}, Browser: facts.Browser{State: facts.BrowserRan, Kind: "edge",
		Endpoints: []facts.BrowserEndpoint{asked(ws, netError(facts.BrowserNoAnswer))}}}, tr)
	if len(fd.Fix) == 0 || !strings.Contains(fd.Fix[0], "keeps loading") || !strings.Contains(fd.Cause, "no answer") {
		t.Errorf("no answer: fix %q, cause %q", fd.Fix, fd.Cause)
	}
}
