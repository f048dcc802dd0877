package checks

import (
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/hostsfile"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
)

var (
	titleHosts = i18n.Key("The hosts file leaves Quick Assist's endpoints alone")
	titleDNS   = i18n.Key("Every endpoint's name resolves")
	titleReach = i18n.Key("Every endpoint accepts a TCP connection on its port")
)

// policyNote is said wherever a block may be deliberate. Blocking
// remoteassistance.support.services.microsoft.com is Microsoft's documented
// way to disable Quick Assist (REFERENCE.md, "Quick Assist").
// statusPages and exemptInspection are fixes several checks give: where
// Microsoft says whether its service is down, and what the network team
// must do about TLS inspection.
var (
	statusPages      = i18n.Key("Check the Windows release health dashboard (learn.microsoft.com/windows/release-health) and the Microsoft 365 service status page (status.cloud.microsoft).")
	exemptInspection = i18n.Key("Ask the network team to exempt Quick Assist's endpoints from TLS inspection: qadoctor bypass prints the list (--format pac or csv).")
)

var policyNote = i18n.Key("If this PC is managed by an organisation, ask IT first: blocking Quick Assist on purpose is common (it is Microsoft's documented way to disable it), and a block that is policy must not be worked around.")

func judgeHostsFile(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	h := f.Hosts
	switch h.State {
	case facts.HostsNotSelected, "":
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	case facts.HostsMissing:
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("There is no hosts file at %s, so it overrides nothing.", h.Path)}
	case facts.HostsError:
		return finding.Finding{
			Status:  finding.Error,
			Reason:  "hosts-unreadable",
			Summary: tr.Sprintf("Could not read the hosts file %s.", h.Path),
			Cause:   hostsProblem(tr, h),
			Fix:     []string{tr.Sprintf("Run qadoctor again from an account that can read %s, or name another copy with --hosts-file.", h.Path)},
		}
	}

	type hit struct {
		entry facts.HostsEntry
		name  string
		ep    facts.EndpointFacts
	}
	var hits []hit
	for _, entry := range h.Entries {
		for _, name := range entry.Names {
			if isOwnLoopback(name, entry.Address) {
				continue
			}
			for _, ep := range f.Endpoints {
				if ep.Endpoint.Covers(name) {
					hits = append(hits, hit{entry, name, ep})
				}
			}
		}
	}
	if len(hits) == 0 {
		return finding.Finding{
			Status:  finding.Pass,
			Summary: tr.Sprintf("%s: %d lines, none names an endpoint of the profile.", h.Path, h.Lines),
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].entry.Line < hits[b].entry.Line })

	var ev []finding.Evidence
	var statuses []finding.Status
	var lines, names []string
	for _, x := range hits {
		names = append(names, x.name)
		st := severity(x.ep)
		statuses = append(statuses, st)
		what := tr.Sprintf("pins it to %s, bypassing DNS", x.entry.Address)
		if isSinkhole(x.entry.Address) {
			what = tr.Sprintf("sends it to %s, which blocks it", x.entry.Address)
		}
		ev = append(ev, finding.Evidence{
			Subject: tr.Sprintf("%s line %d", h.Path, x.entry.Line),
			Status:  st,
			Detail:  tr.Sprintf("%s %s: %s (%s)", x.entry.Address, x.name, what, x.ep.Endpoint.Purpose),
			Facts:   x.entry,
		})
		lines = append(lines, strconv.Itoa(x.entry.Line))
	}
	lines = dedupe(lines)
	first := hits[0]
	return finding.Finding{
		Status:   finding.Worst(statuses...),
		Reason:   "hosts-file-entry",
		Summary:  tr.Sprintf("The hosts file overrides %s (line %s).", strings.Join(dedupe(names), ", "), strings.Join(lines, ", ")),
		Cause:    tr.Sprintf("Line %d of %s sends %s to %s instead of letting DNS answer. Windows reads this file before asking DNS, so Quick Assist cannot reach the real service.", first.entry.Line, h.Path, first.name, first.entry.Address),
		Evidence: ev,
		Fix: []string{
			tr.Sprintf("Open Notepad as administrator, open %s, and put # in front of line %s (or delete it); save.", h.Path, strings.Join(lines, ", ")),
			tr.Sprintf("Run: ipconfig /flushdns"),
			tr.Text(policyNote),
		},
	}
}

// isOwnLoopback reports the operating system's own entry for localhost:
// names under "localhost" always resolve to loopback (RFC 6761 section 6.3),
// so such a line overrides nothing DNS would say.
func isOwnLoopback(name, addr string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	a, err := netip.ParseAddr(addr)
	return err == nil && a.IsLoopback() && (name == "localhost" || strings.HasSuffix(name, ".localhost"))
}

