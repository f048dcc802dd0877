package checks

import (
	"slices"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// net.browser is the PC's own browser's verdict on the web leg (issue
// 24): Edge (Chromium elsewhere) requested each web endpoint itself, with
// the PC's proxy settings, its certificate store and its policies, and
// its NetLog says how each went. WebView2, which carries the web leg, is
// the same network stack, so:
//
//   - an endpoint the browser could not use fails here, with Chromium's
//     own error name as the reason (browser-<error>);
//   - where qadoctor's own probes failed an endpoint the browser used,
//     the browser is trusted for the web leg: trustBrowser marks those
//     findings as not borne out (a warning, not a failure).

var titleBrowser = i18n.Key("The PC's browser (Edge) reaches the web endpoints")

// browserEndpoint is one of the browser's requests and the profile
// endpoint it went to.
type browserEndpoint struct {
	b      facts.BrowserEndpoint
	e      facts.EndpointFacts
	found  bool
	status finding.Status // what judgeBrowser made of it
}

func (a browserEndpoint) subject() string {
	if a.found {
		return subject(a.e)
	}
	return a.b.Address
}

// answeredForIt says the answer came under a certificate that is not
// the endpoint's expected issuer's, and is one a device that decrypts
// gives in the server's place: a WebSocket upgrade not switched (101),
// an HTTP 403, 407 or 5xx (a block page, its own error), or a redirect to
// another host (a block or sign-in portal). The browser did not use the
// endpoint then. (A refusal of the server's own, passed on by a device
// that decrypts, looks the same from here; either way the web leg meets
// it.)
func (a browserEndpoint) answeredForIt() bool {
	if !a.b.Usable || !a.found || !notExpectedIssuer(a.e, a.b.CertIssuer) {
		return false
	}
	if a.b.WebSocket {
		return !a.b.Opened
	}
	return deviceAnswer(a.b.Status) || a.b.Status >= 300 && a.b.Status < 400 && a.b.RedirectHost != "" &&
		!strings.EqualFold(strings.TrimSuffix(a.b.RedirectHost, "."), strings.TrimSuffix(a.e.Endpoint.ProbeHost(), "."))
}

// deviceAnswer is a status a device that decrypts gives in the server's
// place: a block page (403), its own sign-in (407), its own error (5xx).
func deviceAnswer(status int) bool { return status == 403 || status == 407 || status >= 500 }

// notExpectedIssuer says issuer is known and is none of the endpoint's
// expected issuers.
func notExpectedIssuer(e facts.EndpointFacts, issuer string) bool {
	if len(e.Endpoint.Issuers) == 0 || issuer == "" {
		return false
	}
	for _, want := range e.Endpoint.Issuers {
		if strings.Contains(strings.ToLower(issuer), strings.ToLower(want)) {
			return false
		}
	}
	return true
}

// used says the browser used the endpoint: the server answered.
func (a browserEndpoint) used() bool { return a.b.Usable && !a.answeredForIt() }

// overrules says the browser's use of the endpoint is enough to overrule
// a failure of qadoctor's own probe: used, and for a WebSocket, opened
// (an answer other than 101 from a server whose issuer the profile does
// not name cannot be told from a device's).
func (a browserEndpoint) overrules() bool { return a.used() && (!a.b.WebSocket || a.b.Opened) }

// ours says whether qadoctor's own probe reached the same endpoint's
// server: TLS with a trusted chain, and an answer to its exchange.
func ours(e facts.EndpointFacts) bool {
	reached := e.TLS.State == facts.StepOK && e.TLS.Verified && e.HTTP.State == facts.StepOK
	if e.Endpoint.Kind() == profile.RoleWebSocket {
		// net.websocket's rule: an answer other than 101 through a
		// device that decrypts is not the server's.
		return reached && (e.HTTP.Upgraded || !intercepted(e))
	}
	// The browser's rule (answeredForIt): a device that decrypts and
	// answers 403, 407 or 5xx answered in the server's place.
	return reached && !(intercepted(e) && deviceAnswer(e.HTTP.Status))
}

// browserEndpoints pairs each of the browser's requests with the
// profile endpoint it went to: by address and by kind (a WebSocket
// channel and a web service may share an address).
func browserEndpoints(f *facts.Facts) []browserEndpoint {
	type key struct {
		address string
		ws      bool
	}
	byKey := make(map[key]facts.EndpointFacts, len(f.Endpoints))
	for _, e := range f.Endpoints {
		k := key{e.Endpoint.Address(), e.Endpoint.Kind() == profile.RoleWebSocket}
		if _, ok := byKey[k]; !ok {
			byKey[k] = e
		}
	}
	out := make([]browserEndpoint, 0, len(f.Browser.Endpoints))
	for _, b := range f.Browser.Endpoints {
		a := browserEndpoint{b: b}
		a.e, a.found = byKey[key{b.Address, b.WebSocket}]
		out = append(out, a)
	}
	return out
}

func judgeBrowser(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	b := f.Browser
	switch b.State {
	case facts.BrowserRan:
	case facts.BrowserSkippedRun:
		return finding.Finding{Status: finding.Skip, Summary: browserSkipped(tr, b)}
	case facts.BrowserFailed:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The browser (%s) could not be asked: %s", b.Program, b.Error)}
	case facts.BrowserCutOff:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The run's deadline ended the browser before it said anything; run again with a longer --timeout.")}
	default:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	}
	var ev []finding.Evidence
	var statuses []finding.Status
	var failed, differ []browserEndpoint
	for _, a := range browserEndpoints(f) {
		st, detail := finding.Pass, browserAnswer(tr, a)
		switch {
		case a.answeredForIt() && a.b.WebSocket:
			st = finding.Fail
			detail = tr.Sprintf("the WebSocket upgrade got HTTP %d from a certificate issued by %s, not the server's: something on the way answered for it", a.b.Status, a.b.CertIssuer) +
				"; " + detail
		case a.answeredForIt():
			st = finding.Fail
			detail = tr.Sprintf("HTTP %d under a certificate issued by %s, not the server's: the device that decrypts answered in the server's place, or passed on a refusal", a.b.Status, a.b.CertIssuer) +
				"; " + detail
		case !a.b.Usable && a.b.NetError == facts.BrowserNoAnswer && b.CutOff:
			// The run's deadline, not the path, ended the request.
			st = finding.Skip
			detail = tr.Sprintf("not judged: the run's deadline ended the browser before this request did")
		case !a.b.Usable && a.b.Connected:
			// TLS and all went through; the server's answer failed
			// after it, as qadoctor's own http-no-answer says of a
			// server that does not answer HTTP.
			st = finding.Warn
			detail = tr.Sprintf("connected, TLS and all; then %s", detail)
		case !a.b.Usable:
			st = finding.Fail
		}
		if st == finding.Fail && a.found {
			st = severity(a.e)
		}
		a.status = st
		if st != finding.Pass && st != finding.Skip {
			failed = append(failed, a)
		}
		if a.found && (st == finding.Pass) != ours(a.e) && a.e.TLS.State != facts.StepNotRun {
			differ = append(differ, a)
			if st == finding.Pass {
				detail += "; " + tr.Sprintf("qadoctor's own probe did not reach it (see the findings above): the browser is what Quick Assist uses")
			} else {
				detail += "; " + tr.Sprintf("qadoctor's own probe reached it: what differs is only in the browser (its proxy settings and sign-in to the proxy, its certificate store, its policies)")
			}
		}
		statuses = append(statuses, st)
		ev = append(ev, finding.Evidence{Subject: a.subject(), Status: st, Detail: detail, Facts: a.b})
	}
	for _, addr := range b.NotAsked {
		ev = append(ev, finding.Evidence{Subject: addr, Status: finding.Skip,
			Detail: tr.Sprintf("not asked: Chromium would rewrite its URL (dot segments, another spelling of an address, a query) or cannot request it, so its NetLog would not name it")})
	}
	if b.Truncated {
		ev = append(ev, finding.Evidence{Subject: b.Program, Status: finding.Skip,
			Detail: tr.Sprintf("the browser was ended before it closed its NetLog, which was read as far as it went (%d events)", b.NetLogEvents)})
	}
	fd := finding.Finding{Status: finding.Worst(statuses...), Evidence: ev}
	if len(ev) == 0 {
		fd.Status, fd.Summary = finding.Skip, tr.Sprintf("Not checked.")
		return fd
	}
	if len(failed) == 0 {
		fd.Summary = tr.Sprintf("The browser (%s) reached all %d web endpoints, as Quick Assist's WebView2 would.", b.Kind, len(statuses))
		if len(differ) > 0 {
			fd.Summary += " " + tr.Sprintf("qadoctor's own probes failed %d of them; the browser is trusted for the web leg.", len(differ))
		}
		return fd
	}
	// The worst first, required before optional.
	slices.SortStableFunc(failed, func(x, y browserEndpoint) int {
		if x.status != y.status {
			return int(y.status) - int(x.status)
		}
		return boolOrder(y.found && y.e.Endpoint.Required) - boolOrder(x.found && x.e.Endpoint.Required)
	})
	first := failed[0]
	code := browserErrorCode(first.b.NetError)
	switch {
	case first.answeredForIt() && first.b.WebSocket:
		code = "websocket-stripped"
	case first.answeredForIt():
		code = "intercepted"
	}
	fd.Reason = "browser-" + code
	var hosts []string
	for i, a := range failed {
		if i == 4 {
			hosts = append(hosts, tr.Sprintf("and %d more", len(failed)-4))
			break
		}
		hosts = append(hosts, a.b.URL)
	}
	fd.Summary = tr.Sprintf("The browser (%s) could not use %d of %d web endpoints: %s.", b.Kind, len(failed), len(statuses), strings.Join(hosts, ", "))
	page := strings.Replace(first.b.URL, "wss://", "https://", 1) // a WebSocket's host, as a page Edge can open
	switch {
	case first.status == finding.Warn && !first.answeredForIt() && first.b.Connected:
		fd.Cause = tr.Sprintf("Edge connected to %s, TLS and all, and then its request failed (%s): the path works; the server's answer does not, so the service may be degraded.", first.b.URL, browserErrorWords(tr, first.b))
	case first.answeredForIt():
		fd.Cause = tr.Sprintf("Edge shares WebView2's network stack, proxy settings and certificate store. Its request to %s was answered (HTTP %d) under a certificate issued by %s, not the server's: a device that decrypts the traffic answered in the server's place (a block page, a portal, its own error) or passed on a refusal, and Quick Assist's web leg meets the same.", first.b.URL, first.b.Status, first.b.CertIssuer)
	default:
		fd.Cause = tr.Sprintf("Edge shares WebView2's network stack, proxy settings and certificate store, so Quick Assist's web leg meets the same failure. Chromium's own error for %s is %s.", first.b.URL, browserErrorWords(tr, first.b))
	}
	open := tr.Sprintf("Open %s in Edge on this PC: the page Edge shows names the same error.", page)
	if first.b.NetError == facts.BrowserNoAnswer {
		open = tr.Sprintf("Open %s in Edge on this PC: a page that keeps loading is the same wait Quick Assist meets.", page)
	}
	fd.Fix = []string{
		open,
		tr.Sprintf("Follow the finding above that names the step (name, connection, proxy, TLS); if none does, the difference lies in what only the browser does: its proxy settings and sign-in to the proxy, its certificate store, Edge's policies."),
	}
	return fd
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// browserErrorCode writes Chromium's error name as a reason code's tail:
// lower case with dashes ("CERT_AUTHORITY_INVALID" → cert-authority-invalid).
func browserErrorCode(name string) string {
	if name == "" {
		return "error"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '_' || r == '-':
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// browserErrorWords says the error as Chromium names it, or that no
// answer came.
func browserErrorWords(tr *i18n.Printer, b facts.BrowserEndpoint) string {
	if b.NetError == facts.BrowserNoAnswer {
		return tr.Sprintf("no answer")
	}
	return "ERR_" + b.NetError
}

// browserAnswer says how one request went.
func browserAnswer(tr *i18n.Printer, a browserEndpoint) string {
	b := a.b
	var s string
	switch {
	case b.Opened:
		s = tr.Sprintf("the WebSocket opened (101)")
	case b.Usable && b.Status > 0:
		s = tr.Sprintf("answered HTTP %d", b.Status)
	case b.Usable:
		s = tr.Sprintf("the request went through")
	case b.NetError == facts.BrowserNoAnswer:
		s = tr.Sprintf("no answer before the browser was stopped")
	default:
		s = tr.Sprintf("Chromium's error %s", "ERR_"+b.NetError)
	}
	if b.ProxyAuth != "" {
		s += "; " + tr.Sprintf("the proxy asked for credentials (%s)", b.ProxyAuth)
	}
	if b.ProxyChain != "" && b.ProxyChain != "[direct://]" {
		s += "; " + tr.Sprintf("through %s", b.ProxyChain)
	}
	if b.CertIssuer != "" {
		s += "; " + tr.Sprintf("certificate issued by %s", b.CertIssuer)
	}
	return s
}

func browserSkipped(tr *i18n.Printer, b facts.Browser) string {
	switch b.Skipped {
	case facts.BrowserSkipFlag:
		return tr.Sprintf("Not asked (--no-browser).")
	case facts.BrowserSkipSystem:
		return tr.Sprintf("Not asked: run as SYSTEM (as Intune runs scripts), there is no signed-in user whose browser, proxy settings and certificates Quick Assist would use.")
	case facts.BrowserSkipPolicy:
		return tr.Sprintf("Not asked: Edge's policy %s switches its headless mode off.", b.Error)
	case facts.BrowserSkipNone:
		return tr.Sprintf("Not asked: no Edge, WebView2 runtime or Chromium was found on this PC.")
	case facts.BrowserSkipTime:
		return tr.Sprintf("Not asked: too little of the deadline was left to start the browser; run again with a longer --timeout.")
	case facts.BrowserSkipEndpoint:
		return tr.Sprintf("The profile has no web endpoint a browser can request.")
	case facts.BrowserSkipNeverAsked:
		return tr.Sprintf("Not asked: the browser (%s) never started its requests: its page, or a PAC it waits for, never loaded.", b.Program)
	case facts.BrowserSkipCredentials:
		return tr.Sprintf("Not asked: the --proxy given carries a user name and password, which a browser cannot take on its command line; it would fail where Quick Assist may sign in.")
	case facts.BrowserSkipPAC:
		return tr.Sprintf("Not asked: the --pac file is too large to hand to the browser; pass it as a URL.")
	}
	return tr.Sprintf("Not checked.")
}

// webProbeChecks are the checks of qadoctor's own probes of the web leg's
// endpoints: the ones the browser's verdict can overrule.
var webProbeChecks = []string{"net.dns", "net.reach", "net.proxy", "tls.interception", "tls.handshake", "tls.versions", "net.websocket", "service.health"}

// trustBrowser marks a failure of qadoctor's own probes as not borne out
// when the browser used every endpoint it failed: the web leg is the
// browser's network stack, so the browser's word stands. Such a finding
// becomes a warning, and says why; one that failed any endpoint the
// browser did not use (or did not ask: the RDP relay) stays as it is.
func trustBrowser(out []finding.Finding, f *facts.Facts, tr *i18n.Printer) {
	if f.Browser.State != facts.BrowserRan {
		return
	}
	// An endpoint's subject is usable when every request the browser
	// made to it overrules (a WebSocket and a web service on one address
	// share a subject).
	usable := map[string]bool{}
	for _, a := range browserEndpoints(f) {
		if was, seen := usable[a.subject()]; !seen || was {
			usable[a.subject()] = a.overrules()
		}
	}
	for i := range out {
		fd := &out[i]
		if fd.Status != finding.Fail || !slices.Contains(webProbeChecks, fd.ID) {
			continue
		}
		var overruled []string
		all := true
		for _, e := range fd.Evidence {
			if e.Status != finding.Fail {
				continue
			}
			if !usable[e.Subject] {
				all = false
				break
			}
			overruled = append(overruled, e.Subject)
		}
		if !all || len(overruled) == 0 {
			continue
		}
		fd.Status = finding.Warn
		for j := range fd.Evidence {
			if fd.Evidence[j].Status == finding.Fail {
				fd.Evidence[j].Status = finding.Warn
			}
		}
		note := tr.Sprintf("Not borne out: the PC's browser (%s) used %s, and Quick Assist's WebView2 is the same network stack (see net.browser). qadoctor's own probe differs from the browser here.", f.Browser.Kind, strings.Join(overruled, ", "))
		if fd.ID == "tls.interception" {
			// The browser saw the same device; what it does not bear out
			// is that the device breaks the web leg.
			note = tr.Sprintf("The PC's browser (%s) used %s through this device: the web leg works through it (Quick Assist's WebView2 is the same network stack; see net.browser), so this is a warning. The screen leg and the channels are judged by their own checks.", f.Browser.Kind, strings.Join(overruled, ", "))
		}
		fd.Cause = strings.TrimSpace(note + " " + fd.Cause)
	}
}
