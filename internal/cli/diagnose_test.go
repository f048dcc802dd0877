package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/browser"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/report"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// ownBound matches an exchange's own bound in evidence: milliseconds when
// the run's evidence is fast (gather.ExchangeBound), at most 3.0 s.
var ownBound = regexp.MustCompile(`within ([0-9]+ ms|[12]\.[0-9] s|3\.0 s)`)

// notWindows stands in for the system state (and the OS stack) in tests of
// the network checks, so they judge the same on Linux and on Windows (under
// Wine, whose registry has no Quick Assist and whose root store does not
// hold the test CA unless a test adds it); the system checks have their own
// tests.
func notWindows() facts.System { return facts.System{State: facts.SystemNotWindows} }

// runCLI runs qadoctor with args and returns the exit code and output.
func runCLI(t *testing.T, nd gather.Env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	if nd.System == nil {
		nd.System = notWindows
	}
	if nd.Getenv == nil {
		nd.Getenv = func(string) string { return "" } // no proxy from the test machine's environment
	}
	if nd.OSStack == nil {
		nd.OSStack = func(_ context.Context, url string) facts.OSStack {
			return facts.OSStack{State: facts.OSStackNotWindows, URL: url}
		}
	}
	if nd.Browser == nil {
		nd.Browser = noBrowser
	}
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, &Deps{
		IO:    IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Build: BuildInfo{Version: "test"},
		Env:   nd,
		// The language comes from the stubbed environment alone, not from
		// the display language of the machine (or Wine) running the test.
		UILanguage: func() string { return "" },
	})
	return code, out.String(), errOut.String()
}

// noBrowser is the browser seam of tests that do not ask one: the
// Chromium here would use the machine's own resolver and trust store,
// not the test's.
func noBrowser(_ context.Context, o browser.Options, _ []browser.Ask) facts.Browser {
	return facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipNone}
}

// diagnoseJSON runs diagnose --json and decodes the report.
func diagnoseJSON(t *testing.T, nd gather.Env, args ...string) (int, *report.Report) {
	t.Helper()
	code, out, errOut := runCLI(t, nd, append([]string{"diagnose", "--json"}, args...)...)
	if errOut != "" {
		t.Logf("diagnose %v stderr: %s", args, errOut)
	}
	return code, decodeReport(t, out)
}

// decodeReport decodes a JSON report.
func decodeReport(t *testing.T, out string) *report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not a JSON report: %v\n%s", err, out)
	}
	if r.Schema != report.Schema {
		t.Errorf("report schema = %q; want %q", r.Schema, report.Schema)
	}
	return &r
}

func byID(t *testing.T, r *report.Report, id string) finding.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("report has no finding %s", id)
	return finding.Finding{}
}

// want asserts a finding's status and, when reason is not empty, its reason.
func want(t *testing.T, r *report.Report, id string, status finding.Status, reason string) finding.Finding {
	t.Helper()
	f := byID(t, r, id)
	if f.Status != status {
		t.Errorf("%s status = %s; want %s (summary: %s; cause: %s)", id, f.Status, status, f.Summary, f.Cause)
	}
	if reason != "" && f.Reason != reason {
		t.Errorf("%s reason = %q; want %q (cause: %s)", id, f.Reason, reason, f.Cause)
	}
	return f
}

func TestDiagnoseTLS13ServerPasses(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--skip", "net.hosts-file")
	if code != ExitOK {
		t.Errorf("exit code = %d; want %d", code, ExitOK)
	}
	for _, id := range []string{"net.dns", "net.reach", "tls.handshake", "tls.versions"} {
		want(t, r, id, finding.Pass, "")
	}
	ev := byID(t, r, "tls.versions").Evidence[0].Detail
	for _, s := range []string{"TLS 1.3 accepted", "TLS 1.2 refused", "TLS 1.0 refused"} {
		if !strings.Contains(ev, s) {
			t.Errorf("tls.versions evidence %q lacks %q", ev, s)
		}
	}
	hs := byID(t, r, "tls.handshake").Evidence[0].Detail
	if !strings.Contains(hs, "TLS 1.3") || !strings.Contains(hs, "qadoctor Test CA") {
		t.Errorf("tls.handshake evidence %q should name the version and the issuer", hs)
	}
}

func TestDiagnoseUntrustedCertificateFails(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--skip", "net.hosts-file") // no --ca-file
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "tls.handshake", finding.Fail, "cert-unknown-authority")
	if !strings.Contains(f.Cause, "qadoctor Test CA") {
		t.Errorf("cause %q should name the issuer", f.Cause)
	}
	want(t, r, "tls.versions", finding.Pass, "")
	if r.Verdict == nil || r.Verdict.ID != "tls.handshake" {
		t.Errorf("verdict = %+v; want tls.handshake", r.Verdict)
	}
}

