package checks

import (
	_ "embed"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
)

var (
	titleProxy        = i18n.Key("The proxy, if any, carries the traffic to Microsoft")
	titleInterception = i18n.Key("Nothing between this PC and Microsoft re-signs the connection")
	titleHealth       = i18n.Key("Microsoft's service answers normally")
)

// nonSupported is Microsoft's position on inspecting its traffic
// (learn.microsoft.com/microsoft-365/enterprise/network-intermediation; KB 2690045).
var notSupported = i18n.Key(`Microsoft: decrypting and re-encrypting its cloud traffic is "not a supported scenario"; "Microsoft 365 services expect a direct, secure TLS connection from client to service".`)

// windowsSignIn reports whether a 407 offers a scheme Windows answers with
// the signed-in account (Negotiate, NTLM, Kerberos), as WebView2 does.
func windowsSignIn(schemes []string) bool {
	for _, s := range schemes {
		switch strings.ToLower(s) {
		case "negotiate", "ntlm", "kerberos":
			return true
		}
	}
	return false
}

func judgeProxy(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	proxied := 0
	// pacFailed: the PAC decided no way for the endpoint. That is the
	// finding, whether or not a connection was tried after it (the run's
	// deadline may have come first): never a skip.
	pacFailed := func(e facts.EndpointFacts) bool {
		return e.Route.Rule == facts.RulePACEval || e.Route.Rule == facts.RulePACFailed || e.TCP.Kind == probe.KindProxyPAC
	}
	// pacMemory is the memory bound the PAC sandbox stopped a script at,
	// as its raw error says it ("… memory bound (64 MiB): what"), and the
	// what; n is "" for any other error.
	pacMemory := func(e facts.EndpointFacts) (n, what string) {
		_, rest, ok := strings.Cut(e.Route.Error, "memory bound (")
		n, what, unit := strings.Cut(rest, " MiB)")
		if !ok || !unit || n == "" || strings.Trim(n, "0123456789") != "" {
			return "", ""
		}
		return n, strings.TrimPrefix(what, ": ")
	}
	pacWhy := func(e facts.EndpointFacts) string {
		if n, what := pacMemory(e); n != "" {
			return tr.Sprintf("the proxy auto-config script needed more memory than the %s MiB qadoctor runs a PAC in (a working one uses kilobytes), so it was stopped: %s", n, what)
		}
		return routeWhy(tr, e.Route, f.Proxy)
	}
	for _, e := range f.Endpoints {
		if e.Route.Via == "direct" || e.Route.Via == "" {
			j.add(e, finding.Pass, tr.Sprintf("direct: %s", routeWhy(tr, e.Route, f.Proxy))+fellBack(tr, e.Route), e.Route)
			continue
		}
		proxied++
		t := e.TCP
		switch {
		case t.State == facts.StepOK:
			j.add(e, finding.Pass, tr.Sprintf("through %s (%s): CONNECT accepted", e.Route.Proxy, e.Route.Source)+fellBack(tr, e.Route), e.Route)
		case pacFailed(e):
			j.add(e, severity(e), pacWhy(e), e.Route)
		case e.Route.Rule == facts.RuleNotRouted:
			j.add(e, finding.Skip, tr.Sprintf("not checked: %s", routeWhy(tr, e.Route, f.Proxy)), e.Route)
		case t.State == facts.StepNotRun:
			j.add(e, finding.Skip, tr.Sprintf("through %s: %s", e.Route.Proxy, blockedBy(tr, t.Step)), e.Route)
		case t.Kind == probe.KindProxyAuth && windowsSignIn(t.ProxyAuthSchemes):
			// WebView2 answers Negotiate and NTLM with the signed-in
			// account, so this may well work for Quick Assist itself.
			j.add(e, finding.Warn, tr.Sprintf("through %s: %s, asking for %s", e.Route.Proxy, t.Error, strings.Join(t.ProxyAuthSchemes, ", ")), t)
		case t.Kind == probe.KindProxyAuth && len(t.ProxyAuthSchemes) > 0:
			j.add(e, severity(e), tr.Sprintf("through %s: %s, asking for %s", e.Route.Proxy, t.Error, strings.Join(t.ProxyAuthSchemes, ", ")), t)
		case probe.IsProxyKind(t.Kind):
			j.add(e, severity(e), tr.Sprintf("through %s: %s", e.Route.Proxy, t.Error), t)
		default:
			j.add(e, finding.Pass, tr.Sprintf("through %s (%s)", e.Route.Proxy, e.Route.Source), e.Route)
		}
	}
	src := f.Proxy.Source
	if w := f.Proxy.WinHTTP; w != "" {
		j.evidence = append(j.evidence, finding.Evidence{Subject: tr.Sprintf("WinHTTP proxy (netsh winhttp show proxy)"), Status: finding.Pass,
			Detail: tr.Sprintf("%s: what Windows services use; Quick Assist itself follows the user's settings", w), Facts: w})
	}
	if f.Proxy.AutoDetect {
		var detail string
		switch {
		case f.Proxy.Source == "pac" && f.Proxy.AutoConfigURL != "":
			detail = tr.Sprintf("on: found %s", f.Proxy.AutoConfigURL)
		case len(f.Proxy.WPADTried) > 0:
			detail = tr.Sprintf("on: no wpad.dat at %s, so Windows goes direct", strings.Join(f.Proxy.WPADTried, ", "))
		default:
			detail = tr.Sprintf("on: no DNS suffix to look for wpad.dat under (DHCP-announced WPAD is not queried)")
		}
		j.evidence = append(j.evidence, finding.Evidence{Subject: tr.Sprintf("Automatically detect settings (WPAD)"), Status: finding.Pass, Detail: detail})
	}
	if proxied == 0 {
		summary := tr.Sprintf("No proxy: the traffic goes direct.")
		if f.Proxy.AutoConfigURL != "" {
			summary = tr.Sprintf("The proxy auto-config script (%s) sends every endpoint DIRECT; the traffic was tested that way.", f.Proxy.AutoConfigURL)
		}
		return finding.Finding{Status: finding.Pass, Summary: summary, Evidence: j.evidence}
	}
	// Where the way came from: a PAC names its proxies per endpoint, and
	// the settings' own proxy is then empty.
	from, proxies := src, f.Proxy.Proxy
	if f.Proxy.AutoConfigURL != "" {
		from = tr.Sprintf("the PAC %s", f.Proxy.AutoConfigURL)
		var names []string
		for _, e := range f.Endpoints {
			if e.Route.Via == "proxy" && e.Route.Proxy != "" {
				names = append(names, e.Route.Proxy)
			}
		}
		proxies = strings.Join(dedupe(names), ", ")
	}
	fd, failed, done := j.finish(tr, func(n int) string {
		return tr.Sprintf("%d endpoint(s) go through the proxy %s (from %s), and it carries them.", proxied, proxies, from)
	})
	if done {
		return fd
	}
	e := failed[0]
	fd.Summary = tr.Sprintf("The proxy %s (from %s) does not carry %s.", e.Route.Proxy, from, hostList(tr, failed))
	// Each cause gets the steps that act on it: a proxy that is gone wants
	// the settings looked at, one that refuses wants the network team, a
	// PAC that does not run wants whoever maintains it.
	settings := tr.Sprintf("Check the proxy settings: Settings > Network & internet > Proxy (Win+R, then ms-settings:network-proxy).")
	direct := tr.Sprintf("Test the path without the proxy, if the network allows it: qadoctor diagnose --proxy direct")
	exempt := tr.Sprintf("Send this report and the list from qadoctor bypass to the network team: the proxy must let these endpoints through without authentication or inspection.")
	fd.Fix = []string{settings, direct, exempt}
	kind := e.TCP.Kind
	if pacFailed(e) {
		kind = probe.KindProxyPAC
	}
	switch kind {
	case probe.KindProxyAuth:
		if windowsSignIn(e.TCP.ProxyAuthSchemes) {
			fd.Reason = "proxy-auth-windows"
			fd.Summary = tr.Sprintf("The proxy %s (from %s) asks for a Windows sign-in (%s) before it carries %s.", e.Route.Proxy, src, strings.Join(e.TCP.ProxyAuthSchemes, ", "), hostList(tr, failed))
			fd.Cause = tr.Sprintf("The proxy %s answers 407 and offers %s. WebView2, which Quick Assist is built on, answers those with the signed-in user's Windows account, so Quick Assist itself usually gets through; parts of Windows that run as SYSTEM through WinHTTP may not. qadoctor does not sign in, so it cannot test what lies beyond the proxy.", e.Route.Proxy, strings.Join(e.TCP.ProxyAuthSchemes, ", "))
			fd.Fix = append([]string{tr.Sprintf("If Quick Assist still ends its sessions, ask the network team to let its endpoints through without authentication (Microsoft lists them for exemption).")}, fd.Fix...)
			break
		}
		fd.Reason = "proxy-auth"
		fd.Cause = tr.Sprintf("The proxy %s answers 407 Proxy Authentication Required. Quick Assist cannot sign in to a proxy; the network team must let its endpoints through without authentication.", e.Route.Proxy)
		if len(e.TCP.ProxyAuthSchemes) > 0 {
			fd.Cause = tr.Sprintf("The proxy %s answers 407 Proxy Authentication Required and wants a user name and password (%s). Quick Assist has no way to type them in; the network team must let its endpoints through without authentication.", e.Route.Proxy, strings.Join(e.TCP.ProxyAuthSchemes, ", "))
		}
	case probe.KindProxyRefused:
		fd.Reason = "proxy-refused"
		fd.Cause = tr.Sprintf("The proxy %s refuses to connect to %s: %s. Its rules block the endpoint.", e.Route.Proxy, e.Endpoint.Address(), e.TCP.Error)
		fd.Fix = append(fd.Fix, tr.Text(policyNote))
	case probe.KindProxyUpstream:
		fd.Reason = "proxy-upstream"
		fd.Cause = tr.Sprintf("The proxy %s took the connection to %s but could not carry it out itself: %s. Its own name lookup or its way out to the internet failed; this is the proxy's side, not a rule that blocks the endpoint.", e.Route.Proxy, e.Endpoint.Address(), e.TCP.Error)
		fd.Fix = []string{
			tr.Sprintf("Send this report to the network team: the proxy %s cannot reach %s (check its DNS and its way out).", e.Route.Proxy, e.Endpoint.ProbeHost()),
			direct,
		}
	case probe.KindProxyDead:
		fd.Reason = "proxy-dead"
		fd.Cause = tr.Sprintf("The proxy %s cannot be reached or hung up: %s. A proxy set on this PC that no longer exists (a home PC taken from the office, a stale setting) cuts it off.", e.Route.Proxy, e.TCP.Error)
		fd.Fix = []string{settings, direct}
	case probe.KindProxyPAC:
		fd.Reason = "proxy-pac"
		why := pacWhy(e)
		fd.Summary = tr.Sprintf("The proxy auto-config script does not work: %s.", why)
		fd.Cause = tr.Sprintf("Windows takes the way to each site from a PAC script (%s). Here %s, so the traffic goes nowhere.", f.Proxy.AutoConfigURL, why)
		if n, _ := pacMemory(e); n != "" {
			fd.Cause = tr.Sprintf("Windows takes the way to each site from a PAC script (%s). qadoctor runs it as a browser would, within %s MiB of memory; a working PAC uses kilobytes, and this one asked for more, for every address. Whatever Windows then does (runs out of memory or time, or gives up on the script), it is not a working configuration: its author must fix it.", f.Proxy.AutoConfigURL, n)
		}
		fd.Fix = []string{
			tr.Sprintf("Send this report to whoever maintains the proxy auto-config script (%s): the script must run and name a way for every endpoint.", f.Proxy.AutoConfigURL),
			tr.Sprintf("Test a corrected script before it is deployed: qadoctor diagnose --pac FILE"),
			direct,
		}
	case probe.KindProxyTimeout:
		fd.Reason = "proxy-timeout"
		fd.Cause = tr.Sprintf("The proxy %s accepted the connection but never answered CONNECT.", e.Route.Proxy)
	default:
		fd.Reason = "proxy-garbage"
		fd.Cause = tr.Sprintf("What answers at %s is not a working HTTP proxy: %s", e.Route.Proxy, e.TCP.Error)
		fd.Fix = []string{settings, direct}
	}
	return fd
}

