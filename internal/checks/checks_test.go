package checks

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// ep builds an endpoint's facts with every step ok, then applies mods.
func ep(host string, required bool, mods ...func(*facts.EndpointFacts)) facts.EndpointFacts {
	e := facts.EndpointFacts{
		Endpoint: profile.Endpoint{Host: host, Port: 443, Required: required, Purpose: "test", Issuers: []string{"Microsoft"}},
		DNS:      facts.DNS{Step: facts.Step{State: facts.StepOK}, Host: host, Addrs: []string{"192.0.2.10"}},
		TCP:      facts.TCP{Step: facts.Step{State: facts.StepOK}, Remote: "192.0.2.10:443"},
		TLS: facts.TLS{Step: facts.Step{State: facts.StepOK}, ServerName: host, Version: "1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
			Verified: true, Chain: []facts.Certificate{{Subject: "CN=" + host, Issuer: "CN=Microsoft Azure RSA TLS Issuing CA 03,O=Microsoft Corporation"}}},
		Versions: versions("1.2", "1.3"),
	}
	for _, m := range mods {
		m(&e)
	}
	return e
}

// followUps sets the follow-up handshakes of a failed handshake.
func followUps(hs ...facts.HelloProbe) func(*facts.EndpointFacts) {
	return func(e *facts.EndpointFacts) { e.TLS.FollowUps = hs }
}

// versions makes version probes accepting the listed versions and
// refusing the others with a protocol_version alert.
func versions(accepted ...string) []facts.VersionProbe {
	var out []facts.VersionProbe
	for _, v := range []string{"1.0", "1.1", "1.2", "1.3"} {
		p := facts.VersionProbe{Version: v, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindProtocol}}
		for _, a := range accepted {
			if a == v {
				p.Step = facts.Step{State: facts.StepOK}
				p.Issuer = "CN=Microsoft Azure RSA TLS Issuing CA 03,O=Microsoft Corporation"
			}
		}
		out = append(out, p)
	}
	return out
}

func oldOnly(issuer string) func(*facts.EndpointFacts) {
	return func(e *facts.EndpointFacts) {
		e.TLS = facts.TLS{Step: facts.Step{State: facts.StepFailed, Kind: facts.KindProtocol, Error: "protocol version not supported"}, Offered: []string{"1.2", "1.3"}}
		e.Versions = versions("1.0")
		e.Versions[0].Issuer = issuer
	}
}

func dnsFailed(kind string) func(*facts.EndpointFacts) {
	return func(e *facts.EndpointFacts) {
		e.DNS.Step = facts.Step{State: facts.StepFailed, Kind: kind}
		if kind == facts.KindTimeout {
			e.DNS.State = facts.StepTimeout
		}
		e.DNS.Addrs = nil
		blocked := facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: facts.StepDNS}
		e.TCP.Step, e.TLS = blocked, facts.TLS{Step: blocked}
		for i := range e.Versions {
			e.Versions[i] = facts.VersionProbe{Version: e.Versions[i].Version, Step: blocked}
		}
	}
}

func certProblem(kind string) func(*facts.EndpointFacts) {
	return func(e *facts.EndpointFacts) {
		e.TLS.Verified, e.TLS.VerifyKind, e.TLS.VerifyError = false, kind, "x509: "+kind
	}
}

func tlsFailed(kind string) func(*facts.EndpointFacts) {
	return func(e *facts.EndpointFacts) {
		e.TLS = facts.TLS{Step: facts.Step{State: facts.StepFailed, Kind: kind, Error: kind}}
	}
}

func run(judge func(*facts.Facts, *i18n.Printer) finding.Finding, eps ...facts.EndpointFacts) finding.Finding {
	return judge(&facts.Facts{MinTLS: "1.2", Endpoints: eps, Hosts: facts.HostsFile{State: facts.HostsNotSelected}}, nil)
}

