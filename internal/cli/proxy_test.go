//go:build !windows

// tinyproxy, squid and mitmproxy are Linux programs; the Windows test
// binaries, run under Wine, cannot start them.

package cli

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// issuedEndpoint is a required local endpoint whose chain must come from
// the test CA, so an interceptor's certificate shows.
func issuedEndpoint(t *testing.T, addr string) testpeer.Endpoint {
	e := testpeer.LocalEndpoint(t, addr)
	e.Issuers = []string{"qadoctor Test CA"}
	return e
}

var pathChecks = []string{"--only", "net.proxy,net.reach,tls.interception,tls.handshake,tls.versions", "--timeout", "8s"}

func TestPlainProxyPasses(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	px := testpeer.Tinyproxy(t)

	code, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://" + px}, pathChecks...)...)
	if code != ExitOK {
		t.Errorf("exit code = %d; want %d", code, ExitOK)
	}
	f := want(t, r, "net.proxy", finding.Pass, "")
	if !strings.Contains(f.Summary, px) || !strings.Contains(f.Summary, "from flag") {
		t.Errorf("net.proxy summary %q should name the proxy and where it came from", f.Summary)
	}
	want(t, r, "tls.interception", finding.Pass, "")
	want(t, r, "tls.handshake", finding.Pass, "")
	want(t, r, "tls.versions", finding.Pass, "")
}

func TestDeadProxyFailsWithinDeadline(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	dead := testpeer.ClosedPort(t)
	start := time.Now()
	code, r := diagnoseJSON(t, gather.Env{Getenv: func(k string) string {
		if k == "HTTPS_PROXY" {
			return "http://" + dead // discovered from the environment
		}
		return ""
	}}, append([]string{"--profile", prof, "--ca-file", pki.CAFile}, pathChecks...)...)
	if elapsed := time.Since(start); elapsed > 9*time.Second {
		t.Errorf("took %s; want within --timeout plus one second", elapsed)
	}
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "net.proxy", finding.Fail, "proxy-dead")
	if !strings.Contains(f.Summary, "from env") {
		t.Errorf("summary %q should say the proxy came from the environment", f.Summary)
	}
	// The proxy's failure is not blamed on TCP or TLS.
	want(t, r, "net.reach", finding.Skip, "")
	want(t, r, "tls.handshake", finding.Skip, "")
	if r.Verdict == nil || r.Verdict.ID != "net.proxy" {
		t.Errorf("verdict = %+v; want net.proxy", r.Verdict)
	}
}

func TestProxyAuthenticationRequired(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	px := testpeer.Squid(t, testpeer.SquidOptions{User: "alice", Password: "s3cret"})

	_, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://" + px}, pathChecks...)...)
	f := want(t, r, "net.proxy", finding.Fail, "proxy-auth")
	if !strings.Contains(f.Cause, "407") {
		t.Errorf("cause %q should name the 407", f.Cause)
	}
	// With the credentials in the proxy URL, squid lets it through.
	code, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://alice:s3cret@" + px}, pathChecks...)...)
	if code != ExitOK {
		t.Errorf("with credentials: exit code = %d; want %d", code, ExitOK)
	}
	want(t, r, "net.proxy", finding.Pass, "")
}

func TestInterceptionNamed(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	now := time.Now()
	zscaler := testpeer.NewPKI(t, testpeer.TempDir(t), "Zscaler Root CA", now.Add(-time.Hour), now.Add(24*time.Hour), "unused.test")

	tests := []struct {
		name   string
		proxy  func() string
		reason string
		vendor string
	}{
		{"squid ssl-bump with a Zscaler-named CA", func() string { return testpeer.Squid(t, testpeer.SquidOptions{BumpCA: zscaler}) }, "interception-zscaler", "Zscaler"},
		{"mitmproxy", func() string { return testpeer.Mitmproxy(t) }, "interception-mitmproxy", "mitmproxy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			px := tt.proxy()
			code, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://" + px}, pathChecks...)...)
			if code != ExitFailed {
				t.Errorf("exit code = %d; want %d", code, ExitFailed)
			}
			want(t, r, "net.proxy", finding.Pass, "")
			f := want(t, r, "tls.interception", finding.Fail, tt.reason)
			if !strings.Contains(f.Summary, tt.vendor) || !strings.Contains(f.Cause, "issuer") && !strings.Contains(f.Cause, "signed by") {
				t.Errorf("summary %q / cause %q should name %s and the issuer", f.Summary, f.Cause, tt.vendor)
			}
			if r.Verdict == nil || r.Verdict.ID != "tls.interception" {
				t.Errorf("verdict = %+v; want tls.interception", r.Verdict)
			}
		})
	}
}