//go:embed interceptors.json
var interceptorsJSON []byte

type interceptor struct {
	Vendor       string   `json:"vendor"`
	Organization []string `json:"organization"`
	CommonName   []string `json:"common_name"`
	Local        bool     `json:"local"` // antivirus on the PC itself
}

type interceptorTable struct {
	Source  string        `json:"source"`
	Date    string        `json:"date"`
	Vendors []interceptor `json:"vendors"`
}

func loadInterceptors() (interceptorTable, error) {
	return loadData[interceptorTable](interceptorsJSON)
}

// matchInterceptor names the product whose CA signed a chain, and the rule
// that matched; ok is false for an issuer in no table row.
func matchInterceptor(tr *i18n.Printer, t interceptorTable, chain []facts.Certificate) (v interceptor, rule string, ok bool) {
	for _, c := range chain {
		orgs := strings.ToLower(strings.Join(c.IssuerOrg, "|"))
		issuer := strings.ToLower(c.Issuer)
		for _, vd := range t.Vendors {
			for _, o := range vd.Organization {
				if strings.Contains(orgs, strings.ToLower(o)) {
					return vd, tr.Sprintf("issuer organization contains %q", o), true
				}
			}
			for _, cn := range vd.CommonName {
				if strings.Contains(issuer, "cn="+strings.ToLower(cn)) || strings.Contains(issuer, strings.ToLower(cn)) {
					return vd, tr.Sprintf("issuer name contains %q", cn), true
				}
			}
		}
	}
	return interceptor{}, "", false
}

