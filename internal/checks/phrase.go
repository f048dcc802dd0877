package checks

import (
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Facts hold codes and values; these functions say them in the person's
// language. One function per vocabulary of internal/facts.

// waitedFor says what a step that timed out waited on: w is its
// WaitingOn, e the endpoint whose facts fill in the host, addresses and
// port, and bytesRead what the server had sent before it fell silent.
func waitedFor(tr *i18n.Printer, w facts.Wait, e facts.EndpointFacts, bytesRead int64) string {
	switch w {
	case facts.WaitDNSAnswer:
		return tr.Sprintf("an answer from the DNS resolver for %s", e.DNS.Host)
	case facts.WaitSYNACK:
		return tr.Sprintf("the TCP handshake (SYN-ACK) from %s port %d", strings.Join(e.DNS.Addrs, ", "), e.Endpoint.Port)
	case facts.WaitProxyConnect:
		return tr.Sprintf("the proxy's answer to CONNECT %s", e.Endpoint.Address())
	case facts.WaitServerHello:
		return tr.Sprintf("the server's first TLS reply (ServerHello), and none came")
	case facts.WaitHandshakeRest:
		return tr.Sprintf("the rest of the TLS handshake after the server's first %d bytes", bytesRead)
	case facts.WaitHTTPAnswer:
		return tr.Sprintf("the answer to HEAD /")
	case facts.WaitUpgrade:
		return tr.Sprintf("the answer to the WebSocket upgrade on %s", e.Endpoint.UpgradePath())
	case facts.WaitRelayAnswer:
		return tr.Sprintf("the relay's answer to a TURN request")
	case facts.WaitSlot:
		return tr.Sprintf("a free connection slot (the run's other probes held them all)")
	case facts.WaitNTPAnswer:
		return tr.Sprintf("an answer from the NTP server (UDP port 123 may be blocked)")
	case facts.WaitRoute:
		return tr.Sprintf("the way to it: the proxy settings or the proxy auto-config script were still being decided")
	case "":
		return tr.Sprintf("an answer")
	}
	return string(w) // a code from a newer version of qadoctor
}

// stepError is a failed step's error as it was said, or, when the run's
// deadline ended the step, that.
func stepError(tr *i18n.Printer, s facts.Step) string {
	if s.CutOff && s.Error == "" {
		return tr.Sprintf("cut off at the run's deadline")
	}
	return s.Error
}

// notRunWhy says why a step did not run.
func notRunWhy(tr *i18n.Printer, s facts.Step) string {
	switch {
	case s.Kind == facts.KindNotSelected:
		return tr.Sprintf("the step it needs was not selected")
	case s.Kind == facts.KindProxied:
		return tr.Sprintf("the proxy resolves the name")
	case s.Kind == facts.KindNoSlot:
		return tr.Sprintf("the run's deadline came while it waited for a free connection slot; this says nothing about the network (run again with a longer --timeout)")
	case s.Kind == facts.KindViaProxy:
		return tr.Sprintf("the way to it is a proxy, which carries only TCP, so UDP was not tried")
	case s.Kind == facts.KindNotForRole:
		return tr.Sprintf("the endpoint's role does not make this exchange")
	}
	var why string
	switch s.BlockedBy {
	case facts.StepDNS:
		why = tr.Sprintf("the DNS lookup failed")
	case facts.StepTCP:
		why = tr.Sprintf("the TCP connection failed")
	case facts.StepTLS:
		why = tr.Sprintf("the TLS handshake failed")
	case facts.StepHTTP:
		why = tr.Sprintf("the HTTP request failed")
	case facts.StepRelay:
		why = tr.Sprintf("the TURN request failed")
	case facts.StepRoute:
		why = tr.Sprintf("the way to it was not decided before the run's deadline")
	default:
		why = tr.Sprintf("an earlier step failed")
	}
	if s.Error != "" {
		why += ": " + s.Error
	}
	return why
}

// routeWhy says why an endpoint's traffic goes the way it does.
func routeWhy(tr *i18n.Printer, r facts.Route, p facts.ProxySettings) string {
	switch r.Rule {
	case facts.RuleNoProxy:
		return tr.Sprintf("no proxy configured")
	case facts.RuleFlagDirect:
		return tr.Sprintf("--proxy direct")
	case facts.RuleBypass:
		return tr.Sprintf("bypass list entry %s", r.Match)
	case facts.RuleProxy:
		return tr.Sprintf("proxy from %s", r.Source)
	case facts.RulePAC:
		return tr.Sprintf("the PAC answered %q", r.PACAnswer)
	case facts.RulePACFailed:
		return pacProblem(tr, p)
	case facts.RulePACEval:
		return tr.Sprintf("the proxy auto-config script failed for this host: %s", r.Error)
	case facts.RulePACAnswer:
		return tr.Sprintf("the PAC answered %q, which names no usable PROXY, HTTPS or DIRECT entry", r.PACAnswer)
	case facts.RuleNotRouted:
		return tr.Sprintf("the way was not decided before the run's deadline")
	}
	return r.Rule
}

// pacProblem says why the proxy auto-config script could not be used.
func pacProblem(tr *i18n.Printer, p facts.ProxySettings) string {
	switch p.PAC {
	case facts.PACFetchTimeout:
		return tr.Sprintf("the proxy auto-config script %s did not arrive in time (the server accepted and said nothing, or did not answer)", p.AutoConfigURL)
	case facts.PACFetchFailed:
		return tr.Sprintf("the proxy auto-config script %s could not be fetched: %s", p.AutoConfigURL, p.PACError)
	case facts.PACInvalid:
		return tr.Sprintf("the proxy auto-config script %s is not a working script: %s", p.AutoConfigURL, p.PACError)
	}
	return tr.Sprintf("the proxy auto-config script %s could not be used", p.AutoConfigURL)
}

// regSkipWhy says why regedit skips a line of a .reg file (a
// winstate.Skip* code).
func regSkipWhy(tr *i18n.Printer, code string) string {
	switch code {
	case winstate.SkipNotALine:
		return tr.Sprintf("it is not a [key], a \"name\"= or @= value, or a ; comment")
	case winstate.SkipBadKey:
		return tr.Sprintf("a key line needs [ and ] with the key right after [, no blank")
	case winstate.SkipShortRoot:
		return tr.Sprintf("regedit wants the root spelled out, such as HKEY_LOCAL_MACHINE, not HKLM")
	case winstate.SkipUnknownRoot:
		return tr.Sprintf("the key starts with no registry root regedit knows")
	case winstate.SkipAfterKey:
		return tr.Sprintf("text after the key line's ] is ignored; a value needs a line of its own")
	case winstate.SkipUnderBadKey:
		return tr.Sprintf("the key line above it was rejected, so the value goes nowhere")
	case winstate.SkipBeforeKey:
		return tr.Sprintf("a value before the first [key] line goes nowhere")
	case winstate.SkipUnderDeletedKey:
		return tr.Sprintf("values under a [-key] line, which deletes the key, are not written")
	case winstate.SkipBadName:
		return tr.Sprintf("the value name has no closing quote")
	case winstate.SkipNoEquals:
		return tr.Sprintf("no = after the value name")
	case winstate.SkipBadData:
		return tr.Sprintf("the data is of no type regedit reads (\"text\", dword:, hex:, hex(n):, or - to delete)")
	case winstate.SkipBadString:
		return tr.Sprintf("the text is not closed by a quote, holds \\0, or has something after its closing quote")
	case winstate.SkipBadDWORD:
		return tr.Sprintf("dword: takes 1 to 8 hex digits and nothing after them but a ; comment")
	case winstate.SkipBadHex:
		return tr.Sprintf("hex data is two-digit bytes between commas, wrapped with a \\ after a comma")
	case winstate.SkipHashComment:
		return tr.Sprintf("a # comment after data; regedit takes only ; comments there")
	case winstate.SkipTooDeep:
		return tr.Sprintf("the key is deeper than the 512 levels the registry allows")
	case winstate.SkipBrokenWrap:
		return tr.Sprintf("a wrapped hex value runs into a line that is not hex, and both are lost")
	}
	return code
}
