package checks

import (
	"cmp"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// The long-lived channels: the WebSocket endpoints (notifications,
// signalling) and Azure Communication Services' TURN media relay (not the
// screen, which goes through the RDP relay: CAUSES.md 1b). Both are what a
// decrypting proxy breaks first while plain HTTPS still works (CAUSES.md
// C5b), so each is asked the way Quick Assist uses it.

var (
	titleWebSocket = i18n.Key("WebSocket channels open through the path")
	titleRelay     = i18n.Key("The media relay answers TURN over TLS")
)

// intercepted reports a chain that something in the path re-signed: not
// trusted, or not from the CAs the profile expects for the endpoint. Only
// such a device can read or change what goes inside TLS.
func intercepted(e facts.EndpointFacts) bool {
	return !e.TLS.Verified || (len(e.Endpoint.Issuers) > 0 && len(e.TLS.Chain) > 0 && !expectedIssuer(e))
}

// interceptorName says who decrypts the traffic: the proxy the route names,
// else the issuer of the certificate served in Microsoft's place.
func interceptorName(tr *i18n.Printer, e facts.EndpointFacts) string {
	if e.Route.Proxy != "" {
		return tr.Sprintf("the proxy %s", e.Route.Proxy)
	}
	if len(e.TLS.Chain) > 0 {
		return tr.Sprintf("the device that issued the certificate (%s)", e.TLS.Chain[0].Issuer)
	}
	return tr.Sprintf("a device in the path")
}

func judgeWebSocket(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	var stripped, decrypted []facts.EndpointFacts
	for _, e := range f.Endpoints {
		if e.Endpoint.Kind() != profile.RoleWebSocket {
			continue
		}
		h := e.HTTP
		switch {
		case h.State == facts.StepNotRun:
			j.add(e, finding.Skip, blockedBy(tr, h.Step), h)
		case h.State == facts.StepOK && h.Upgraded && intercepted(e):
			j.add(e, finding.Warn, tr.Sprintf("upgraded to WebSocket on %s (101), through %s, which decrypts it (see tls.interception)", h.Path, interceptorName(tr, e)), h)
			decrypted = append(decrypted, e)
		case h.State == facts.StepOK && h.Upgraded:
			j.add(e, finding.Pass, tr.Sprintf("upgraded to WebSocket on %s (101)", h.Path), h)
		case h.State == facts.StepOK && intercepted(e):
			// Only a device that decrypts can answer for the server or
			// drop the Upgrade header.
			j.add(e, severity(e), tr.Sprintf("asked to upgrade %s, got HTTP %d from %s%s: the upgrade was refused or stripped on the way", h.Path, h.Status, interceptorName(tr, e), viaDetail(tr, h)), h)
			stripped = append(stripped, e)
		case h.State == facts.StepOK:
			// The chain is Microsoft's end to end: the answer is the
			// server's own, which may want credentials first.
			j.add(e, finding.Pass, tr.Sprintf("the server itself answered the upgrade on %s with HTTP %d: the channel reaches it (it asks the signed-in app for more)", h.Path, h.Status), h)
		case h.Unanswered() && intercepted(e):
			j.add(e, severity(e), tr.Sprintf("no answer to the upgrade on %s within %s from %s", h.Path, fmtMS(h.BoundMS), interceptorName(tr, e)), h)
			stripped = append(stripped, e)
		case h.Unanswered():
			j.add(e, finding.Warn, tr.Sprintf("TLS fine; no answer to the upgrade on %s within %s", h.Path, fmtMS(h.BoundMS)), h)
		case intercepted(e):
			j.add(e, severity(e), tr.Sprintf("the upgrade on %s failed through %s: %s", h.Path, interceptorName(tr, e), stepError(tr, h.Step)), h)
			stripped = append(stripped, e)
		default:
			j.add(e, finding.Warn, tr.Sprintf("the upgrade on %s failed after a good handshake: %s", h.Path, stepError(tr, h.Step)), h)
		}
	}
	if len(j.evidence) == 0 {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The profile has no WebSocket endpoint.")}
	}
	fd, failed, done := j.finish(tr, func(n int) string {
		return tr.Sprintf("%d of %d WebSocket endpoints reach their server.", n, n)
	})
	if done {
		return fd
	}
	if len(stripped) > 0 {
		e := stripped[0]
		fd.Reason = "websocket-stripped"
		fd.Summary = tr.Sprintf("The WebSocket channel to %s is broken by %s.", hostList(tr, stripped), interceptorName(tr, e))
		fd.Cause = tr.Sprintf("Quick Assist keeps long-lived WebSocket channels open for its notifications and signalling. The traffic is decrypted by %s, which refuses, strips or holds the upgrade, so the channel never opens even where plain HTTPS works.", interceptorName(tr, e))
		fd.Fix = []string{
			tr.Text(exemptInspection),
			tr.Sprintf("If the proxy must inspect, it has to pass WebSocket upgrades (squid: http_upgrade_request_protocols websocket allow all)."),
		}
		return fd
	}
	var silent []facts.EndpointFacts // no answer on a chain that is Microsoft's
	for _, e := range failed {
		if !intercepted(e) {
			silent = append(silent, e)
		}
	}
	if len(silent) == 0 && len(decrypted) > 0 {
		e := decrypted[0]
		fd.Reason = "websocket-decrypted"
		fd.Summary = tr.Sprintf("The WebSocket channel to %s opens, but %s decrypts it.", hostList(tr, decrypted), interceptorName(tr, e))
		fd.Cause = tr.Sprintf("The upgrade went through: %s decrypts the channel and passes it on. The channel works through it; what Quick Assist makes of the certificate it serves in Microsoft's place is tls.interception's finding.", interceptorName(tr, e))
		fd.Fix = []string{tr.Text(exemptInspection)}
		return fd
	}
	failed = silent
	fd.Reason = "websocket-no-answer"
	fd.Summary = tr.Sprintf("TLS to %s works, but the WebSocket upgrade got no answer.", hostList(tr, failed))
	fd.Cause = tr.Sprintf("The certificate is Microsoft's, so nothing in the path decrypts the traffic; the server did not answer the upgrade in time. That points at the service, or at a path that loses larger packets (see tls.handshake).")
	fd.Fix = []string{
		tr.Text(statusPages),
		tr.Sprintf("Run qadoctor again in a few minutes; if it stays, ask the network team to capture the traffic to %s.", failed[0].Endpoint.ProbeHost()),
	}
	return fd
}

func viaDetail(tr *i18n.Printer, h facts.HTTP) string {
	if h.Via == "" {
		return ""
	}
	return tr.Sprintf(" (Via: %s)", h.Via)
}

func judgeRelay(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	var notRelay, decrypting []facts.EndpointFacts
	for _, e := range f.Endpoints {
		if e.Endpoint.Kind() != profile.RoleTURN {
			continue
		}
		r := e.Relay
		switch {
		case r.State == facts.StepNotRun:
			j.add(e, finding.Skip, blockedBy(tr, r.Step), r)
		case r.State == facts.StepOK && r.Class == "error" && r.ErrorCode == 401:
			j.add(e, finding.Pass, tr.Sprintf("answered TURN Allocate with 401 (realm %q): the relay is alive and asks for the credentials Quick Assist gets from the service", r.Realm), r)
		case r.State == facts.StepOK && r.Class == "error":
			j.add(e, finding.Pass, tr.Sprintf("answered TURN Allocate with error %d: the relay is alive", r.ErrorCode), r)
		case r.State == facts.StepOK:
			j.add(e, finding.Pass, tr.Sprintf("answered TURN Allocate (%s %s): the relay is alive", r.Method, r.Class), r)
		case intercepted(e):
			// A device that decrypts the relay's TLS expects HTTP inside
			// it: TURN does not get through, whatever it then does (holds
			// the request, answers HTTP, closes). Chromium gets no relay
			// candidate through it (squid ssl-bump in front of coturn).
			what := tr.Sprintf("no answer within %s", fmtMS(r.BoundMS))
			if !r.Unanswered() {
				what = cmp.Or(r.Error, stepError(tr, r.Step))
			}
			j.add(e, severity(e), tr.Sprintf("TURN Allocate through %s, which decrypts the connection: %s", interceptorName(tr, e), what), r)
			decrypting = append(decrypting, e)
		case r.Kind == facts.KindNotStun:
			j.add(e, severity(e), tr.Sprintf("the answer to TURN Allocate is not TURN: something else answers on %s (%s)", e.Endpoint.Address(), r.Error), r)
			notRelay = append(notRelay, e)
		case r.Unanswered():
			j.add(e, finding.Warn, tr.Sprintf("TLS fine; no answer from the relay within %s", fmtMS(r.BoundMS)), r)
		default:
			j.add(e, severity(e), tr.Sprintf("the TURN request failed after a good handshake: %s", stepError(tr, r.Step)), r)
			notRelay = append(notRelay, e)
		}
		if u := e.RelayUDP; u.Kind != facts.KindNotForRole && u.Kind != facts.KindNotSelected {
			// UDP is informational: Quick Assist falls back to TLS on 443.
			ev := finding.Evidence{Subject: tr.Sprintf("%s UDP %s", e.Endpoint.ProbeHost(), u.Remote), Status: finding.Skip, Facts: u}
			switch {
			case u.State == facts.StepOK:
				ev.Status, ev.Detail = finding.Pass, tr.Sprintf("answered a STUN Binding over UDP; this PC appears as %s", u.Mapped)
			case u.State == facts.StepNotRun:
				ev.Detail = blockedBy(tr, u.Step)
			default:
				ev.Detail = tr.Sprintf("no STUN answer over UDP within %s: media will take TLS on port 443, which works but is slower (a firewall or VPN that lets only TCP out)", fmtMS(u.BoundMS))
			}
			j.evidence = append(j.evidence, ev)
		}
	}
	if len(j.evidence) == 0 {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The profile has no TURN relay endpoint.")}
	}
	fd, failed, done := j.finish(tr, func(n int) string {
		return tr.Sprintf("%d of %d relays answer TURN over TLS.", n, n)
	})
	if done {
		return fd
	}
	if len(decrypting) > 0 {
		e := decrypting[0]
		fd.Reason = "relay-intercepted"
		fd.Summary = tr.Sprintf("The media relay %s is reached through %s, which decrypts it: TURN does not get through.", hostList(tr, decrypting), interceptorName(tr, e))
		fd.Cause = tr.Sprintf("%s is Azure Communication Services' media relay, spoken to with TURN inside TLS. %s decrypts the connection and expects web traffic inside it, so the relay never gets the TURN request: Chromium, and so Quick Assist's WebView2, gets no relay through such a device.", e.Endpoint.ProbeHost(), interceptorName(tr, e))
		fd.Fix = []string{tr.Text(exemptInspection)}
		return fd
	}
	if len(notRelay) > 0 {
		e := notRelay[0]
		fd.Reason = "relay-not-turn"
		fd.Summary = tr.Sprintf("The media relay %s does not answer as a TURN relay.", hostList(tr, notRelay))
		what := tr.Sprintf("something else on %s", e.Endpoint.Address())
		fd.Cause = tr.Sprintf("%s is Azure Communication Services' media relay, spoken to with TURN inside TLS. The connection works, but what answers is not a relay: %s. A proxy or firewall that decrypts TLS or only lets web traffic through breaks what Quick Assist carries over Azure Communication Services.", e.Endpoint.ProbeHost(), what)
		fd.Fix = []string{
			tr.Text(exemptInspection),
			tr.Sprintf("Ask them to let non-HTTP traffic through on TCP 443 to %s (firewalls with 'application control' block TURN as unknown).", e.Endpoint.ProbeHost()),
		}
		return fd
	}
	fd.Reason = "relay-no-answer"
	fd.Summary = tr.Sprintf("TLS to the relay %s works, but it did not answer TURN in time.", hostList(tr, failed))
	fd.Cause = tr.Sprintf("The relay accepted the TLS connection and said nothing to a TURN request within its bound: the service may be degraded, or a firewall holds traffic it does not recognise as web traffic.")
	fd.Fix = []string{
		tr.Text(statusPages),
		tr.Sprintf("Ask the network team whether a firewall inspects or holds non-HTTP traffic on TCP 443 to %s.", failed[0].Endpoint.ProbeHost()),
	}
	return fd
}