// expectedIssuer reports whether any certificate of the chain was issued
// by one of the endpoint's expected issuers.
func expectedIssuer(e facts.EndpointFacts) bool {
	for _, c := range e.TLS.Chain {
		for _, want := range e.Endpoint.Issuers {
			if strings.Contains(strings.ToLower(c.Issuer), strings.ToLower(want)) {
				return true
			}
		}
	}
	return false
}

func judgeInterception(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	table, err := loadInterceptors()
	if err != nil {
		return finding.Finding{Status: finding.Error, Summary: tr.Sprintf("The built-in interceptor table is broken: %v", err)}
	}
	var j judged
	type hit struct {
		e      facts.EndpointFacts
		vendor interceptor
		rule   string
		known  bool
	}
	var hits []hit
	for _, e := range f.Endpoints {
		t := e.TLS
		switch {
		case t.State != facts.StepOK || len(t.Chain) == 0:
			j.add(e, finding.Skip, tr.Sprintf("not checked: no certificate chain was served"), nil)
		case len(e.Endpoint.Issuers) == 0:
			j.add(e, finding.Pass, tr.Sprintf("issuers not checked for this endpoint (the profile lists none); served by %s", t.Chain[0].Issuer), nil)
		case expectedIssuer(e):
			j.add(e, finding.Pass, tr.Sprintf("issued by %s", t.Chain[0].Issuer), nil)
		default:
			v, rule, known := matchInterceptor(tr, table, t.Chain)
			detail := tr.Sprintf("issued by %s (organization %s), not by a CA Microsoft uses (%s)", t.Chain[0].Issuer, strings.Join(t.Chain[0].IssuerOrg, ", "), strings.Join(e.Endpoint.Issuers, ", "))
			if known {
				detail += tr.Sprintf(": %s (%s)", v.Vendor, rule)
			} else {
				detail += tr.Sprintf(": an interceptor not in qadoctor's table")
			}
			j.add(e, severity(e), detail, t.Chain)
			hits = append(hits, hit{e, v, rule, known})
		}
	}
	fd, failed, done := j.finish(tr, func(n int) string {
		return tr.Sprintf("%d of %d endpoints present certificates from the CAs expected for them.", n, n)
	})
	if done {
		return fd
	}
	h := hits[0]
	for _, x := range hits {
		if x.known {
			h = x
			break
		}
	}
	issuer := h.e.TLS.Chain[0].Issuer
	where := tr.Sprintf("a TLS-inspecting proxy or firewall between this PC and Microsoft")
	if f.Proxy.Proxy == "" && h.e.Route.Via == "direct" {
		where = tr.Sprintf("something on the path that no proxy setting names: local antivirus HTTPS scanning or a transparent (network) proxy")
	}
	if h.known && h.vendor.Local {
		where = tr.Sprintf("antivirus on this PC that scans HTTPS")
	}
	if h.known {
		fd.Reason = "interception-" + strings.ToLower(strings.Fields(h.vendor.Vendor)[0])
		fd.Summary = tr.Sprintf("%s intercepts the TLS connection to %s.", h.vendor.Vendor, hostList(tr, failed))
		fd.Cause = tr.Sprintf("The certificate for %s is signed by %s, %s's CA (%s), not by Microsoft's: %s decrypts and re-encrypts the traffic. Quick Assist expects Microsoft's own certificate and ends the session.", h.e.Endpoint.ProbeHost(), issuer, h.vendor.Vendor, h.rule, where)
	} else {
		fd.Reason = "interception-unknown"
		fd.Summary = tr.Sprintf("An unknown interceptor re-signs the TLS connection to %s (issuer %s).", hostList(tr, failed), issuer)
		fd.Cause = tr.Sprintf("The certificate for %s is signed by %s, which is not a CA Microsoft uses: %s decrypts and re-encrypts the traffic.", h.e.Endpoint.ProbeHost(), issuer, where)
	}
	fd.Fix = []string{
		tr.Text(exemptInspection),
		tr.Text(notSupported),
	}
	if h.known && h.vendor.Local {
		fd.Fix = []string{tr.Sprintf("Turn off HTTPS (web) scanning in %s, or add the endpoints from qadoctor bypass to its exclusions.", h.vendor.Vendor), tr.Text(notSupported)}
	}
	return fd
}