func TestDiagnoseSilentServerEndsAtDeadline(t *testing.T) {
	addr := testpeer.SilentServer(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	const timeout = 2 * time.Second

	start := time.Now()
	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--timeout", timeout.String(), "--skip", "net.hosts-file")
	elapsed := time.Since(start)
	// A bound the command promises, not a speed measurement: it must never
	// outlive its deadline by more than a second.
	if elapsed > timeout+time.Second {
		t.Errorf("diagnose took %s; want at most --timeout (%s) plus one second", elapsed, timeout)
	}
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	want(t, r, "net.reach", finding.Pass, "")
	f := want(t, r, "tls.handshake", finding.Fail, "tls-timeout")
	if !strings.Contains(f.Cause, "ServerHello") {
		t.Errorf("cause %q should say the handshake waited for the ServerHello", f.Cause)
	}
	if r.Verdict == nil || r.Verdict.ID != "tls.handshake" {
		t.Errorf("verdict = %+v; want tls.handshake", r.Verdict)
	}
}

func TestDiagnoseClosedPortIsRefused(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--skip", "net.hosts-file")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	want(t, r, "net.dns", finding.Pass, "")
	want(t, r, "net.reach", finding.Fail, "tcp-refused")
	// The later steps are not blamed for what the TCP step broke.
	want(t, r, "tls.handshake", finding.Skip, "")
	want(t, r, "tls.versions", finding.Skip, "")
	if r.Verdict == nil || r.Verdict.ID != "net.reach" {
		t.Errorf("verdict = %+v; want net.reach", r.Verdict)
	}
}

func TestDiagnoseDNSFailuresToldApart(t *testing.T) {
	dnsAddr := testpeer.DNSServer(t, testpeer.Zone(map[string]string{
		"nx.qadoctor.test.":     "NXDOMAIN",
		"broken.qadoctor.test.": "SERVFAIL",
		"silent.qadoctor.test.": "SILENT",
		"ok.qadoctor.test.":     "127.0.0.1",
	}))
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	port := testpeer.Port(t, srv)
	ep := func(host string, required bool) testpeer.Endpoint {
		return testpeer.Endpoint{Host: host, Port: port, Required: required, Purpose: "test"}
	}
	prof := testpeer.WriteProfile(t,
		ep("nx.qadoctor.test", true), ep("broken.qadoctor.test", true),
		ep("silent.qadoctor.test", true), ep("ok.qadoctor.test", false))

	code, r := diagnoseJSON(t, gather.Env{Resolver: testpeer.Resolver(dnsAddr)},
		"--profile", prof, "--timeout", "2s", "--skip", "net.hosts-file")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "net.dns", finding.Fail, "dns-nxdomain")
	wantDetail := map[string]string{
		"nx.qadoctor.test":     "NXDOMAIN",
		"broken.qadoctor.test": "SERVFAIL",
		"silent.qadoctor.test": "no answer",
		"ok.qadoctor.test":     "127.0.0.1",
	}
	if len(f.Evidence) != len(wantDetail) {
		t.Fatalf("net.dns has %d evidence lines; want %d", len(f.Evidence), len(wantDetail))
	}
	for _, e := range f.Evidence {
		host, _, _ := strings.Cut(e.Subject, ":")
		if w := wantDetail[host]; !strings.Contains(e.Detail, w) {
			t.Errorf("net.dns evidence for %s = %q; want it to contain %q", e.Subject, e.Detail, w)
		}
	}
	// Endpoints whose name failed are skipped by later checks; the one that
	// resolved is judged (it is optional and its certificate untrusted: warn).
	reach := want(t, r, "net.reach", finding.Pass, "")
	skipped := 0
	for _, e := range reach.Evidence {
		if e.Status == finding.Skip {
			skipped++
		}
	}
	if skipped != 3 {
		t.Errorf("net.reach skipped %d endpoints; want the 3 whose names failed", skipped)
	}
	if r.Verdict == nil || r.Verdict.ID != "net.dns" {
		t.Errorf("verdict = %+v; want net.dns", r.Verdict)
	}
}