func TestJudges(t *testing.T) {
	tests := []struct {
		name   string
		judge  func(*facts.Facts, *i18n.Printer) finding.Finding
		eps    []facts.EndpointFacts
		status finding.Status
		reason string
		cause  string // substring of the cause
	}{
		{"dns all ok", judgeDNS, []facts.EndpointFacts{ep("a.test", true), ep("b.test", false)}, finding.Pass, "", ""},
		{"dns nxdomain on one", judgeDNS, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindNXDomain)), ep("b.test", true)}, finding.Fail, "dns-nxdomain", "does not exist"},
		{"dns timeout", judgeDNS, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindTimeout)), ep("b.test", true)}, finding.Fail, "dns-timeout", "did not answer"},
		{"dns servfail", judgeDNS, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindServFail)), ep("b.test", true)}, finding.Fail, "dns-servfail", "SERVFAIL"},
		{"dns nothing resolves", judgeDNS, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindNXDomain)), ep("b.test", false, dnsFailed(facts.KindNXDomain))}, finding.Fail, "dns-none-resolve", "offline"},
		{"dns optional only", judgeDNS, []facts.EndpointFacts{ep("a.test", true), ep("b.test", false, dnsFailed(facts.KindNXDomain))}, finding.Warn, "dns-nxdomain", "b.test"},
		{"dns sinkhole", judgeDNS, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) { e.DNS.Addrs = []string{"0.0.0.0"} }), ep("b.test", true)}, finding.Fail, "dns-sinkhole", "DNS filter"},
		{"reach skips what DNS broke", judgeReach, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindNXDomain)), ep("b.test", true)}, finding.Pass, "", ""},
		{"reach refused", judgeReach, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) {
			e.TCP.Step = facts.Step{State: facts.StepFailed, Kind: facts.KindRefused}
		})}, finding.Fail, "tcp-refused", "refused"},
		{"reach timeout", judgeReach, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) {
			e.TCP.Step = facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}
		})}, finding.Fail, "tcp-timeout", "drops"},
		{"reach nothing judged", judgeReach, []facts.EndpointFacts{ep("a.test", true, dnsFailed(facts.KindNXDomain))}, finding.Skip, "", ""},
		{"handshake ok", judgeHandshake, []facts.EndpointFacts{ep("a.test", true)}, finding.Pass, "", ""},
		{"handshake unknown authority", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, certProblem("unknown-authority"))}, finding.Fail, "cert-unknown-authority", "does not trust"},
		{"handshake expired blames the clock", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, certProblem("expired"))}, finding.Fail, "cert-expired", "date and time"},
		{"handshake wrong name", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, certProblem("hostname"))}, finding.Fail, "cert-hostname", "captive portal"},
		{"handshake not tls", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindNotTLS))}, finding.Fail, "tls-not-tls", "does not speak TLS"},
		{"handshake reset", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindReset))}, finding.Fail, "tls-reset", "SNI"},
		// The follow-up handshakes tell the causes of a cut or silent one
		// apart (cmd/qadoctor's namespace tests show each against real
		// peers: nftables for the size faults, squid for the SNI filter).
		{"handshake reset, only a nameless hello answered", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindReset), followUps(
			facts.HelloProbe{Probe: facts.HelloSmall, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset}, HelloBytes: 250},
			facts.HelloProbe{Probe: facts.HelloRefused, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset}},
			facts.HelloProbe{Probe: facts.HelloNoName, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindHandshake}, BytesRead: 7},
		))}, finding.Fail, "tls-sni-filtered", "server name (SNI)"},
		{"handshake reset, nothing answered", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindReset), followUps(
			facts.HelloProbe{Probe: facts.HelloSmall, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset}, HelloBytes: 250},
			facts.HelloProbe{Probe: facts.HelloRefused, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset}},
			facts.HelloProbe{Probe: facts.HelloNoName, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset}},
		))}, finding.Fail, "tls-reset", "SNI"},
		{"handshake silent, a small hello completes", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindTimeout), func(e *facts.EndpointFacts) { e.TLS.BytesSent = 1561 }, followUps(
			facts.HelloProbe{Probe: facts.HelloSmall, Step: facts.Step{State: facts.StepOK}, HelloBytes: 254, BytesRead: 3100},
		))}, finding.Fail, "tls-large-hello-dropped", "1561-byte hello"},
		{"handshake silent, only the refusal arrives", judgeHandshake, []facts.EndpointFacts{ep("a.test", true, tlsFailed(facts.KindTimeout), followUps(
			facts.HelloProbe{Probe: facts.HelloSmall, Step: facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}},
			facts.HelloProbe{Probe: facts.HelloRefused, Step: facts.Step{State: facts.StepFailed, Kind: facts.KindHandshake}, BytesRead: 7},
		))}, finding.Fail, "tls-mtu-black-hole", "MTU black hole"},
		{"handshake optional", judgeHandshake, []facts.EndpointFacts{ep("a.test", false, tlsFailed(facts.KindReset))}, finding.Warn, "tls-reset", ""},
		{"versions ok", judgeVersions, []facts.EndpointFacts{ep("a.test", true), ep("b.test", true)}, finding.Pass, "", ""},
		{"versions path", judgeVersions, []facts.EndpointFacts{ep("a.test", true, oldOnly("CN=Microsoft RSA")), ep("b.test", true, oldOnly("CN=Microsoft RSA"))}, finding.Fail, "tls-old-only-path", "points at the path"},
		{"versions far end", judgeVersions, []facts.EndpointFacts{ep("a.test", true, oldOnly("CN=Microsoft RSA")), ep("b.test", true)}, finding.Fail, "tls-old-only-far-end", "points at the far end"},
		{"versions single endpoint", judgeVersions, []facts.EndpointFacts{ep("a.test", true, oldOnly("CN=Microsoft RSA"))}, finding.Fail, "tls-old-only", "cannot be told apart"},
		{"versions foreign issuer", judgeVersions, []facts.EndpointFacts{ep("a.test", true, oldOnly("CN=Old Box CA"))}, finding.Fail, "tls-old-only", "CN=Old Box CA"},
		{"versions nothing accepted", judgeVersions, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) { e.Versions = versions() }), ep("b.test", true)}, finding.Fail, "tls-no-version-far-end", "no TLS version at all"},
		{"versions all silent", judgeVersions, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) {
			for i := range e.Versions {
				e.Versions[i].Step = facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}
			}
		})}, finding.Skip, "", ""},
		// An MTU black hole or a silent middlebox: the old versions are
		// refused at once, TLS 1.2 and 1.3 get no answer. Silence is not a
		// refusal: no "accepted no TLS version at all".
		{"versions modern ones silent", judgeVersions, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) {
			e.Versions = versions()
			e.Versions[2].Step = facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}
			e.Versions[3].Step = facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}
		}), ep("b.test", true)}, finding.Pass, "", ""},
		{"versions modern refused, not silent", judgeVersions, []facts.EndpointFacts{ep("a.test", true, func(e *facts.EndpointFacts) {
			e.Versions = versions()
			e.Versions[3].Step = facts.Step{State: facts.StepTimeout, Kind: facts.KindTimeout}
		}), ep("b.test", true)}, finding.Fail, "tls-no-version-far-end", "no TLS version at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(tt.judge, tt.eps...)
			if got.Status != tt.status || got.Reason != tt.reason || !strings.Contains(got.Cause, tt.cause) {
				t.Errorf("got status %s reason %q cause %q; want %s %q containing %q", got.Status, got.Reason, got.Cause, tt.status, tt.reason, tt.cause)
			}
			if got.Summary == "" {
				t.Error("summary is empty")
			}
			if got.Status == finding.Fail && len(got.Fix) == 0 {
				t.Error("a failing finding must say what to do")
			}
			ja := tt.judge(&facts.Facts{MinTLS: "1.2", Endpoints: tt.eps, Hosts: facts.HostsFile{State: facts.HostsNotSelected}}, i18n.New(i18n.Japanese))
			assertJapanese(t, ja)
			if ja.Status != got.Status || ja.Reason != got.Reason {
				t.Errorf("in Japanese: status %s reason %q; want the same as in English, %s %q", ja.Status, ja.Reason, got.Status, got.Reason)
			}
		})
	}
}