func judgeHealth(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var ev []finding.Evidence
	answered, serverErrors := 0, 0
	var bad []facts.EndpointFacts
	var silent, garbled []facts.EndpointFacts
	for _, e := range f.Endpoints {
		h := e.HTTP
		if h.Exchange == facts.ExchangeUpgrade {
			continue // net.websocket judges the upgrade
		}
		if h.Unanswered() {
			silent = append(silent, e)
			ev = append(ev, finding.Evidence{Subject: subject(e), Status: finding.Warn, Detail: tr.Sprintf("TLS fine; no answer to HEAD / within %s", fmtMS(h.BoundMS)), Facts: h})
			continue
		}
		if h.State == facts.StepFailed && e.TLS.State == facts.StepOK {
			// Something answered after TLS, but not with a usable HTTP
			// answer: said, never a silent skip.
			garbled = append(garbled, e)
			ev = append(ev, finding.Evidence{Subject: subject(e), Status: finding.Warn, Detail: tr.Sprintf("TLS fine; its answer to HEAD / is not a usable HTTP answer: %s", h.Error), Facts: h})
			continue
		}
		if h.State != facts.StepOK {
			continue
		}
		answered++
		st := finding.Pass
		if h.Status >= 500 {
			st = finding.Warn
			serverErrors++
			bad = append(bad, e)
		}
		ev = append(ev, finding.Evidence{Subject: subject(e), Status: st, Detail: tr.Sprintf("HTTP %d (%s, server %q)", h.Status, h.Proto, h.Server), Facts: h})
	}
	// Far-end failures: connected, then the TLS handshake died (reset,
	// closed, no answer) although other endpoints on the same path work.
	healthy := 0
	var farEnd []facts.EndpointFacts
	for _, e := range f.Endpoints {
		switch {
		case e.TLS.State == facts.StepOK && e.TLS.Verified:
			healthy++
		case e.TCP.State == facts.StepOK && (e.TLS.Kind == facts.KindReset || e.TLS.Kind == facts.KindClosed || e.TLS.Kind == facts.KindTimeout):
			farEnd = append(farEnd, e)
		}
	}
	if healthy > 0 && len(farEnd) >= 2 && serverErrors == 0 {
		for _, e := range farEnd {
			ev = append(ev, finding.Evidence{Subject: subject(e), Status: finding.Warn, Detail: tr.Sprintf("connected, then the TLS handshake failed: %s", e.TLS.Error), Facts: e.TLS})
		}
		return finding.Finding{Status: finding.Warn, Reason: "service-far-end", Evidence: ev,
			Summary: tr.Sprintf("%d endpoints fail after connecting while %d others on the same path work: possibly an outage at Microsoft.", len(farEnd), healthy),
			Cause:   tr.Sprintf("Several of Microsoft's services accept the connection and then fail, while others on the same path work. That points at their end - or at a firewall that filters by name, which looks the same; tls.handshake shows the details."),
			Fix:     []string{tr.Text(statusPages), tr.Sprintf("If they show nothing, ask the network team whether a firewall filters these names.")}}
	}
	if serverErrors == 0 && len(silent) == 0 && len(garbled) > 0 {
		return finding.Finding{Status: finding.Warn, Reason: "http-bad-answer", Evidence: ev,
			Summary: tr.Sprintf("TLS to %s works, but the answer to HEAD / is not a usable HTTP answer.", hostList(tr, garbled)),
			Cause:   tr.Sprintf("The connection and the TLS handshake to %s work; what answered then is not a web server's answer (%s): a device in the path that decrypts and answers in the server's place, or a degraded service.", garbled[0].Endpoint.ProbeHost(), garbled[0].HTTP.Error),
			Fix:     []string{tr.Text(statusPages), tr.Sprintf("Check tls.interception: a device that decrypts the traffic often answers this way.")}}
	}
	if answered == 0 && len(silent) == 0 {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("No endpoint answered HTTP, so the service's own health cannot be judged (see the checks before).")}
	}
	if serverErrors == 0 && len(silent) > 0 {
		// A web server that completes TLS and then says nothing: a warning
		// at most, since the chain to it works.
		return finding.Finding{Status: finding.Warn, Reason: "http-no-answer", Evidence: ev,
			Summary: tr.Sprintf("TLS to %s works, but HEAD / got no answer within its bound.", hostList(tr, silent)),
			Cause:   tr.Sprintf("The connection and the TLS handshake to %s work; the web server then said nothing. If the endpoint is not a web server (a relay, a channel), its profile entry needs its role; otherwise the service is slow or degraded.", silent[0].Endpoint.ProbeHost()),
			Fix: []string{
				tr.Text(statusPages),
				tr.Sprintf("In a profile of your own, give the endpoint its role (https, websocket, turn, tls or rdp-relay): qadoctor profile show prints the built-in one."),
			}}
	}
	if serverErrors == 0 {
		return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("%d endpoint(s) answered without a server error.", answered)}
	}
	return finding.Finding{
		Status:   finding.Warn,
		Reason:   "service-outage",
		Evidence: ev,
		Summary:  tr.Sprintf("%d of %d endpoints answer with a server error (5xx) although every step to them works: likely an outage at Microsoft.", serverErrors, answered),
		Cause:    tr.Sprintf("DNS, the connection and TLS to %s all work, but the service itself answers with an error. That is Microsoft's side, not this PC's.", hostList(tr, bad)),
		Fix: []string{
			tr.Text(statusPages),
			tr.Sprintf("Try again later; nothing on this PC needs changing for this."),
		},
	}
}

// fellBack says which ways of a PAC's answer could not be reached before
// the one used: Quick Assist's WebView2 falls back the same way, so it
// works, but each new connection tries the dead proxy again once
// Chromium's list of bad proxies forgets it (five minutes).
func fellBack(tr *i18n.Printer, r facts.Route) string {
	if len(r.FellBack) == 0 {
		return ""
	}
	return tr.Sprintf(", after the PAC's first way(s) could not be reached (%s), as Chromium falls back", strings.Join(r.FellBack, "; "))
}
