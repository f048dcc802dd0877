package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// --pac tests the company's PAC on any machine: from a file or a URL,
// evaluated in the sandbox under the run's deadline, each way it can end
// named by net.proxy.
func TestPACFlag(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	prof := testpeer.WriteProfile(t, testCAEndpoint(t, testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})))
	dir := testpeer.TempDir(t)
	file := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dead := testpeer.ClosedPort(t)
	tests := []struct {
		name   string
		pac    string
		status finding.Status
		reason string
		says   string // in the summary or the evidence
	}{
		{"a file that sends everything DIRECT", file("direct.pac", `function FindProxyForURL(u, h) { return "DIRECT"; }`), finding.Pass, "", "sends every endpoint DIRECT"},
		{"a URL", testpeer.HTTPServer(t, "/proxy.pac", `function FindProxyForURL(u, h) { return dnsDomainIs(h, ".corp.example") ? "PROXY x:1" : "DIRECT"; }`), finding.Pass, "", `the PAC answered "DIRECT"`},
		{"a file that names a dead proxy", file("dead.pac", `function FindProxyForURL(u, h) { return "PROXY `+dead+`"; }`), finding.Fail, "proxy-dead", dead},
		{"a file that does not compile", file("broken.pac", `function FindProxyForURL(u, h) {`), finding.Fail, "proxy-pac", "broken.pac"},
		{"a PAC that never returns", file("loop.pac", `function FindProxyForURL(u, h) { while (true) {} }`), finding.Fail, "proxy-pac", "took too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r = decodeReport(t, func() string {
				var out string
				within(t, 3*time.Second, func() {
					_, out, _ = runCLI(t, gather.Env{}, "diagnose", "--json", "--profile", prof, "--ca-file", pki.CAFile, "--pac", tt.pac,
						"--only", "net.proxy,net.reach,tls.handshake", "--timeout", "3s")
				})
				return out
			}())
			f := want(t, r, "net.proxy", tt.status, tt.reason)
			if text := f.Summary + "\n" + f.Cause + "\n" + evidenceText(f); !strings.Contains(text, tt.says) {
				t.Errorf("net.proxy should say %q:\n%s", tt.says, text)
			}
		})
	}
	if code, _, errOut := runCLI(t, gather.Env{}, "diagnose", "--pac", "x.pac", "--proxy", "direct"); code != ExitUsage || !strings.Contains(errOut, "--pac") {
		t.Errorf("--pac with --proxy: exit %d, %q; want exit 2", code, errOut)
	}
	if code, _, errOut := runCLI(t, gather.Env{}, "diagnose", "--pac", filepath.Join(dir, "missing.pac")); code != ExitUsage || !strings.Contains(errOut, "missing.pac") {
		t.Errorf("--pac of a missing file: exit %d, %q; want exit 2 naming it", code, errOut)
	}
}