// dataDetail is evidence that is a recorded value, the same in every
// language: "NtpServer=time.windows.com", "Enabled=0x0", "EccCurves = …".
var dataDetail = regexp.MustCompile(`^[A-Za-z0-9_.]+ ?=`)

// assertJapanese fails when a text a person reads in a Japanese finding
// has no Japanese in it: a message that missed the catalog, or a string
// built outside the Printer.
func assertJapanese(t *testing.T, fd finding.Finding) {
	t.Helper()
	japanese := func(s string) bool {
		for _, r := range s {
			if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
				return true
			}
		}
		return false
	}
	check := func(what, s string) {
		if s != "" && !japanese(s) {
			t.Errorf("%s %s is not in Japanese: %q", fd.ID, what, s)
		}
	}
	check("summary", fd.Summary)
	check("cause", fd.Cause)
	for i, f := range fd.Fix {
		check(fmt.Sprintf("fix %d", i+1), f)
	}
	for _, e := range fd.Evidence {
		if !dataDetail.MatchString(e.Detail) {
			check("evidence for "+e.Subject, e.Detail)
		}
	}
	for _, a := range fd.Actions {
		check("action "+a.ID, a.Title)
	}
}

func TestJudgeHostsFile(t *testing.T) {
	eps := []facts.EndpointFacts{
		ep("*.support.services.microsoft.com", true, func(e *facts.EndpointFacts) { e.Endpoint.Probe = "remoteassistance.support.services.microsoft.com" }),
		ep("localhost", true),
		ep("edge.microsoft.com", false),
	}
	tests := []struct {
		name    string
		hosts   facts.HostsFile
		status  finding.Status
		subject string
		detail  string
	}{
		{"not read", facts.HostsFile{State: facts.HostsNotSelected}, finding.Skip, "", ""},
		{"missing", facts.HostsFile{State: facts.HostsMissing, Path: "h"}, finding.Pass, "", ""},
		{"unreadable", facts.HostsFile{State: facts.HostsError, Path: "h", Error: "permission denied"}, finding.Error, "", ""},
		{"own localhost line is no override", facts.HostsFile{State: facts.HostsRead, Path: "h", Entries: []facts.HostsEntry{{Line: 1, Address: "127.0.0.1", Names: []string{"localhost"}}}}, finding.Pass, "", ""},
		{"sinkhole under a wildcard", facts.HostsFile{State: facts.HostsRead, Path: "h", Entries: []facts.HostsEntry{{Line: 7, Address: "0.0.0.0", Names: []string{"x.support.services.microsoft.com"}}}}, finding.Fail, "h line 7", "blocks it"},
		{"pin", facts.HostsFile{State: facts.HostsRead, Path: "h", Entries: []facts.HostsEntry{{Line: 2, Address: "203.0.113.9", Names: []string{"remoteassistance.support.services.microsoft.com"}}}}, finding.Fail, "h line 2", "bypassing DNS"},
		{"optional endpoint", facts.HostsFile{State: facts.HostsRead, Path: "h", Entries: []facts.HostsEntry{{Line: 3, Address: "0.0.0.0", Names: []string{"edge.microsoft.com"}}}}, finding.Warn, "h line 3", "blocks it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeHostsFile(&facts.Facts{Endpoints: eps, Hosts: tt.hosts}, nil)
			if got.Status != tt.status {
				t.Errorf("status = %s; want %s (%s)", got.Status, tt.status, got.Summary)
			}
			if tt.subject != "" && (len(got.Evidence) != 1 || got.Evidence[0].Subject != tt.subject || !strings.Contains(got.Evidence[0].Detail, tt.detail)) {
				t.Errorf("evidence = %+v; want one line for %q saying %q", got.Evidence, tt.subject, tt.detail)
			}
		})
	}
}