func TestDiagnoseBuiltInProfileOfflineEndsFast(t *testing.T) {
	// A DNS server that knows no name stands for a machine without internet.
	dnsAddr := testpeer.DNSServer(t, testpeer.Zone(nil))
	code, r := diagnoseJSON(t, gather.Env{Resolver: testpeer.Resolver(dnsAddr)}, "--skip", "net.hosts-file")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "net.dns", finding.Fail, "dns-none-resolve")
	if !strings.Contains(f.Cause, "offline") {
		t.Errorf("cause %q should say the PC may be offline", f.Cause)
	}
	if r.Endpoints < 10 {
		t.Errorf("built-in profile has %d endpoints; want Microsoft's list", r.Endpoints)
	}
	// It did not wait for the deadline: every probe ended on an answer.
	if r.DurationMS > float64(DefaultTimeout.Milliseconds())/2 {
		t.Errorf("offline run took %.0f ms; it should end on the DNS answers, not the deadline", r.DurationMS)
	}
}

func TestDiagnoseHostsFileEntry(t *testing.T) {
	hosts := filepath.Join(testpeer.TempDir(t), "hosts")
	os.WriteFile(hosts, []byte("# hosts\n127.0.0.1 localhost\n0.0.0.0 remoteassistance.support.services.microsoft.com # blocked\n"), 0o644)

	code, r := diagnoseJSON(t, gather.Env{}, "--only", "net.hosts-file", "--hosts-file", hosts)
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "net.hosts-file", finding.Fail, "hosts-file-entry")
	if len(f.Evidence) != 1 || !strings.Contains(f.Evidence[0].Subject, "line 3") || !strings.Contains(f.Evidence[0].Detail, "blocks it") {
		t.Errorf("evidence = %+v; want line 3 named as blocking", f.Evidence)
	}
	if !strings.Contains(strings.Join(f.Fix, " "), "line 3") {
		t.Errorf("fix %q should name line 3", f.Fix)
	}
	if len(r.Findings) != 1 {
		t.Errorf("--only net.hosts-file gave %d findings; want 1", len(r.Findings))
	}
}

func TestDiagnoseBadInput(t *testing.T) {
	dir := testpeer.TempDir(t)
	bad := filepath.Join(dir, "bad-profile.json")
	os.WriteFile(bad, []byte("{\n  \"schema\": 1,\n  \"endpoints\": [\n"), 0o644)
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o644)

	tests := []struct {
		name string
		args []string
		says string
	}{
		{"malformed profile", []string{"diagnose", "--profile", bad}, "bad-profile.json"},
		{"missing profile", []string{"diagnose", "--profile", filepath.Join(dir, "nope.json")}, "nope.json"},
		{"unknown check", []string{"diagnose", "--only", "net.bogus"}, "known checks"},
		{"bad timeout", []string{"diagnose", "--timeout", "-1s"}, "--timeout"},
		{"unknown flag", []string{"diagnose", "--frobnicate"}, "frobnicate"},
		{"ca file without certificates", []string{"diagnose", "--ca-file", notPEM}, "no PEM certificate"},
		{"unknown command", []string{"diagnoze"}, "unknown command"},
		{"validate invalid", []string{"profile", "validate", bad}, "bad-profile.json"},
		{"validate without file", []string{"profile", "validate"}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, gather.Env{}, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit code = %d; want %d", code, ExitUsage)
			}
			if !strings.Contains(errOut, tt.says) {
				t.Errorf("stderr = %q; want it to mention %q", errOut, tt.says)
			}
		})
	}
}

func TestProfileShowAndValidate(t *testing.T) {
	code, out, _ := runCLI(t, gather.Env{}, "profile", "show")
	if code != ExitOK || !strings.Contains(out, "remoteassistance.support.services.microsoft.com") {
		t.Fatalf("profile show: exit %d, output %.200q", code, out)
	}
	path := filepath.Join(testpeer.TempDir(t), "p.json")
	os.WriteFile(path, []byte(out), 0o644)
	code, out, errOut := runCLI(t, gather.Env{}, "profile", "validate", path)
	if code != ExitOK || !strings.Contains(out, "valid profile") {
		t.Errorf("profile validate of the shown profile: exit %d, %q %q", code, out, errOut)
	}
}

func TestTextReportLeadsWithCause(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	code, out, _ := runCLI(t, gather.Env{}, "diagnose", "--profile", prof, "--skip", "net.hosts-file")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	cause := strings.Index(out, "Most likely cause (net.reach)")
	checksAt := strings.Index(out, "Checks:")
	if cause < 0 || checksAt < 0 || cause > checksAt {
		t.Errorf("text report should lead with the cause, then list checks:\n%s", out)
	}
	if !strings.Contains(out, "Test-NetConnection") {
		t.Errorf("text report should give the Test-NetConnection fix:\n%s", out)
	}
}