// isSinkhole reports addresses that block a name rather than redirect it.
func isSinkhole(addr string) bool {
	a, err := netip.ParseAddr(addr)
	return err == nil && a.IsUnspecified()
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func judgeDNS(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	kinds := map[string]int{}
	for _, e := range f.Endpoints {
		d := e.DNS
		switch {
		case d.State == facts.StepOK && allSinkhole(d.Addrs):
			j.add(e, severity(e), tr.Sprintf("resolved to %s, an address that blocks the name (a DNS filter's answer)", strings.Join(d.Addrs, ", ")), d)
			kinds["sinkhole"]++
		case d.State == facts.StepOK:
			j.add(e, finding.Pass, tr.Sprintf("resolved to %s (%s)", strings.Join(d.Addrs, ", "), fmtMS(d.DurationMS)), d)
		case d.State == facts.StepNotRun:
			j.add(e, finding.Skip, blockedBy(tr, d.Step), d)
		case d.WaitingOn == facts.WaitRoute:
			j.add(e, finding.Skip, tr.Sprintf("not checked: %s", waitedFor(tr, d.WaitingOn, e, 0)), d)
		default:
			j.add(e, severity(e), dnsDetail(tr, d), d)
			kinds[d.Kind]++
		}
	}
	fd, failed, done := j.finish(tr, func(n int) string { return tr.Sprintf("%d of %d endpoint names resolve.", n, n) })
	if done {
		return fd
	}
	n, bad := j.counts()
	fd.Summary = tr.Sprintf("%d of %d endpoint names do not resolve: %s.", bad, n, hostList(tr, failed))
	fd.Fix = []string{
		tr.Sprintf("Check that the PC is online: open https://www.microsoft.com in a browser."),
		tr.Sprintf("Run: ipconfig /flushdns, then try again."),
		tr.Sprintf("See what the DNS server answers: Resolve-DnsName %s (PowerShell).", failed[0].Endpoint.ProbeHost()),
	}
	// The cause names an endpoint that failed the way the reason says, never
	// merely the first that failed: a malformed answer is no NXDOMAIN.
	ofKind := func(kind string) []facts.EndpointFacts {
		var out []facts.EndpointFacts
		for _, e := range failed {
			if dnsKind(e.DNS) == kind {
				out = append(out, e)
			}
		}
		return out
	}
	var named []facts.EndpointFacts
	switch {
	case bad == n && n > 1:
		fd.Reason = "dns-none-resolve"
		fd.Cause = tr.Sprintf("No endpoint name resolved. The PC is offline, or its DNS server is unreachable or answers nothing for Microsoft's domains (a captive portal or a DNS filter).")
	case kinds["sinkhole"] > 0:
		named = ofKind("sinkhole")
		fd.Reason = "dns-sinkhole"
		fd.Cause = tr.Sprintf("The DNS server answers %s with 0.0.0.0: a DNS filter blocks it.", hostList(tr, named))
	case kinds[facts.KindNXDomain] > 0:
		named = ofKind(facts.KindNXDomain)
		fd.Reason = "dns-nxdomain"
		fd.Cause = tr.Sprintf("The DNS server says %s does not exist. The names are real, so a DNS filter (company, school or router) is hiding them.", hostList(tr, named))
	case kinds[facts.KindTimeout] > 0:
		fd.Reason = "dns-timeout"
		fd.Cause = tr.Sprintf("The DNS server did not answer in time: it is unreachable or overloaded.")
	case kinds[facts.KindServFail] > 0:
		fd.Reason = "dns-servfail"
		fd.Cause = tr.Sprintf("The DNS server failed to answer (SERVFAIL): it could not reach the domain's servers.")
	default:
		fd.Reason = "dns-error"
		fd.Cause = tr.Sprintf("Some names could not be looked up; see the evidence.")
	}
	if len(named) > 0 {
		// Block lists (Pi-hole, AdGuard, NextDNS) list Microsoft's
		// telemetry hosts, which Quick Assist's page calls required.
		var hosts []string
		for _, e := range named {
			hosts = append(hosts, e.Endpoint.Host)
		}
		fd.Fix = append(fd.Fix, tr.Sprintf("Ask whoever runs the DNS filter (the company's, or Pi-hole, AdGuard or NextDNS at home) to allow-list %s: Microsoft's Quick Assist page lists them as needed.", strings.Join(hosts, ", ")))
	}
	if fd.Reason != "dns-none-resolve" && fd.Reason != "dns-timeout" {
		fd.Fix = append(fd.Fix, tr.Text(policyNote))
	}
	return fd
}

// dnsKind is how an endpoint's lookup went wrong, as judgeDNS counts it:
// "sinkhole" for a blocking address, else the failure's kind.
func dnsKind(d facts.DNS) string {
	if d.State == facts.StepOK && allSinkhole(d.Addrs) {
		return "sinkhole"
	}
	return d.Kind
}

func allSinkhole(addrs []string) bool {
	if len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !isSinkhole(a) {
			return false
		}
	}
	return true
}