func TestVerdictNamesFirstBrokenStep(t *testing.T) {
	fs := []finding.Finding{
		{ID: "net.hosts-file", Status: finding.Pass},
		{ID: "net.dns", Status: finding.Warn},
		{ID: "net.reach", Status: finding.Fail},
		{ID: "tls.handshake", Status: finding.Fail},
	}
	if v := Verdict(fs, ""); v == nil || v.ID != "net.reach" {
		t.Errorf("Verdict = %+v; want net.reach, the first failure in chain order", v)
	}
	if v := Verdict(fs[:2], ""); v == nil || v.ID != "net.dns" {
		t.Errorf("Verdict without failures = %+v; want the warning", v)
	}
	if v := Verdict(fs[:1], ""); v != nil {
		t.Errorf("Verdict of all passing = %+v; want nil", v)
	}
	// The person saw the session end when sharing started: a cause met
	// there comes first, even a warning over an earlier failure (the steps
	// before it evidently worked for them); unknown keeps chain order.
	withScreen := append(fs[:len(fs):len(fs)], finding.Finding{ID: "os.rdp-policy", Status: finding.Warn, Step: leg.Sharing},
		finding.Finding{ID: "os.schannel", Status: finding.Fail, Step: leg.Sharing})
	for _, tt := range []struct {
		symptom leg.Step
		want    string
	}{
		{leg.Sharing, "os.schannel"},
		{"", "net.reach"},
		{leg.Slow, "net.reach"}, // nothing met at that step: chain order
	} {
		if v := Verdict(withScreen, tt.symptom); v == nil || v.ID != tt.want {
			t.Errorf("Verdict(symptom %q) = %+v; want %s", tt.symptom, v, tt.want)
		}
	}
	if v := Verdict(withScreen[:5], leg.Sharing); v == nil || v.ID != "os.rdp-policy" {
		t.Errorf("Verdict(sharing) without a failure there = %+v; want the warning met there", v)
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		only, skip []string
		want       string // IDs joined, or the error's text
	}{
		{nil, nil, strings.Join(IDs(), ",")},
		{[]string{"tls.versions", "net.dns"}, nil, "net.dns,tls.versions"},
		{nil, []string{"net.hosts-file", "tls.versions"}, "net.dns,net.vpn,net.proxy,net.reach,clock.offset,clock.settings,tls.interception,tls.handshake"},
		{[]string{"net.bogus"}, nil, `unknown check "net.bogus"`},
		{[]string{"net.dns"}, []string{"net.dns"}, "leave no check"},
	}
	for _, tt := range tests {
		cs, err := Select(tt.only, tt.skip)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			got = strings.Join(ids, ",")
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("Select(%v, %v) = %q; want %q", tt.only, tt.skip, got, tt.want)
		}
	}
}

