//go:build !windows

package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/browser"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// chromiumBrowser is the browser seam of a test that asks the real
// Chromium here, as net.browser asks Edge on a PC: its own store (NSS)
// trusts cas, as a PC's trusts what its company installed, and loopback
// goes through a proxy too (the test endpoints are localhost).
func chromiumBrowser(t *testing.T, cas ...string) func(context.Context, browser.Options, []browser.Ask) facts.Browser {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	home := testpeer.ChromiumHome(t, testpeer.TempDir(t), cas...)
	return func(ctx context.Context, o browser.Options, asks []browser.Ask) facts.Browser {
		o.Program, o.Kind = chromium, "chromium"
		// localhost goes through the proxy; the browser's page, on
		// 127.0.0.1, does not.
		o.Args = append(o.Args, "--proxy-bypass-list=<-loopback>;127.0.0.1")
		o.Env = append(os.Environ(), "HOME="+home)
		o.KeepNetLog = os.Getenv("QADOCTOR_KEEP_NETLOG") // a copy to read when a row fails
		return browser.Live(ctx, o, asks)
	}
}

// TestBrowserBesideProbes runs diagnose with net.browser asking the real
// Chromium, on paths where qadoctor's own probes and the browser agree,
// and on the one where they do not (a decrypting proxy whose CA the PC
// trusts): there the report trusts the browser for the web leg.
func TestBrowserBesideProbes(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	bump := inspector(t) // trusted, as a company installs its inspection CA; not Microsoft's issuer
	untrusted := inspector(t)
	https := issuedEndpoint(t, testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{}))
	ws := issuedEndpoint(t, testpeer.WebSocketServer(t, pki.Cert, "/v4/c"))
	ws.Role, ws.Path = "websocket", "/v4/c"
	prof := testpeer.WriteProfile(t, https, ws)
	cas := filepath.Join(testpeer.TempDir(t), "cas.pem")
	a, _ := os.ReadFile(pki.CAFile)
	b, _ := os.ReadFile(bump.CAFile)
	os.WriteFile(cas, append(a, b...), 0o600)
	env := gather.Env{Browser: chromiumBrowser(t, pki.CAFile, bump.CAFile)}
	checks := []string{"--only", "net.proxy,net.reach,tls.interception,tls.handshake,net.websocket,service.health,net.browser", "--timeout", "10s"}

	type expect struct {
		id     string
		status finding.Status
		reason string
	}
	for _, tc := range []struct {
		name  string
		proxy string // "": direct
		wants []expect
		// browser is what the browser's evidence says of the HTTPS and
		// the WebSocket endpoint.
		browser [2]string
	}{
		{"direct", "", []expect{{"net.browser", finding.Pass, ""}, {"tls.handshake", finding.Pass, ""}, {"net.websocket", finding.Pass, ""}},
			[2]string{"HTTP 200", "opened (101)"}},
		{"a decrypting proxy whose CA the PC trusts, passing WebSocket", testpeer.Squid(t, testpeer.SquidOptions{BumpCA: bump, AllowUpgrade: true}),
			[]expect{{"net.browser", finding.Pass, ""}, {"tls.interception", finding.Warn, ""}, {"net.websocket", finding.Warn, "websocket-decrypted"}},
			[2]string{"certificate issued by Inspector Root CA", "opened (101)"}},
		{"a decrypting proxy whose CA the PC trusts, stripping WebSocket", testpeer.Squid(t, testpeer.SquidOptions{BumpCA: bump}),
			[]expect{{"net.browser", finding.Fail, "browser-websocket-stripped"}, {"net.websocket", finding.Fail, "websocket-stripped"}},
			[2]string{"HTTP 200", "HTTP 426"}},
		{"a decrypting proxy whose CA the PC does not trust", testpeer.Squid(t, testpeer.SquidOptions{BumpCA: untrusted}),
			[]expect{{"net.browser", finding.Fail, "browser-cert-authority-invalid"}, {"tls.handshake", finding.Fail, "cert-unknown-authority"}},
			[2]string{"ERR_CERT_AUTHORITY_INVALID", "ERR_CERT_AUTHORITY_INVALID"}},
		{"a proxy that asks for a password (Basic)", testpeer.Squid(t, testpeer.SquidOptions{User: "alice", Password: "s3cret"}),
			[]expect{{"net.browser", finding.Fail, "browser-proxy-auth-requested"}, {"net.proxy", finding.Fail, "proxy-auth"}},
			[2]string{"ERR_PROXY_AUTH_REQUESTED; the proxy asked for credentials (basic)", "ERR_PROXY_AUTH_REQUESTED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--profile", prof, "--ca-file", cas}, checks...)
			if tc.proxy != "" {
				args = append(args, "--proxy", "http://"+tc.proxy)
			}
			_, r := diagnoseJSON(t, env, args...)
			for _, w := range tc.wants {
				want(t, r, w.id, w.status, w.reason)
			}
			f := byID(t, r, "net.browser")
			if len(f.Evidence) != 2 {
				t.Fatalf("net.browser evidence %+v; want the two endpoints", f.Evidence)
			}
			for i, e := range f.Evidence[:2] {
				if !strings.Contains(e.Detail, tc.browser[i]) {
					t.Errorf("the browser on %s: %q; want it to say %q", e.Subject, e.Detail, tc.browser[i])
				}
				if tc.proxy != "" && !strings.Contains(e.Detail, tc.proxy) {
					t.Errorf("the browser on %s: %q; want the proxy %s named", e.Subject, e.Detail, tc.proxy)
				}
			}
			if tc.name == "a decrypting proxy whose CA the PC trusts, passing WebSocket" {
				ic := byID(t, r, "tls.interception")
				if !strings.Contains(ic.Cause, "through this device: the web leg works through it") {
					t.Errorf("tls.interception's cause %q should say the browser used the path through the device", ic.Cause)
				}
				if v := r.Verdict; v != nil && v.Status == finding.Fail {
					t.Errorf("verdict %s (%s): a failure the browser does not bear out", v.ID, v.Status)
				}
			}
		})
	}
}