func dnsDetail(tr *i18n.Printer, d facts.DNS) string {
	switch d.Kind {
	case facts.KindNXDomain:
		return tr.Sprintf("the DNS server says this name does not exist (NXDOMAIN)")
	case facts.KindServFail:
		return tr.Sprintf("the DNS server failed to answer (SERVFAIL)")
	case facts.KindTimeout:
		return tr.Sprintf("no answer from the DNS server after %s", fmtMS(d.DurationMS))
	case facts.KindNoAddress:
		return tr.Sprintf("the DNS answer holds no address")
	case facts.KindMalformed:
		return tr.Sprintf("the DNS server's answer is malformed (not a DNS message it could be read as)")
	}
	return tr.Sprintf("lookup failed: %s", stepError(tr, d.Step))
}

func judgeReach(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	var j judged
	kinds := map[string]int{}
	for _, e := range f.Endpoints {
		t := e.TCP
		switch t.State {
		case facts.StepOK:
			if bad := otherFamilyFailed(t); len(bad) > 0 {
				j.add(e, finding.Warn, tr.Sprintf("connected to %s in %s, but not over %s: %s", t.Remote, fmtMS(t.DurationMS), familyOf(bad[0].Addr), attemptList(tr, bad)), t)
				kinds["family"]++
				continue
			}
			j.add(e, finding.Pass, tr.Sprintf("connected to %s in %s", t.Remote, fmtMS(t.DurationMS)), t)
		case facts.StepNotRun:
			j.add(e, finding.Skip, blockedBy(tr, t.Step), t)
		default:
			if probe.IsProxyKind(t.Kind) {
				j.add(e, finding.Skip, tr.Sprintf("not checked: the proxy failed (see net.proxy)"), t)
				continue
			}
			j.add(e, severity(e), reachDetail(tr, e), t)
			kinds[t.Kind]++
		}
	}
	fd, failed, done := j.finish(tr, func(n int) string { return tr.Sprintf("%d of %d endpoints accept a TCP connection.", n, n) })
	if done {
		return fd
	}
	n, bad := j.counts()
	e := failed[0]
	if kinds["family"] == bad {
		// Every endpoint connected, each over one family only.
		broken := familyOf(otherFamilyFailed(e.TCP)[0].Addr)
		fd.Reason = "ipv6-broken"
		if broken == "IPv4" {
			fd.Reason = "ipv4-broken"
		}
		fd.Summary = tr.Sprintf("%s to %s does not work; the other family does, so connections take %s longer.", broken, hostList(tr, failed), fmtMS(float64(probe.FallbackDelay.Milliseconds())))
		fd.Cause = tr.Sprintf("The DNS answer for %s has both IPv4 and IPv6 addresses, and connections over %s get no answer or fail. Quick Assist's browser engine (Chromium, in WebView2) tries the other family after %s, as this check did, so sessions still start, a little later; a network that half-supports %s is also where connections drop later.", e.Endpoint.ProbeHost(), broken, fmtMS(float64(probe.FallbackDelay.Milliseconds())), broken)
		fd.Fix = []string{
			tr.Sprintf("Ask the network team to fix %s routing to the internet (the router, the VPN or the ISP's %s).", broken, broken),
			tr.Sprintf("Confirm with: Test-NetConnection -ComputerName %s -Port %d (PowerShell), the address that did not answer.", hostOf(otherFamilyFailed(e.TCP)[0].Addr), e.Endpoint.Port),
		}
		if broken == "IPv6" {
			fd.Fix = append(fd.Fix, tr.Sprintf("As a stop-gap, Windows can prefer IPv4 over IPv6 (DisabledComponents = 0x20, Microsoft's \"Guidance for configuring IPv6 in Windows\"); do not turn IPv6 off entirely."))
		}
		return fd
	}
	fd.Summary = tr.Sprintf("%d of %d endpoints refuse or ignore a TCP connection: %s.", bad, n, hostList(tr, failed))
	switch {
	case kinds[facts.KindDropped] > 0:
		// Before a timeout: a drop is concluded (two SYNs unanswered on
		// any path the run saw), a timeout only says the deadline came.
		for _, x := range failed {
			if x.TCP.Kind == facts.KindDropped {
				e = x
				break
			}
		}
		fd.Reason = "tcp-dropped"
		fd.Cause = tr.Sprintf("A firewall or security product, on the PC or the network, drops the connections to %s port %d: %d SYNs over %s got no answer, not even a refusal, although a path as slow as the slowest this run saw would have answered by then. Networks block an address this way on purpose; blocking remoteassistance.support.services.microsoft.com is Microsoft's documented way to disable Quick Assist.", e.Endpoint.ProbeHost(), e.Endpoint.Port, e.TCP.SYNs, fmtMS(e.TCP.BoundMS))
	case kinds[facts.KindTimeout] > 0:
		fd.Reason = "tcp-timeout"
		fd.Cause = tr.Sprintf("Nothing answered a connection to %s port %d: a firewall on the PC or the network drops the traffic.", e.Endpoint.ProbeHost(), e.Endpoint.Port)
	case kinds[facts.KindRefused] > 0:
		fd.Reason = "tcp-refused"
		fd.Cause = tr.Sprintf("The connection to %s port %d was refused: a firewall rejects it, or the address is not Microsoft's (a hosts entry or DNS answer pointing elsewhere).", e.Endpoint.ProbeHost(), e.Endpoint.Port)
	case kinds[facts.KindUnreachable] > 0:
		fd.Reason = "tcp-unreachable"
		fd.Cause = tr.Sprintf("The PC has no route to the endpoint's address: the network is down, or a VPN routes the traffic nowhere.")
	default:
		fd.Reason = "tcp-error"
		fd.Cause = tr.Sprintf("The connection failed; see the evidence.")
	}
	fd.Fix = []string{
		tr.Sprintf("Confirm with: Test-NetConnection -ComputerName %s -Port %d (PowerShell).", e.Endpoint.ProbeHost(), e.Endpoint.Port),
		tr.Sprintf("Turn off a VPN, if one is on, and try again."),
		tr.Sprintf("Ask the network administrator to allow TCP port 443 to Quick Assist's endpoints (see qadoctor profile show)."),
		tr.Text(policyNote),
	}
	return fd
}

