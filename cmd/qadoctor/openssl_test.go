//go:build !windows

// openssl is a Linux program here; the Windows test binaries, run under
// Wine, cannot start it, so this peer is tested from the Linux build.

package main

import (
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestBinaryAgainstOpenSSLTLS10(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.OpenSSLServer(t, pki, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	code, out, _ := qadoctor(t, "diagnose", "--profile", prof, "--ca-file", pki.CAFile, "--json")
	if code != 1 {
		t.Errorf("exit code = %d; want 1", code)
	}
	if st := statuses(t, out); st["tls.versions"] != "fail" {
		t.Errorf("tls.versions = %q; want fail", st["tls.versions"])
	}
}
