//go:build !windows

package cli

import (
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

// TestPACWaysAsChromium: a PAC's answer names several ways; qadoctor
// takes them as Chromium does, checked beside the real Chromium on the
// same peers (issue 24, items 2 and 3): a dead proxy gives way to the next
// one or to DIRECT; an HTTPS proxy (squid's https_port: TLS to the proxy,
// then CONNECT) is used; with no way left, the proxy is dead for both.
func TestPACWaysAsChromium(t *testing.T) {
	// A name Chromium does not bypass the PAC for (it sends loopback names
	// DIRECT whatever the PAC says): the proxies resolve it from their
	// own hosts file, qadoctor and Chromium from the test's resolver.
	const host = "ways.qadoctor.test"
	now := time.Now()
	pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), host, "127.0.0.1")
	srv := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	port := testpeer.Port(t, srv)
	prof := testpeer.WriteProfile(t, testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test peer", Issuers: []string{"qadoctor Test CA"}})
	dns := testpeer.DNSServer(t, testpeer.Zone(map[string]string{host + ".": "127.0.0.1"}))
	hosts := map[string]string{host: "127.0.0.1"}
	dead := testpeer.DeadPort(t)
	plain := testpeer.Squid(t, testpeer.SquidOptions{Hosts: hosts})
	secure := testpeer.Squid(t, testpeer.SquidOptions{TLS: pki, Hosts: hosts})
	dir := testpeer.TempDir(t)
	for _, tc := range []struct {
		name, answer string
		chromium     string // its net error, "" for success
		status       finding.Status
		reason       string
		route        string // the way the route records, with the ways that fell back
	}{
		{"a dead proxy, then a live one", "PROXY " + dead + "; PROXY " + plain, "", finding.Pass, "", "through http://" + plain},
		{"a dead proxy, then DIRECT", "PROXY " + dead + "; DIRECT", "", finding.Pass, "", "direct: "},
		{"an HTTPS proxy", "HTTPS " + secure, "", finding.Pass, "", "through https://" + secure},
		{"a live proxy", "PROXY " + plain, "", finding.Pass, "", "through http://" + plain},
		{"a dead proxy alone", "PROXY " + dead, "PROXY_CONNECTION_FAILED", finding.Fail, "proxy-dead", dead},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := fmt.Sprintf(`function FindProxyForURL(u, h) { return %q; }`, tc.answer)
			pac := filepath.Join(testpeer.TempDir(t), "ways.pac")
			if err := os.WriteFile(pac, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			got := testpeer.ChromiumNetError(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")), fmt.Sprintf("https://%s:%d/", host, port),
				testpeer.ChromiumOptions{Map: host, CAFiles: []string{pki.CAFile}, PACURL: testpeer.HTTPServer(t, "/ways.pac", src)})
			if got != tc.chromium {
				t.Errorf("Chromium: %q; the case expects %q", got, tc.chromium)
			}
			_, out, _ := runCLI(t, gather.Env{Resolver: testpeer.Resolver(dns)}, "diagnose", "--json", "--profile", prof, "--ca-file", pki.CAFile, "--pac", pac,
				"--only", "net.proxy,net.reach,tls.handshake", "--timeout", "8s")
			r := decodeReport(t, out)
			f := want(t, r, "net.proxy", tc.status, tc.reason)
			text := evidenceText(f)
			if !strings.Contains(text, tc.route) {
				t.Errorf("net.proxy should say the way used, %s:\n%s", tc.route, text)
			}
			if fell := strings.Contains(text, "could not be reached (http://"+dead); fell != strings.HasPrefix(tc.name, "a dead proxy, then") {
				t.Errorf("the fallback said: %v; want it only where a way failed before the one used:\n%s", fell, text)
			}
			if tc.status == finding.Pass {
				want(t, r, "net.reach", finding.Pass, "")
				want(t, r, "tls.handshake", finding.Pass, "")
			}
		})
	}
}