func TestNeedsOf(t *testing.T) {
	cs, _ := Select([]string{"net.hosts-file"}, nil)
	if p := NeedsOf(cs); p.DNS || p.TCP || p.TLS || p.Versions || !p.HostsFile {
		t.Errorf("NeedsOf(net.hosts-file) = %+v; want the hosts file only, no network", p)
	}
	cs, _ = Select([]string{"tls.handshake"}, nil)
	if p := NeedsOf(cs); !p.TLS || p.Versions || p.HostsFile {
		t.Errorf("NeedsOf(tls.handshake) = %+v; want TLS only", p)
	}
}

// The vendor table names each product from its CA's names as interceptors
// actually sign (REFERENCE.md), and names no one for Microsoft's own CAs.
func TestMatchInterceptor(t *testing.T) {
	table, err := loadInterceptors()
	if err != nil || len(table.Vendors) < 15 {
		t.Fatalf("interceptor table: %d vendors, %v", len(table.Vendors), err)
	}
	tests := []struct {
		issuer string
		org    []string
		vendor string // "" for no match
		local  bool
	}{
		{"CN=Zscaler Intermediate Root CA (zscalerthree.net),O=Zscaler Inc.", []string{"Zscaler Inc."}, "Zscaler", false},
		{"CN=ca.acme.goskope.com,O=acme", nil, "Netskope", false},
		{"CN=FortiGate CA,O=Fortinet Ltd.", []string{"Fortinet Ltd."}, "Fortinet FortiGate", false},
		{"CN=Cisco Umbrella Primary SubCA,O=Cisco", []string{"Cisco"}, "Cisco Umbrella", false},
		{"CN=ESET SSL Filter CA,O=ESET, spol. s r. o.", []string{"ESET, spol. s r. o."}, "ESET", true},
		{"CN=Kaspersky Anti-Virus Personal Root Certificate", nil, "Kaspersky", true},
		{"CN=mitmproxy,O=mitmproxy", []string{"mitmproxy"}, "mitmproxy", false},
		{"CN=Microsoft Azure RSA TLS Issuing CA 03,O=Microsoft Corporation", []string{"Microsoft Corporation"}, "", false},
		{"CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1,O=DigiCert Inc", []string{"DigiCert Inc"}, "", false},
		{"CN=Palo Alto Decryption CA,O=Example Corp", []string{"Example Corp"}, "", false}, // admin-defined: unknown
	}
	for _, tt := range tests {
		v, rule, ok := matchInterceptor(nil, table, []facts.Certificate{{Issuer: tt.issuer, IssuerOrg: tt.org}})
		if ok != (tt.vendor != "") || v.Vendor != tt.vendor || v.Local != tt.local {
			t.Errorf("matchInterceptor(%q) = %q (local %v, %s), %v; want %q (local %v)", tt.issuer, v.Vendor, v.Local, rule, ok, tt.vendor, tt.local)
		}
	}
}

