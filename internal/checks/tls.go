package checks

import (
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

var (
	titleHandshake = i18n.Key("A trusted TLS connection can be made to every endpoint")
	titleVersions  = i18n.Key("Every endpoint speaks TLS 1.2 or newer")
)

func judgeHandshake(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	for _, e := range f.Endpoints {
		t := e.TLS
		switch {
		case t.State == facts.StepNotRun:
			j.add(e, finding.Skip, blockedBy(tr, t.Step), t)
		case t.State == facts.StepOK && t.Verified && len(t.IssuerFetched) > 0:
			j.add(e, finding.Pass, handshakeSummary(tr, t)+tr.Sprintf("; the server leaves out its issuer, fetched from %s as Windows and Chromium fetch it", strings.Join(t.IssuerFetched, ", ")), t)
		case t.State == facts.StepOK && t.Verified:
			j.add(e, finding.Pass, handshakeSummary(tr, t), t)
		case t.State == facts.StepOK:
			j.add(e, severity(e), tr.Sprintf("%s; certificate not trusted (%s): %s", handshakeSummary(tr, t), t.VerifyKind, t.VerifyError), t)
		default:
			j.add(e, severity(e), handshakeFailure(tr, t), t)
		}
	}
	fd, failed, done := j.finish(tr, func(n int) string {
		return tr.Sprintf("%d of %d endpoints completed a TLS %s+ handshake with a trusted certificate.", n, n, f.MinTLS)
	})
	if done {
		return fd
	}
	n, bad := j.counts()
	e := failed[0]
	fd.Summary = tr.Sprintf("%d of %d endpoints did not complete a trusted TLS handshake: %s.", bad, n, hostList(tr, failed))
	fd.Reason, fd.Cause, fd.Fix = handshakeCause(tr, e, f.MinTLS, readClock(tr, f))
	return fd
}

func handshakeSummary(tr *i18n.Printer, t facts.TLS) string {
	s := tr.Sprintf("TLS %s, %s", t.Version, t.CipherSuite)
	if t.ALPN != "" {
		s += ", ALPN " + t.ALPN
	}
	if len(t.Chain) > 0 {
		s += tr.Sprintf("; certificate issued by %s", t.Chain[0].Issuer)
	}
	return s
}

func handshakeFailure(tr *i18n.Printer, t facts.TLS) string {
	s := handshakeFailureOnly(tr, t)
	if len(t.FollowUps) > 0 {
		var parts []string
		for _, h := range t.FollowUps {
			parts = append(parts, followUpDetail(tr, h))
		}
		s += tr.Sprintf(" (this PC's hello: %d bytes); then %s", helloSize(t), strings.Join(parts, "; "))
	}
	return s
}

// followUpDetail says what one follow-up handshake showed.
func followUpDetail(tr *i18n.Printer, h facts.HelloProbe) string {
	var what string
	switch h.Probe {
	case facts.HelloSmall:
		what = tr.Sprintf("a %d-byte hello without the post-quantum share", h.HelloBytes)
	case facts.HelloRefused:
		what = tr.Sprintf("an RC4-only hello the server must refuse")
	case facts.HelloNoName:
		what = tr.Sprintf("the same without a server name")
	case facts.HelloChromium:
		what = tr.Sprintf("Chromium's own %d-byte hello", h.HelloBytes)
	default:
		what = h.Probe
	}
	switch {
	case h.State == facts.StepOK:
		return tr.Sprintf("%s completed", what)
	case h.State == facts.StepNotRun:
		return tr.Sprintf("%s: %s", what, notRunWhy(tr, h.Step))
	case h.BytesRead > 0:
		return tr.Sprintf("%s was answered (%d bytes: %s)", what, h.BytesRead, h.Error)
	case h.Kind == facts.KindTimeout:
		return tr.Sprintf("%s got no answer within %s", what, fmtMS(h.DurationMS))
	}
	return tr.Sprintf("%s was cut (%s)", what, h.Kind)
}

func handshakeFailureOnly(tr *i18n.Printer, t facts.TLS) string {
	switch t.Kind {
	case facts.KindTimeout:
		return tr.Sprintf("no TLS answer: waited for %s", waitedFor(tr, t.WaitingOn, facts.EndpointFacts{}, t.BytesRead))
	case facts.KindProtocol:
		return tr.Sprintf("refused every offered version (%s): %s", strings.Join(t.Offered, ", "), t.Error)
	case facts.KindHandshake:
		return tr.Sprintf("no common cipher suite or parameters: %s", t.Error)
	case facts.KindNotTLS:
		return tr.Sprintf("the answer on this port is not TLS: %s", t.Error)
	case facts.KindReset:
		return tr.Sprintf("the connection was reset during the handshake")
	case facts.KindClosed:
		return tr.Sprintf("the connection was closed during the handshake without an answer")
	case facts.KindTooLarge:
		return t.Error
	}
	return tr.Sprintf("handshake failed: %s", t.Error)
}

// handshakeCause explains the first failed endpoint's handshake.
func handshakeCause(tr *i18n.Printer, e facts.EndpointFacts, minTLS string, clock clockReading) (reason, cause string, fix []string) {
	t := e.TLS
	host := e.Endpoint.ProbeHost()
	retest := tr.Sprintf("Run qadoctor again on another network (a phone hotspot): if it passes there, the problem is in this network's path to %s.", host)
	if t.State == facts.StepOK {
		issuer := tr.Sprintf("an unknown issuer")
		if len(t.Chain) > 0 {
			issuer = t.Chain[0].Issuer
		}
		switch t.VerifyKind {
		case "unknown-authority":
			return "cert-unknown-authority",
				tr.Sprintf("The certificate %s presented is issued by %s, which this PC does not trust. Something between this PC and Microsoft re-signs the connection (a TLS-inspecting proxy or antivirus), or the PC's trusted root certificates are out of date.", host, issuer),
				[]string{
					tr.Sprintf("If the PC is on a company network, send this report to the network team: Microsoft does not support inspecting its traffic and asks for these hosts to be exempted."),
					tr.Sprintf("Install pending Windows updates (they refresh the trusted root certificates)."),
					retest,
				}
		case "weak-signature":
			return "cert-weak-signature",
				tr.Sprintf("The certificate %s presented is signed with a weak algorithm (SHA-1): %s. Chromium, and so Quick Assist's WebView2, refuses it whoever issued it (Chromium 156 reports ERR_CERT_INVALID). Microsoft does not sign so: a device in the path re-signs the connection with an old configuration, or something else answers in Microsoft's place.", host, t.VerifyError),
				[]string{
					tr.Sprintf("If the PC is on a company network, send this report to the network team: the device that re-signs must sign with SHA-256 or better, or leave Microsoft's hosts alone."),
					retest,
				}
		case "hostname":
			return "cert-hostname",
				tr.Sprintf("The certificate %s presented is for another name (%s): something else answers in Microsoft's place, such as a captive portal, a proxy or a firewall's block page.", host, certNames(tr, t)),
				[]string{tr.Sprintf("Sign in to the network's portal if it has one (hotel, airport), then try again."), retest}
		case "expired", "not-yet-valid":
			// A certificate judged by a wrong clock is the clock's fault, not
			// the server's: say which, when the clock was measured.
			state := tr.Sprintf("expired")
			if t.VerifyKind == "not-yet-valid" {
				state = tr.Sprintf("not yet valid")
			}
			abs := clock.offset
			if abs < 0 {
				abs = -abs
			}
			switch {
			case len(clock.sources) > 0 && clock.agree && abs > clock.maxSkew:
				return "cert-" + t.VerifyKind + "-clock",
					tr.Sprintf("The certificate %s presented only looks %s because this PC's clock is %s (measured by %s). The server is fine: fix the clock.", host, state, fmtOffset(tr, clock.offset), strings.Join(sourceNames(clock.sources), " and ")),
					clockFixes(tr, clock.offset)
			case len(clock.sources) > 0 && clock.agree:
				return "cert-" + t.VerifyKind,
					tr.Sprintf("The certificate %s presented is really %s: this PC's clock is right (%s). Something in the path serves an old certificate in Microsoft's place, or the server is misconfigured.", host, state, fmtOffset(tr, clock.offset)),
					[]string{retest}
			}
			return "cert-" + t.VerifyKind,
				tr.Sprintf("The certificate %s presented is %s by this PC's clock. Microsoft's certificates are current, so the PC's date and time are most likely wrong.", host, state),
				clockFixes(tr, 0)
		}
		return "cert-invalid", tr.Sprintf("The certificate %s presented is not valid: %s", host, t.VerifyError), []string{retest}
	}
	switch t.Kind {
	case facts.KindProtocol:
		return "tls-protocol-version",
			tr.Sprintf("%s (or a device in the path) refused TLS %s and newer: it speaks only older TLS, which Quick Assist does not accept.", host, minTLS),
			[]string{tr.Sprintf("See tls.versions for which versions it accepts and whether the path or the far end is to blame."), retest}
	case facts.KindHandshake:
		return "tls-handshake-failure",
			tr.Sprintf("%s and this PC found no cipher suite or key exchange in common. A cipher-suite policy on the PC or a device in the path restricts them.", host),
			[]string{retest}
	case facts.KindNotTLS:
		return "tls-not-tls",
			tr.Sprintf("What answered on %s port %d does not speak TLS: a captive portal, a proxy that expects plain HTTP, or a firewall's block page.", host, e.Endpoint.Port),
			[]string{tr.Sprintf("Sign in to the network's portal if it has one, or check the proxy settings (Settings > Network & internet > Proxy)."), retest}
	}
	if reason, cause, fix, ok := cutHandshakeCause(tr, e, retest); ok {
		return reason, cause, fix
	}
	switch t.Kind {
	case facts.KindReset, facts.KindClosed:
		return "tls-" + t.Kind,
			tr.Sprintf("The connection to %s was cut as soon as TLS started. Firewalls and filters that block by server name (SNI) do this.", host),
			[]string{tr.Sprintf("Ask the network administrator whether a firewall or web filter blocks %s.", host), tr.Text(policyNote), retest}
	case facts.KindTimeout:
		return "tls-timeout",
			tr.Sprintf("%s accepted the connection but never finished the TLS handshake: qadoctor waited for %s. A device in the path holds the connection open without passing it on.", host, waitedFor(tr, t.WaitingOn, e, t.BytesRead)),
			[]string{tr.Sprintf("Turn off a VPN or proxy, if one is on, and try again."), retest}
	}
	return "tls-error", tr.Sprintf("The TLS handshake with %s failed: %s", host, t.Error), []string{retest}
}

// helloSize is the size of this PC's ClientHello on the endpoint's own
// handshake.
func helloSize(t facts.TLS) int64 {
	if t.HelloBytes > 0 {
		return t.HelloBytes
	}
	return t.BytesSent
}

// followUp returns the endpoint's follow-up handshake named probe.
func followUp(t facts.TLS, probe string) (facts.HelloProbe, bool) {
	for _, h := range t.FollowUps {
		if h.Probe == probe {
			return h, true
		}
	}
	return facts.HelloProbe{}, false
}

// cutHandshakeCause reads the follow-up handshakes of a handshake that
// was cut or went unanswered: a smaller hello that completes means the
// size of Quick Assist's hello is the problem; a refusal (a few-byte
// alert) that arrives while the full answer never does means large
// packets from the server are lost; a refusal that arrives only without
// the server's name means a filter blocks the name. ok is false when the
// follow-ups do not tell.
func cutHandshakeCause(tr *i18n.Printer, e facts.EndpointFacts, retest string) (reason, cause string, fix []string, ok bool) {
	t := e.TLS
	host := e.Endpoint.ProbeHost()
	small, hasSmall := followUp(t, facts.HelloSmall)
	refused, hasRefused := followUp(t, facts.HelloRefused)
	noName, hasNoName := followUp(t, facts.HelloNoName)
	switch {
	case hasSmall && small.State == facts.StepOK:
		cause = tr.Sprintf("A device in the path drops or cuts the TLS hello Quick Assist sends to %s: this PC's %d-byte hello, with the post-quantum key share (X25519MLKEM768) that Edge and WebView2 send by default, got no handshake, while a %d-byte hello without it completed. Old firewalls and inspection devices mishandle a hello larger than one packet.", host, helloSize(t), small.HelloBytes)
		if c, ok := followUp(t, facts.HelloChromium); ok && c.State != facts.StepOK && c.HelloBytes > 0 {
			cause += " " + tr.Sprintf("Chromium's own hello, as Quick Assist's WebView2 sends it (%d bytes), got no handshake either.", c.HelloBytes)
		}
		return "tls-large-hello-dropped", cause,
			[]string{
				tr.Sprintf("Ask the network team to update the firewall or TLS inspection device, or exempt Quick Assist's endpoints from it (qadoctor bypass prints them): it must accept a ClientHello that spans more than one TCP segment."),
				// No stop-gap on the PC: Edge's PostQuantumKeyAgreementEnabled
				// (Edge 120 and later) is a browser policy, and "browser
				// policies don't apply to WebView2 applications" (Microsoft's
				// WebView2 enterprise guide); it is not among WebView2's own
				// policies, and Chrome's same policy goes in Chrome 147
				// (Chrome Platform Status 5257822742249472).
				tr.Sprintf("There is no setting on this PC to shrink the hello: Quick Assist runs in WebView2, which does not apply Edge's browser policies (PostQuantumKeyAgreementEnabled among them) and has no such policy of its own. The fix is on the network."),
				retest,
			}, true
	case hasRefused && refused.Answered() && t.BytesRead == 0 && t.Kind == facts.KindTimeout:
		return "tls-mtu-black-hole",
			tr.Sprintf("Small answers from %s arrive (its %d-byte refusal of an RC4-only hello did), but the full-size packets of its certificate flight never do: a path MTU black hole. Tunnels and VPNs that drop large packets without telling the sender (no ICMP \"fragmentation needed\") do this; plain web browsing may partly work.", host, refused.BytesRead),
			[]string{
				tr.Sprintf("Turn off the VPN, if one is on, and try again: if it passes, the VPN's MTU is the problem."),
				tr.Sprintf("Ask the network team to clamp the TCP MSS on the VPN or tunnel (or fix the path MTU discovery) so full-size packets fit."),
				tr.Sprintf("Stop-gap on this PC: lower the interface MTU, for example: netsh interface ipv4 set subinterface \"<interface name>\" mtu=1350 store=persistent (as administrator)."),
			}, true
	case hasRefused && hasNoName && !refused.Answered() && noName.Answered():
		return "tls-sni-filtered",
			tr.Sprintf("%s answers a hello that names no server, but a hello naming %s is cut (%s): a firewall or web filter blocks the connection by its server name (SNI).", e.TCP.Remote, host, refused.Kind),
			[]string{tr.Sprintf("Ask the network administrator whether a firewall or web filter blocks %s.", host), tr.Text(policyNote), retest}, true
	}
	return "", "", nil, false
}

func certNames(tr *i18n.Printer, t facts.TLS) string {
	if len(t.Chain) == 0 {
		return tr.Sprintf("no name")
	}
	if names := t.Chain[0].DNSNames; len(names) > 0 {
		return strings.Join(names, ", ")
	}
	return t.Chain[0].Subject
}

// versionsOf splits an endpoint's version probes into those accepted and
// those refused. A probe that got no answer, or could not connect, is
// neither: silence says nothing about a version.
// versionsOf sorts an endpoint's version probes: accepted, refused (an
// alert, a reset, a lower version chosen), and silent (no answer: a
// timeout is not a refusal).
func versionsOf(e facts.EndpointFacts) (accepted, refused []facts.VersionProbe) {
	for _, v := range e.Versions {
		switch {
		case v.State == facts.StepOK:
			accepted = append(accepted, v)
		case v.State == facts.StepFailed && v.Kind != facts.KindTimeout:
			refused = append(refused, v)
		}
	}
	return accepted, refused
}

// silentFrom reports whether every probe of a version at or above min went
// unanswered (and at least one was tried): the server, or the path, said
// nothing, which must not be reported as a refusal.
func silentFrom(e facts.EndpointFacts, min string) bool {
	tried := false
	for _, v := range e.Versions {
		if v.Version < min || v.State == facts.StepNotRun { // versions compare as strings, as in anyAtLeast
			continue
		}
		tried = true
		if v.State != facts.StepTimeout && v.Kind != facts.KindTimeout {
			return false
		}
	}
	return tried
}

func judgeVersions(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	var oldOnly []facts.EndpointFacts
	for _, e := range f.Endpoints {
		if len(e.Versions) == 0 {
			continue
		}
		if e.TCP.State != facts.StepOK {
			j.add(e, finding.Skip, versionsNotRun(tr, e), e.Versions)
			continue
		}
		accepted, refused := versionsOf(e)
		detail := versionsDetail(tr, e)
		switch {
		case len(accepted) == 0 && len(refused) == 0:
			// Every probe went unanswered: tls.handshake reports the stall.
			j.add(e, finding.Skip, tr.Sprintf("no version got an answer before the deadline (see tls.handshake): %s", detail), e.Versions)
		case anyAtLeast(accepted, f.MinTLS):
			j.add(e, finding.Pass, detail, e.Versions)
		case silentFrom(e, f.MinTLS):
			// TLS 1.2 and newer got no answer at all: that is silence on
			// the path or at the server, not a refusal (tls.handshake
			// names what it waited for).
			j.add(e, finding.Skip, tr.Sprintf("TLS %s and newer got no answer, which is not a refusal (see tls.handshake): %s", f.MinTLS, detail), e.Versions)
		case len(accepted) > 0:
			j.add(e, severity(e), detail, e.Versions)
			oldOnly = append(oldOnly, e)
		default:
			j.add(e, severity(e), detail, e.Versions)
		}
	}
	fd, failed, done := j.finish(tr, func(n int) string { return tr.Sprintf("%d of %d endpoints accept TLS %s or newer.", n, n, f.MinTLS) })
	if done {
		return fd
	}
	n, bad := j.counts()
	e := failed[0]
	host := e.Endpoint.ProbeHost()
	fd.Summary = tr.Sprintf("%d of %d endpoints accept no TLS version at or above %s: %s.", bad, n, f.MinTLS, hostList(tr, failed))

	// Path or far end? Microsoft's services all speak TLS 1.2 and 1.3. When
	// every endpoint reached answers alike, the common factor is the path;
	// when others on the same path negotiate a modern version, the path is
	// not downgrading everything and the failing servers are to blame (or a
	// device that intercepts only their names).
	where := ""
	switch {
	case bad == n && n > 1:
		fd.Reason = "tls-old-only-path"
		where = tr.Sprintf("All %d endpoints answer the same way, and Microsoft's own servers speak TLS 1.2 and 1.3: this points at the path, a proxy, firewall or TLS-inspecting device between this PC and Microsoft that speaks only old TLS.", n)
	case bad < n:
		fd.Reason = "tls-old-only-far-end"
		where = tr.Sprintf("Other endpoints on the same path negotiate TLS %s or newer, so the path is not downgrading everything: this points at the far end of %s (or a device that intercepts only that name).", f.MinTLS, hostList(tr, failed))
	default:
		fd.Reason = "tls-old-only"
		where = tr.Sprintf("Only one endpoint could be tested, so the path and the far end cannot be told apart: run again on another network to compare.")
	}
	if len(oldOnly) == 0 {
		fd.Reason = strings.Replace(fd.Reason, "old-only", "no-version", 1)
		fd.Cause = tr.Sprintf("%s accepted no TLS version at all. %s", host, where)
	} else {
		accepted, _ := versionsOf(oldOnly[0])
		fd.Cause = tr.Sprintf("%s accepts only TLS %s, older than the TLS %s Quick Assist requires. %s", oldOnly[0].Endpoint.ProbeHost(), versionNames(accepted), f.MinTLS, where)
		if iss := unexpectedIssuer(oldOnly[0], accepted); iss != "" {
			fd.Cause += tr.Sprintf(" The certificate it served was issued by %s, not by a CA Microsoft uses for this endpoint: something in the path answers in Microsoft's place.", iss)
		}
	}
	fd.Fix = []string{
		tr.Sprintf("Run qadoctor again on another network (a phone hotspot): if it passes there, send this report to the network team."),
		tr.Sprintf("Turn off a VPN or proxy, if one is on, and try again."),
	}
	return fd
}

// versionsNotRun says why no version could be tried: the version probes go
// the way the traffic goes, so behind a proxy (which alone resolves the
// name: DNS was never asked) it is the proxy that stopped them, named;
// DNS is blamed only when DNS itself failed.
func versionsNotRun(tr *i18n.Printer, e facts.EndpointFacts) string {
	d := e.DNS
	switch {
	case d.State == facts.StepNotRun && d.Kind != facts.KindProxied:
		return blockedBy(tr, d.Step)
	case d.State != facts.StepOK && d.State != facts.StepNotRun:
		return blockedBy(tr, facts.Step{Kind: facts.KindBlocked, BlockedBy: facts.StepDNS})
	case e.Route.Via == "proxy" && e.Route.Proxy != "" && e.TCP.State != facts.StepNotRun:
		return tr.Sprintf("not checked: the proxy %s did not carry the connection (%s), so no version could be tried through it (see net.proxy)", e.Route.Proxy, e.TCP.Error)
	case e.TCP.State == facts.StepNotRun:
		return blockedBy(tr, e.TCP.Step)
	}
	return blockedBy(tr, facts.Step{Kind: facts.KindBlocked, BlockedBy: facts.StepTCP, Error: e.TCP.Error})
}

func anyAtLeast(vs []facts.VersionProbe, min string) bool {
	for _, v := range vs {
		if v.Version >= min { // "1.0" < "1.1" < "1.2" < "1.3" compare as strings
			return true
		}
	}
	return false
}

func versionNames(vs []facts.VersionProbe) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Version)
	}
	return strings.Join(s, ", ")
}