// The user's Internet Settings name a PAC script; the PAC sends the
// endpoint through tinyproxy. A PAC that throws fails net.proxy, naming it.
func TestPACFromInternetSettings(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	px := testpeer.Tinyproxy(t)
	tests := []struct {
		name   string
		pac    string
		status finding.Status
		reason string
	}{
		{"PAC routes to the proxy", `function FindProxyForURL(url, host) { return dnsDomainIs(host, ".corp.example") ? "DIRECT" : "PROXY ` + px + `; DIRECT"; }`, finding.Pass, ""},
		{"PAC throws", `function FindProxyForURL(url, host) { throw new Error("no rule for " + host); }`, finding.Fail, "proxy-pac"},
		{"PAC does not compile", `function FindProxyForURL(url, host) {`, finding.Fail, "proxy-pac"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pacURL := testpeer.HTTPServer(t, "/proxy.pac", tt.pac)
			sys := testpeer.InternetSettings(map[string]winstate.Value{"AutoConfigURL": winstate.StringValue(pacURL)})
			_, r := diagnoseJSON(t, gather.Env{System: func() facts.System { return sys }},
				append([]string{"--profile", prof, "--ca-file", pki.CAFile}, pathChecks...)...)
			f := want(t, r, "net.proxy", tt.status, tt.reason)
			if tt.status == finding.Pass && !strings.Contains(f.Evidence[0].Detail, px) {
				t.Errorf("evidence %q should name the proxy the PAC chose", f.Evidence[0].Detail)
			}
			if tt.status == finding.Fail && !strings.Contains(f.Cause, "proxy.pac") {
				t.Errorf("cause %q should name the PAC", f.Cause)
			}
		})
	}
}

// A real tunnel interface, made with iproute2, is seen as a VPN.
func TestVPNTunnelInterface(t *testing.T) {
	const dev = "tunqadoctor0"
	if out, err := exec.Command("ip", "tuntap", "add", "dev", dev, "mode", "tun").CombinedOutput(); err != nil {
		t.Fatalf("create %s (needs root and iproute2, as CI has): %v: %s", dev, err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "tuntap", "del", "dev", dev, "mode", "tun").Run() })
	if out, err := exec.Command("ip", "link", "set", dev, "up").CombinedOutput(); err != nil {
		t.Fatalf("bring %s up: %v: %s", dev, err, out)
	}
	_, r := diagnoseJSON(t, gather.Env{}, "--only", "net.vpn")
	f := want(t, r, "net.vpn", finding.Warn, "vpn-active")
	if !strings.Contains(f.Summary, dev) {
		t.Errorf("summary %q should name %s", f.Summary, dev)
	}
}

// A 407 is judged by what it asks for (squid with its own helpers): a
// Windows sign-in (Negotiate, NTLM), which WebView2 answers with the
// user's account, warns; a password (Digest) that Quick Assist cannot
// give fails. Neither is blamed on DNS, TCP or TLS.
func TestProxyAuthenticationBySchemes(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	prof := testpeer.WriteProfile(t, issuedEndpoint(t, srv))
	tests := []struct {
		schemes []string
		status  finding.Status
		reason  string
		says    string
	}{
		{[]string{"negotiate", "ntlm"}, finding.Warn, "proxy-auth-windows", "Negotiate, NTLM"},
		{[]string{"digest"}, finding.Fail, "proxy-auth", "Digest"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.schemes, "+"), func(t *testing.T) {
			px := testpeer.Squid(t, testpeer.SquidOptions{AuthSchemes: tt.schemes})
			_, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://"+px,
				"--only", "net.dns,net.proxy,net.reach,tls.handshake,tls.versions", "--timeout", "8s")
			f := want(t, r, "net.proxy", tt.status, tt.reason)
			if !strings.Contains(f.Cause, tt.says) || !strings.Contains(f.Cause, "407") {
				t.Errorf("cause %q should name the 407 and %s", f.Cause, tt.says)
			}
			for _, id := range []string{"net.dns", "net.reach", "tls.handshake", "tls.versions"} {
				if g := byID(t, r, id); g.Status == finding.Fail {
					t.Errorf("%s fails (%s) although the proxy is what stopped it", id, g.Summary)
				}
			}
			// The version probes go the way the traffic goes, through the
			// proxy, which alone resolves the name: when it stops them,
			// tls.versions says so and names it, never blaming DNS.
			v := want(t, r, "tls.versions", finding.Skip, "")
			text := v.Summary + "\n" + evidenceText(v)
			if strings.Contains(text, "DNS") || !strings.Contains(text, px) {
				t.Errorf("tls.versions says %q; want the proxy %s named and DNS not blamed", text, px)
			}
		})
	}
}

// A proxy that takes the CONNECT and cannot carry it out (squid's 503 when
// the far end refuses it, as when the proxy's own DNS or way out fails) is
// the proxy's side: named so, never "its rules block the endpoint", and no
// "blocking it is on purpose" note.
func TestProxyThatCannotGoOnward(t *testing.T) {
	px := testpeer.Squid(t, testpeer.SquidOptions{})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, testpeer.ClosedPort(t)))
	_, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--proxy", "http://"+px, "--only", "net.proxy,net.reach", "--timeout", "8s")
	f := want(t, r, "net.proxy", finding.Fail, "proxy-upstream")
	if !strings.Contains(f.Cause, "could not carry it out") || strings.Contains(f.Cause, "Its rules block") {
		t.Errorf("cause %q; want the proxy's own failure, not its rules", f.Cause)
	}
	for _, fix := range f.Fix {
		if strings.Contains(fix, "on purpose") {
			t.Errorf("fix %q says blocking is on purpose", fix)
		}
	}
}