func TestInterceptionUnknownAndLocal(t *testing.T) {
	intercepted := func(issuer string, org ...string) func(*facts.EndpointFacts) {
		return func(e *facts.EndpointFacts) {
			e.TLS.Verified, e.TLS.VerifyKind = false, "unknown-authority"
			e.TLS.Chain = []facts.Certificate{{Subject: "CN=" + e.Endpoint.Host, Issuer: issuer, IssuerOrg: org}}
			e.Route = facts.Route{Via: "direct"}
		}
	}
	got := run(judgeInterception, ep("a.test", true, intercepted("CN=Palo Alto Decryption CA,O=Example Corp", "Example Corp")))
	if got.Status != finding.Fail || got.Reason != "interception-unknown" || !strings.Contains(got.Summary, "Palo Alto Decryption CA") || !strings.Contains(got.Cause, "antivirus") {
		t.Errorf("unknown interceptor, no proxy: %s %q %q; want a fail naming the issuer and local scanning", got.Status, got.Reason, got.Summary+" / "+got.Cause)
	}
	got = run(judgeInterception, ep("a.test", true, intercepted("CN=ESET SSL Filter CA,O=ESET, spol. s r. o.", "ESET, spol. s r. o.")))
	if got.Reason != "interception-eset" || !strings.Contains(got.Fix[0], "ESET") {
		t.Errorf("ESET: %q %q; want the antivirus named in the fix", got.Reason, got.Fix)
	}
	if got := run(judgeInterception, ep("a.test", true)); got.Status != finding.Pass {
		t.Errorf("Microsoft's issuer: %s %q; want pass", got.Status, got.Summary)
	}
}