// otherFamilyFailed returns the attempts of the address family the
// connection did not use that failed or were abandoned: a path that works
// over one family only.
func otherFamilyFailed(t facts.TCP) []facts.Attempt {
	won := familyOf(t.Remote)
	if won == "" {
		return nil
	}
	var out []facts.Attempt
	for _, a := range t.Attempts {
		if f := familyOf(a.Addr); f != "" && f != won {
			out = append(out, a)
		}
	}
	return out
}

// hostOf is the address of host:port.
func hostOf(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

// familyOf names the address family of host:port, or "" for a name.
func familyOf(hostport string) string {
	ap, err := netip.ParseAddrPort(hostport)
	switch {
	case err != nil:
		return ""
	case ap.Addr().Unmap().Is4():
		return "IPv4"
	}
	return "IPv6"
}

// attemptList says how each attempt ended.
func attemptList(tr *i18n.Printer, as []facts.Attempt) string {
	var parts []string
	for _, a := range as {
		if a.Kind == facts.KindAbandoned {
			parts = append(parts, tr.Sprintf("%s gave no answer in %s and was abandoned", a.Addr, fmtMS(a.DurationMS)))
		} else {
			parts = append(parts, tr.Sprintf("%s failed (%s): %s", a.Addr, a.Kind, a.Error))
		}
	}
	return strings.Join(parts, "; ")
}

func reachDetail(tr *i18n.Printer, e facts.EndpointFacts) string {
	t := e.TCP
	addrs := strings.Join(e.DNS.Addrs, ", ")
	switch t.Kind {
	case facts.KindDropped:
		return tr.Sprintf("dropped: no answer to %d SYNs over %s from %s port %d (the SYN count is estimated from the operating system's retransmission schedule)", t.SYNs, fmtMS(t.BoundMS), addrs, e.Endpoint.Port)
	case facts.KindTimeout:
		return tr.Sprintf("no answer from %s port %d after %s (packets dropped)", addrs, e.Endpoint.Port, fmtMS(t.DurationMS))
	case facts.KindRefused:
		return tr.Sprintf("%s port %d refused the connection", addrs, e.Endpoint.Port)
	case facts.KindUnreachable:
		return tr.Sprintf("no route to %s", addrs)
	}
	return tr.Sprintf("connection failed: %s", stepError(tr, t.Step))
}

// hostsProblem says why the hosts file could not be read.
func hostsProblem(tr *i18n.Printer, h facts.HostsFile) string {
	switch h.Problem {
	case facts.HostsNotRegular:
		return tr.Sprintf("%s is not a regular file (a pipe, a device or a folder), so qadoctor did not open it.", h.Path)
	case facts.HostsTooLarge:
		return tr.Sprintf("%s is larger than any hosts file (more than %d MiB).", h.Path, hostsfile.MaxSize>>20)
	case facts.HostsLineTooLong:
		return tr.Sprintf("%s has a line longer than any hosts file has: it is not a hosts file.", h.Path)
	case facts.HostsCutOff:
		return tr.Sprintf("Reading %s did not finish before the run's deadline.", h.Path)
	}
	return h.Error
}