// tls.os-stack blames Windows' own settings when Go's TLS reaches the same
// endpoint but WinHTTP does not.
func TestDiagnoseOSStackFailureIsLocal(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	winhttp := func(_ context.Context, url string) facts.OSStack {
		return facts.OSStack{State: facts.OSStackFailed, URL: url, ErrorCode: 12157, ErrorName: "ERROR_WINHTTP_SECURE_CHANNEL_ERROR", Meaning: "SCHANNEL could not build the TLS channel"}
	}
	code, r := diagnoseJSON(t, gather.Env{OSStack: winhttp}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "tls.handshake,tls.os-stack")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	want(t, r, "tls.handshake", finding.Pass, "")
	f := want(t, r, "tls.os-stack", finding.Fail, "os-stack-secure-channel-error-local")
	if !strings.Contains(f.Cause, "12157") || !strings.Contains(f.Cause, "Windows' TLS settings") {
		t.Errorf("cause %q should name the WinHTTP error and blame the local settings", f.Cause)
	}
}

// A DNS server that answers with junk: the lookup fails, classified, within
// the deadline, and the report says so.
func TestDiagnoseDNSJunk(t *testing.T) {
	dnsAddr := testpeer.RawServer(t, func(c net.Conn) {
		c.Read(make([]byte, 512))
		// A length prefix of 40, then 40 bytes that are no DNS message.
		c.Write(append([]byte{0, 40}, []byte("this is not a dns message at all, sorry")...))
	})
	prof := testpeer.WriteProfile(t, testpeer.Endpoint{Host: "junk.qadoctor.test", Port: 443, Required: true, Purpose: "test"})
	start := time.Now()
	code, r := diagnoseJSON(t, gather.Env{Resolver: testpeer.Resolver(dnsAddr)}, "--profile", prof, "--only", "net.dns", "--timeout", "3s")
	if time.Since(start) > 4*time.Second {
		t.Errorf("took %s; want within the deadline plus a second", time.Since(start))
	}
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "net.dns", finding.Fail, "")
	if f.Evidence[0].Detail == "" {
		t.Error("the evidence should say what the lookup got")
	}
}

// An endpoint that completes TLS and then never answers HEAD (a relay
// listed as a web server) warns once its exchange's own bound passes; it
// neither holds the run to the deadline nor fails a check, and the
// progress line says "no answer", not "failed".
func TestSilentWebServerDoesNotHoldTheRun(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	mute := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{Mute: true})
	good := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, good), testpeer.LocalEndpoint(t, mute))
	code, out, errOut := runCLI(t, gather.Env{}, "diagnose", "--json", "--profile", prof, "--ca-file", pki.CAFile,
		"--only", "net.reach,tls.handshake,service.health", "--timeout", "20s")
	r := decodeReport(t, out)
	if code != ExitOK {
		t.Errorf("exit code = %d; want %d (a warning fails nothing)", code, ExitOK)
	}
	f := want(t, r, "service.health", finding.Warn, "http-no-answer")
	if d := f.Evidence[len(f.Evidence)-1].Detail; !strings.Contains(f.Summary, "localhost") || !ownBound.MatchString(d) {
		t.Errorf("finding %+v should name the endpoint and the exchange's own bound (from the run's evidence, at most 3 s)", f)
	}
	want(t, r, "tls.handshake", finding.Pass, "")
	// Ended by its bound: far inside the 20 s deadline (the report says
	// how long the run took; no wall clock is read here).
	if r.DurationMS >= float64(r.TimeoutMS)/2 {
		t.Errorf("run took %.0f ms of its %d ms deadline; the silent exchange should have ended at its bound", r.DurationMS, r.TimeoutMS)
	}
	if !strings.Contains(errOut, ": no answer") || strings.Contains(errOut, "failed") {
		t.Errorf("progress %q should say the silent endpoint gave no answer, and nothing failed", errOut)
	}
}

