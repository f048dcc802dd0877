package checks

import (
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// tls.os-stack asks Windows' own HTTP stack, WinHTTP with SCHANNEL's TLS
// and the system proxy, about each leg's endpoint (../shared/CAUSES.md
// section 1b):
//
//   - the RDP relay: the screen leg is Windows' RDP stack reaching it with
//     SCHANNEL ("RDP shares the video to the helper over https (port 443)
//     through the RDP relay service", Microsoft's Quick Assist page,
//     2024-07-01), so SCHANNEL failing there while qadoctor's own TLS gets
//     through means the session ends when sharing starts;
//   - the service: WebView2, which carries the web leg, does not use
//     WinHTTP or SCHANNEL (Eric Lawrence, textslashplain.com), so this says
//     what Windows' own TLS settings allow, not how the web leg fares.

var titleOSStack = i18n.Key("Windows' own HTTP stack (WinHTTP) reaches the service")

// osStackAsk is one WinHTTP request and the profile endpoint it went to.
type osStackAsk struct {
	o      facts.OSStack
	screen bool                // the RDP relay, the screen leg's endpoint
	e      facts.EndpointFacts // the endpoint asked, when found
	found  bool
}

// reached says SCHANNEL made the secure channel: WinHTTP got an HTTP
// answer, or (the relay need not speak HTTP) completed the handshake.
func (a osStackAsk) reached() bool {
	return a.o.State == facts.OSStackOK || a.o.SecureChannel
}

// local says qadoctor's own TLS reached the same endpoint with a trusted
// chain: the network is fine, so Windows' settings are to blame.
func (a osStackAsk) local() bool {
	return a.found && a.e.TLS.State == facts.StepOK && a.e.TLS.Verified
}

func (a osStackAsk) host() string {
	if a.found {
		return a.e.Endpoint.ProbeHost()
	}
	return a.o.URL
}

// osStackAsked reports a request that was made (or cut off): not one that
// was not selected, had no endpoint, or cannot run off Windows.
func osStackAsked(o facts.OSStack) bool {
	switch o.State {
	case "", facts.OSStackNotSelected, facts.OSStackNoEndpoint, facts.OSStackNotWindows:
		return false
	}
	return true
}

func judgeOSStack(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if f.OSStack.State == facts.OSStackNotWindows || f.OSStackScreen.State == facts.OSStackNotWindows {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Windows only: the request goes through WinHTTP, with SCHANNEL and the system proxy.")}
	}
	var asks []osStackAsk
	for _, a := range []osStackAsk{{o: f.OSStack}, {o: f.OSStackScreen, screen: true}} {
		if !osStackAsked(a.o) {
			continue
		}
		for _, e := range f.Endpoints {
			if a.o.URL == "https://"+e.Endpoint.Address()+"/" {
				a.e, a.found = e, true
				break
			}
		}
		asks = append(asks, a)
	}
	if len(asks) == 0 {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	}

	var ev []finding.Evidence
	var failed []osStackAsk
	var statuses []finding.Status
	for _, a := range asks {
		st := finding.Pass
		detail := osStackAnswer(tr, a.o)
		if !a.reached() {
			// The web request fails the check as it always has (SCHANNEL
			// is the screen leg's TLS too); the relay as much as its
			// endpoint weighs.
			st = finding.Fail
			if a.screen && a.found {
				st = severity(a.e)
			}
			detail = osStackWhat(tr, a.o)
			failed = append(failed, a)
		}
		statuses = append(statuses, st)
		// The relay is named as every check names an endpoint, so the
		// finding takes its leg and step (the screen, when sharing
		// starts); the web request keeps its URL, being no web-leg fact.
		subj := a.o.URL
		note := tr.Sprintf("Windows' own TLS settings (WebView2, which carries the web leg, does not use WinHTTP)")
		if a.screen {
			note = tr.Sprintf("the screen leg's TLS, as Windows makes it")
			if a.found {
				subj = subject(a.e)
			}
		}
		ev = append(ev, finding.Evidence{Subject: subj, Status: st, Detail: tr.Sprintf("%s: %s", note, detail), Facts: a.o})
	}

	if len(failed) == 0 {
		fd := finding.Finding{Status: finding.Pass, Evidence: ev}
		var web, screen *osStackAsk
		for i := range asks {
			if asks[i].screen {
				screen = &asks[i]
			} else {
				web = &asks[i]
			}
		}
		switch {
		case screen != nil && web != nil:
			fd.Summary = tr.Sprintf("WinHTTP, with SCHANNEL and the system proxy, reached %s and made the TLS channel to the RDP relay %s, which the screen goes through.", web.host(), screen.host())
		case screen != nil:
			fd.Summary = tr.Sprintf("SCHANNEL, through WinHTTP and the system proxy, made the TLS channel to the RDP relay %s, which the screen goes through.", screen.host())
		case web.o.State == facts.OSStackOK:
			fd.Summary = tr.Sprintf("WinHTTP, with SCHANNEL and the system proxy, got an HTTP answer (%d) from %s.", web.o.StatusCode, web.o.URL)
		default:
			fd.Summary = tr.Sprintf("WinHTTP, with SCHANNEL and the system proxy, made the TLS channel to %s.", web.host())
		}
		return fd
	}

	// The relay's failure is the one a person meets (the screen goes
	// through SCHANNEL); the web request's says what Windows' settings allow.
	a := failed[0]
	for _, x := range failed {
		if x.screen {
			a = x
		}
	}
	what := osStackWhat(tr, a.o)
	fd := finding.Finding{Status: finding.Worst(statuses...), Evidence: ev,
		Reason: "os-stack-" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(a.o.ErrorName, "ERROR_WINHTTP_")), "_", "-"),
		Fix: []string{
			tr.Sprintf("Check os.schannel, os.winhttp and os.cipher-policy in this report: they govern this request."),
			tr.Sprintf("Check the system proxy: netsh winhttp show proxy, and Settings > Network & internet > Proxy."),
		},
	}
	if a.o.ErrorName == "" {
		fd.Reason = "os-stack-" + a.o.State
	}
	if a.local() {
		fd.Reason += "-local"
	}
	if !a.screen {
		fd.Summary = tr.Sprintf("WinHTTP could not reach %s: %s.", a.o.URL, what)
		fd.Cause = tr.Sprintf("Windows' own HTTP stack could not make the secure connection: %s.", what)
		// Go's own TLS got through to the same endpoint: the difference is
		// this PC's Windows settings (SCHANNEL policy, cipher suites, proxy).
		if a.local() {
			fd.Cause += tr.Sprintf(" qadoctor's own TLS reached the same endpoint, so the network is fine: Windows' TLS settings or its proxy configuration are to blame.")
		}
		fd.Cause += " " + tr.Sprintf("WebView2, which carries the web leg, does not use WinHTTP, so this is not the web leg failing: it says what Windows' own TLS settings allow, and the screen leg goes through the same SCHANNEL.")
		return fd
	}

	fd.Summary = tr.Sprintf("Windows' own TLS (SCHANNEL, through WinHTTP) could not reach the RDP relay %s: %s.", a.host(), what)
	fd.Cause = tr.Sprintf("The screen goes through the RDP relay %s with Windows' own TLS (SCHANNEL), and SCHANNEL could not make the secure connection: %s.", a.host(), what)
	if a.local() {
		fd.Cause += " " + tr.Sprintf("qadoctor's own TLS reached the relay, so the network is fine: this PC's Windows settings take away what the relay needs, a TLS version (os.schannel), a cipher suite (os.cipher-policy) or an algorithm FIPS mode forbids (os.fips).")
	}
	fd.Cause += " " + tr.Sprintf("So %s: the code and consent work, then the security message appears.", leg.Sharing.Clause(tr))
	fd.Fix = append([]string{
		tr.Sprintf("Check os.schannel, os.cipher-policy and os.fips in this report: a TLS version, cipher suite or algorithm switched off there is what SCHANNEL lacks for the relay."),
	}, fd.Fix[1:]...)
	// With the system state read, show the settings those checks find off.
	if f.System.State == facts.SystemRead {
		for _, c := range []struct {
			id    string
			judge func(*facts.Facts, *i18n.Printer) finding.Finding
		}{{"os.schannel", judgeSchannel}, {"os.cipher-policy", judgeCipherPolicy}, {"os.fips", judgeFIPS}} {
			sub := c.judge(f, tr)
			if sub.Status != finding.Fail && sub.Status != finding.Warn {
				continue
			}
			fd.Cause += " " + tr.Sprintf("%s finds: %s", c.id, sub.Summary)
			for _, e := range sub.Evidence {
				if e.Status == finding.Fail || e.Status == finding.Warn {
					e.Detail = tr.Sprintf("%s: %s", c.id, e.Detail)
					fd.Evidence = append(fd.Evidence, e)
				}
			}
		}
	}
	return fd
}

// osStackAnswer says what a request that made the secure channel got.
func osStackAnswer(tr *i18n.Printer, o facts.OSStack) string {
	if o.State == facts.OSStackOK {
		return tr.Sprintf("HTTP %d in %s", o.StatusCode, fmtMS(o.DurationMS))
	}
	return tr.Sprintf("SCHANNEL made the TLS channel; no HTTP answer after it (%s), which a relay need not give", osStackWhat(tr, o))
}

// osStackWhat says why a request failed: the WinHTTP error, named and
// explained, else what was recorded.
func osStackWhat(tr *i18n.Printer, o facts.OSStack) string {
	what := o.Error
	if o.CutOff {
		what = tr.Sprintf("no answer before the run's deadline")
	}
	if o.ErrorName != "" {
		what = tr.Sprintf("%s (%d): %s", o.ErrorName, o.ErrorCode, tr.Text(o.Meaning))
	}
	return what
}
