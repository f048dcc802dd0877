//go:build !windows

// openssl is a Linux program here; the Windows test binaries, run under
// Wine, cannot start it, so these tests run from the Linux build.

package cli

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// An old-TLS peer nobody here wrote: openssl s_server restricted to TLS 1.0
// (OpenSSL 3 needs security level 0 for TLS 1.0's SHA-1 signatures).
func openSSLTLS10(t *testing.T, pki *testpeer.PKI) string {
	return testpeer.OpenSSLServer(t, pki, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
}

func TestDiagnoseOpenSSLTLS10Fails(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := openSSLTLS10(t, pki)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--skip", "net.hosts-file")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	want(t, r, "net.reach", finding.Pass, "")
	want(t, r, "tls.handshake", finding.Fail, "tls-protocol-version")
	f := want(t, r, "tls.versions", finding.Fail, "tls-old-only")
	if !strings.Contains(f.Cause, "accepts only TLS 1.0") {
		t.Errorf("tls.versions cause %q should say it accepts only TLS 1.0", f.Cause)
	}
	if ev := f.Evidence[0].Detail; !strings.Contains(ev, "TLS 1.0 accepted") || !strings.Contains(ev, "TLS 1.2 refused") {
		t.Errorf("tls.versions evidence %q should list 1.0 accepted and 1.2 refused", ev)
	}
}

func TestDiagnoseOldTLSPathOrFarEnd(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	old1, old2 := openSSLTLS10(t, pki), openSSLTLS10(t, pki)
	modern := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})

	tests := []struct {
		name   string
		addrs  []string
		reason string
		says   string
	}{
		{"every endpoint old: the path", []string{old1, old2}, "tls-old-only-path", "points at the path"},
		{"one endpoint old: the far end", []string{old1, modern}, "tls-old-only-far-end", "points at the far end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var eps []testpeer.Endpoint
			for _, a := range tt.addrs {
				eps = append(eps, testpeer.LocalEndpoint(t, a))
			}
			prof := testpeer.WriteProfile(t, eps...)
			_, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "tls.versions")
			f := want(t, r, "tls.versions", finding.Fail, tt.reason)
			if !strings.Contains(f.Cause, tt.says) {
				t.Errorf("cause %q; want it to say %q", f.Cause, tt.says)
			}
		})
	}
}