func versionsDetail(tr *i18n.Printer, e facts.EndpointFacts) string {
	var parts []string
	for _, v := range e.Versions {
		switch v.State {
		case facts.StepOK:
			parts = append(parts, tr.Sprintf("TLS %s accepted", v.Version))
		case facts.StepNotRun:
			parts = append(parts, tr.Sprintf("TLS %s not tried", v.Version))
		case facts.StepTimeout:
			parts = append(parts, tr.Sprintf("TLS %s no answer", v.Version))
		default:
			if v.Kind == facts.KindTimeout {
				parts = append(parts, tr.Sprintf("TLS %s no answer", v.Version))
				continue
			}
			parts = append(parts, tr.Sprintf("TLS %s refused (%s)", v.Version, v.Kind))
		}
	}
	return strings.Join(parts, "; ")
}

// unexpectedIssuer returns the issuer of a certificate served on an
// accepted version when it matches none of the profile's expected issuers.
func unexpectedIssuer(e facts.EndpointFacts, accepted []facts.VersionProbe) string {
	if len(e.Endpoint.Issuers) == 0 {
		return ""
	}
	for _, v := range accepted {
		if v.Issuer == "" {
			continue
		}
		match := false
		for _, want := range e.Endpoint.Issuers {
			if strings.Contains(strings.ToLower(v.Issuer), strings.ToLower(want)) {
				match = true
			}
		}
		if !match {
			return v.Issuer
		}
	}
	return ""
}