// A malformed answer for one name and NXDOMAIN for another: the cause says
// NXDOMAIN of the name that got it, and calls the other's answer what it
// was, never NXDOMAIN; only the hidden name is sent to the DNS filter's
// allow-list.
func TestDiagnoseDNSCauseNamesTheRightName(t *testing.T) {
	dnsAddr := testpeer.DNSServer(t, testpeer.Zone(map[string]string{
		"a-garbled.qadoctor.test.": "MALFORMED",
		"z-hidden.qadoctor.test.":  "NXDOMAIN",
		"ok.qadoctor.test.":        "127.0.0.1",
	}))
	pki := testpeer.LocalPKI(t)
	port := testpeer.Port(t, testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{}))
	ep := func(host string) testpeer.Endpoint {
		return testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test"}
	}
	prof := testpeer.WriteProfile(t, ep("a-garbled.qadoctor.test"), ep("z-hidden.qadoctor.test"), ep("ok.qadoctor.test"))
	_, r := diagnoseJSON(t, gather.Env{Resolver: testpeer.Resolver(dnsAddr)},
		"--profile", prof, "--timeout", "3s", "--only", "net.dns")
	f := want(t, r, "net.dns", finding.Fail, "dns-nxdomain")
	if !strings.Contains(f.Cause, "z-hidden.qadoctor.test") || strings.Contains(f.Cause, "a-garbled") {
		t.Errorf("cause %q; want it to name z-hidden (NXDOMAIN), not a-garbled (malformed)", f.Cause)
	}
	for _, fix := range f.Fix {
		if strings.Contains(fix, "allow-list") && strings.Contains(fix, "a-garbled") {
			t.Errorf("fix %q asks to allow-list a name the filter did not hide", fix)
		}
	}
	for _, e := range f.Evidence {
		if strings.HasPrefix(e.Subject, "a-garbled") && (strings.Contains(e.Detail, "NXDOMAIN") || !strings.Contains(e.Detail, "malformed")) {
			t.Errorf("evidence for the malformed answer: %q; want it called malformed", e.Detail)
		}
	}
}

// Every finding says which leg it breaks and where a person sees it; the
// verdict says it in words; --symptom puts a cause met at the step the
// person saw first without hiding the others, and a step that is not one
// is a usage error naming the choices.
func TestSymptomPutsItsCausesFirst(t *testing.T) {
	dnsAddr := testpeer.DNSServer(t, testpeer.Zone(map[string]string{
		"web.qadoctor.test.":   "NXDOMAIN",
		"relay.qadoctor.test.": "127.0.0.1",
	}))
	prof := testpeer.WriteProfile(t,
		testpeer.Endpoint{Host: "web.qadoctor.test", Port: 443, Required: true, Purpose: "the web leg", Step: "opens"},
		testpeer.Endpoint{Host: "relay.qadoctor.test", Port: testpeer.Port(t, testpeer.ClosedPort(t)), Required: true, Purpose: "the RDP relay", Role: "rdp-relay", Step: "sharing"})
	env := gather.Env{Resolver: testpeer.Resolver(dnsAddr)}
	args := []string{"--profile", prof, "--timeout", "3s", "--only", "net.dns,net.reach,tls.handshake,os.schannel,profile.age"}

	_, r := diagnoseJSON(t, env, args...)
	for _, f := range r.Findings {
		if f.Leg == "" || f.Step == "" {
			t.Errorf("%s: leg %q, step %q; want both", f.ID, f.Leg, f.Step)
		}
	}
	dns, reach := want(t, r, "net.dns", finding.Fail, "dns-nxdomain"), want(t, r, "net.reach", finding.Fail, "tcp-refused")
	if dns.Leg != leg.Web || dns.Step != leg.Opens || reach.Leg != leg.Screen || reach.Step != leg.Sharing {
		t.Errorf("net.dns %s/%s, net.reach %s/%s; want web/opens (the web endpoint) and screen/sharing (the relay)", dns.Leg, dns.Step, reach.Leg, reach.Step)
	}
	if s := want(t, r, "os.schannel", finding.Skip, ""); s.Leg != leg.Screen || s.Step != leg.Sharing {
		t.Errorf("os.schannel guards %s/%s; want screen/sharing", s.Leg, s.Step)
	}
	if r.Verdict == nil || r.Verdict.ID != "net.dns" || !strings.Contains(r.Verdict.Cause, "so Quick Assist will not open") {
		t.Errorf("verdict %+v; want net.dns, saying Quick Assist will not open", r.Verdict)
	}

	_, r = diagnoseJSON(t, env, append(args, "--symptom", "sharing")...)
	if r.Symptom != leg.Sharing || r.Verdict == nil || r.Verdict.ID != "net.reach" || r.Verdict.Leg != leg.Screen ||
		!strings.Contains(r.Verdict.Cause, "so the session will end when screen sharing starts") {
		t.Errorf("--symptom sharing: symptom %q, verdict %+v; want net.reach, saying the session will end when sharing starts", r.Symptom, r.Verdict)
	}
	want(t, r, "net.dns", finding.Fail, "dns-nxdomain") // still there

	code, _, errOut := runCLI(t, env, append([]string{"diagnose"}, append(args, "--symptom", "it broke")...)...)
	if code != ExitUsage || !strings.Contains(errOut, "--symptom") || !strings.Contains(errOut, "sharing") {
		t.Errorf("--symptom 'it broke': exit %d, %q; want 2 naming the steps", code, errOut)
	}
}