func TestVPN(t *testing.T) {
	iface := func(name, desc, typ string, up bool) facts.NetInterface {
		return facts.NetInterface{Name: name, Description: desc, Type: typ, Up: up}
	}
	tests := []struct {
		name   string
		net    facts.Network
		status finding.Status
		reason string
		says   string
	}{
		{"no VPN", facts.Network{State: "read", DefaultRoute: "Ethernet", Interfaces: []facts.NetInterface{
			iface("Ethernet", "Intel(R) Ethernet Connection", "ethernet", true),
			iface("vEthernet (Default Switch)", "Hyper-V Virtual Ethernet Adapter", "virtual", true)}}, finding.Pass, "", "No VPN"},
		{"GlobalProtect shown as Ethernet, split tunnel", facts.Network{State: "read", DefaultRoute: "Ethernet", Interfaces: []facts.NetInterface{
			iface("Ethernet", "Intel(R) Ethernet Connection", "ethernet", true),
			iface("Ethernet 3", "PANGP Virtual Ethernet Adapter", "ethernet", true)}}, finding.Warn, "vpn-active", "Palo Alto GlobalProtect"},
		{"AnyConnect full tunnel", facts.Network{State: "read", DefaultRoute: "Ethernet 2", Interfaces: []facts.NetInterface{
			iface("Ethernet 2", "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64", "ethernet", true)}}, finding.Warn, "vpn-full-tunnel", "All traffic leaves by"},
		{"a VPN adapter that is down", facts.Network{State: "read", Interfaces: []facts.NetInterface{
			iface("Ethernet 3", "PANGP Virtual Ethernet Adapter", "ethernet", false)}}, finding.Pass, "", "No VPN"},
		{"an unknown tunnel (Linux)", facts.Network{State: "read", DefaultRoute: "eth0", Interfaces: []facts.NetInterface{
			iface("tun7", "", "tunnel", true)}}, finding.Warn, "vpn-active", "unrecognised tunnel"},
		{"WireGuard by name", facts.Network{State: "read", DefaultRoute: "wg0", Interfaces: []facts.NetInterface{
			iface("wg0", "", "tunnel", true)}}, finding.Warn, "vpn-full-tunnel", "WireGuard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeVPN(&facts.Facts{Network: tt.net}, nil)
			if got.Status != tt.status || got.Reason != tt.reason || !strings.Contains(got.Summary, tt.says) {
				t.Errorf("net.vpn = %s %q %q; want %s %q saying %q", got.Status, got.Reason, got.Summary, tt.status, tt.reason, tt.says)
			}
		})
	}
}

func TestProfileAge(t *testing.T) {
	run := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		reviewed, date string
		status         finding.Status
		says           string
	}{
		{"2026-12-01", "2024-07-01", finding.Pass, "0 days"},
		{"", "2025-12-02", finding.Pass, "364 days"},
		{"", "2024-07-01", finding.Warn, "29 months"},
		{"", "", finding.Skip, "no date"},
	}
	for _, tt := range tests {
		f := &facts.Facts{Started: run, Profile: facts.ProfileInfo{Version: "v", Date: tt.date, Reviewed: tt.reviewed}}
		for _, lang := range []i18n.Lang{i18n.English, i18n.Japanese} {
			fd := judgeProfileAge(f, i18n.New(lang))
			if fd.Status != tt.status || lang == i18n.English && !strings.Contains(fd.Summary, tt.says) {
				t.Errorf("reviewed %q, dated %q (%s): %s %q; want %s saying %q", tt.reviewed, tt.date, lang, fd.Status, fd.Summary, tt.status, tt.says)
			}
		}
	}
}

func TestHealthFarEnd(t *testing.T) {
	cut := func(e *facts.EndpointFacts) {
		e.TLS = facts.TLS{Step: facts.Step{State: facts.StepFailed, Kind: facts.KindReset, Error: "connection reset by peer"}}
		e.HTTP = facts.HTTP{Step: facts.Step{State: facts.StepNotRun}}
	}
	ok := func(e *facts.EndpointFacts) { e.HTTP = facts.HTTP{Step: facts.Step{State: facts.StepOK}, Status: 200} }
	got := run(judgeHealth, ep("a.test", true, ok), ep("b.test", true, cut), ep("c.test", true, cut))
	if got.Status != finding.Warn || got.Reason != "service-far-end" || !strings.Contains(got.Cause, "firewall") {
		t.Errorf("two far-end failures beside a healthy endpoint: %s %q %q", got.Status, got.Reason, got.Cause)
	}
	if got := run(judgeHealth, ep("a.test", true, ok), ep("b.test", true, cut)); got.Status != finding.Pass {
		t.Errorf("one far-end failure: %s %q; want pass (one is not several)", got.Status, got.Summary)
	}
	if got := run(judgeHealth, ep("b.test", true, cut), ep("c.test", true, cut)); got.Status != finding.Skip {
		t.Errorf("nothing healthy: %s; want skip (the path itself may be broken)", got.Status)
	}
}
