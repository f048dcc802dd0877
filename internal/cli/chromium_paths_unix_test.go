//go:build !windows

package cli

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// TestPathsAgreeWithChromium is the differential suite's table of paths
// (issue 24): the real Chromium here and qadoctor, on the same peer, each
// say whether the web leg can use it and why. Chromium's word is its
// NetLog's error for the request; qadoctor's the finding that names the
// cause. A row whose two columns disagree fails. A name that does not
// exist is NXDOMAIN from the test DNS for qadoctor and a name Chromium's
// resolver rules leave unmapped for Chromium. A DNS filter's 0.0.0.0 is
// a row on a port where nothing listens: Linux connects to 0.0.0.0 as to
// this machine, so on a live port the Chromium here would reach the
// server, where Windows' socket refuses the address.
func TestPathsAgreeWithChromium(t *testing.T) {
	const host = "path.qadoctor.test"
	now := time.Now()
	pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), host, "127.0.0.1")
	other := testpeer.NewPKI(t, testpeer.TempDir(t), "Untrusted Inspector CA", now.Add(-time.Hour), now.Add(24*time.Hour), host, "127.0.0.1")
	// Trusted as well, in both stores: a company's inspection CA, as it
	// installs it, and the public CA of a captive portal's own name.
	company := testpeer.NewPKI(t, testpeer.TempDir(t), "Company Inspection CA", now.Add(-time.Hour), now.Add(24*time.Hour), "unused.test")
	portal := testpeer.NewPKI(t, testpeer.TempDir(t), "Portal Public CA", now.Add(-time.Hour), now.Add(24*time.Hour), "login.portal.test")
	trusted := filepath.Join(testpeer.TempDir(t), "trusted.pem")
	var pem []byte
	for _, f := range []string{pki.CAFile, company.CAFile, portal.CAFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pem = append(pem, b...)
	}
	if err := os.WriteFile(trusted, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	healthy := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	hosts := map[string]string{host: "127.0.0.1"}
	for _, tc := range []struct {
		name     string
		addr     string // the endpoint's server
		zone     string // what the test DNS answers for host
		pac      string // the way, as a PAC answer ("" direct)
		chromium string // Chromium's net error, "" for success
		check    string // qadoctor's finding that names the cause
		status   finding.Status
		reason   string
	}{
		{"healthy", healthy, "127.0.0.1", "", "", "tls.handshake", finding.Pass, ""},
		{"an issuer the PC does not trust", testpeer.HTTPSServer(t, other.Cert, testpeer.HTTPOptions{}), "127.0.0.1", "", "CERT_AUTHORITY_INVALID", "tls.handshake", finding.Fail, "cert-unknown-authority"},
		{"a server of TLS 1.1 and older", testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}), "127.0.0.1", "",
			"SSL_VERSION_OR_CIPHER_MISMATCH", "tls.handshake", finding.Fail, "tls-protocol-version"},
		{"a closed port", testpeer.ClosedPort(t), "127.0.0.1", "", "CONNECTION_REFUSED", "net.reach", finding.Fail, "tcp-refused"},
		{"a name that does not exist", healthy, "NXDOMAIN", "", "NAME_NOT_RESOLVED", "net.dns", finding.Fail, "dns-nxdomain"},
		{"a proxy that refuses the port", healthy, "127.0.0.1", "PROXY " + testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts, DenyPorts: []int{testpeer.Port(t, healthy)}}),
			"TUNNEL_CONNECTION_FAILED", "net.proxy", finding.Fail, "proxy-refused"},
		{"a proxy that carries it", healthy, "127.0.0.1", "PROXY " + testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts}), "", "net.proxy", finding.Pass, ""},
		{"a proxy that asks for a password (Basic)", healthy, "127.0.0.1", "PROXY " + testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts, User: "alice", Password: "s3cret"}),
			"TUNNEL_CONNECTION_FAILED", "net.proxy", finding.Fail, "proxy-auth"},
		{"a proxy that decrypts with a CA the PC does not trust", healthy, "127.0.0.1", "PROXY " + testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts, BumpCA: other}),
			"CERT_AUTHORITY_INVALID", "tls.handshake", finding.Fail, "cert-unknown-authority"},
		// Usable to Chromium: the web leg works through it. qadoctor's
		// tls.interception still names the proxy (a warning once the
		// PC's browser bears the path out: TestBrowserBesideProbes).
		{"a proxy that decrypts with a CA the PC trusts", healthy, "127.0.0.1", "PROXY " + testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts, BumpCA: company}),
			"", "tls.handshake", finding.Pass, ""},
		// A captive portal's DNS sends every name to its login page, whose
		// certificate is valid for its own name only.
		// A DNS filter's sinkhole, 0.0.0.0: qadoctor names it from the
		// answer. Chromium connects to it: on Linux that is this machine,
		// where nothing listens on the port (refused); Windows refuses the
		// address itself. Either way the web leg cannot use the endpoint.
		{"a DNS filter's sinkhole (0.0.0.0)", testpeer.ClosedPort(t), "0.0.0.0", "", "CONNECTION_REFUSED", "net.dns", finding.Fail, "dns-sinkhole"},
		{"a captive portal answering for every name", testpeer.HTTPSServer(t, portal.Cert, testpeer.HTTPOptions{}), "127.0.0.1", "",
			"CERT_COMMON_NAME_INVALID", "tls.handshake", finding.Fail, "cert-hostname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := testpeer.Port(t, tc.addr)
			o := testpeer.ChromiumOptions{CAFiles: []string{pki.CAFile, company.CAFile, portal.CAFile}}
			if tc.zone != "NXDOMAIN" {
				o.Map = host
			}
			if tc.zone == "0.0.0.0" {
				o.MapTo = tc.zone
			}
			args := []string{"diagnose", "--json", "--ca-file", trusted, "--only", "net.dns,net.proxy,net.reach,tls.handshake", "--timeout", "8s"}
			if tc.pac != "" {
				src := fmt.Sprintf(`function FindProxyForURL(u, h) { return %q; }`, tc.pac)
				o.PACURL = testpeer.HTTPServer(t, "/way.pac", src)
				args = append(args, "--pac", o.PACURL)
			}
			got := testpeer.ChromiumNetError(t, testpeer.TempDir(t), fmt.Sprintf("https://%s:%d/", host, port), o)
			if got != tc.chromium {
				t.Errorf("Chromium: %q; the row expects %q", got, tc.chromium)
			}
			dns := testpeer.DNSServer(t, testpeer.Zone(map[string]string{host + ".": tc.zone}))
			prof := testpeer.WriteProfile(t, testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test peer", Issuers: []string{"qadoctor Test CA"}})
			_, out, errOut := runCLI(t, gather.Env{Resolver: testpeer.Resolver(dns)}, append(args, "--profile", prof)...)
			if !strings.HasPrefix(strings.TrimSpace(out), "{") {
				t.Fatalf("no report: %s", errOut)
			}
			want(t, decodeReport(t, out), tc.check, tc.status, tc.reason)
		})
	}
}
