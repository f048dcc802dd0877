//go:build !windows

// chronyd and faketime are Linux programs; the Windows test binaries run
// under Wine cannot start them (nor open Go UDP sockets there).

package cli

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A real NTP server whose clock is three hours ahead: chronyd under
// faketime (Go's own clock does not go through libc, so the server is
// shifted, not the tool).
func TestClockOffsetFromChronyThreeHoursAhead(t *testing.T) {
	ntpAddr := testpeer.Chrony(t, "+3h")
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{}) // no HTTP: NTP alone decides
	prof := testpeer.WriteProfileWith(t, testpeer.ProfileOptions{NTPServers: []string{ntpAddr}}, testpeer.LocalEndpoint(t, srv))

	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "clock.offset", "--timeout", "5s")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	f := want(t, r, "clock.offset", finding.Fail, "clock-offset")
	if !strings.Contains(f.Summary, "3h0m0s (this PC is behind)") {
		t.Errorf("summary %q; want an offset of three hours", f.Summary)
	}
	if d := evidenceDetail(t, f, "NTP "+ntpAddr); !strings.Contains(d, "stratum 1") {
		t.Errorf("NTP evidence %q; want chrony's answer", d)
	}
}

// NTP says three hours, HTTPS says in step: qadoctor says so rather than
// choosing.
func TestClockSourcesDisagree(t *testing.T) {
	ntpAddr := testpeer.Chrony(t, "+3h")
	pki := testpeer.LocalPKI(t)
	srv := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	prof := testpeer.WriteProfileWith(t, testpeer.ProfileOptions{NTPServers: []string{ntpAddr}}, testpeer.LocalEndpoint(t, srv))

	_, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "clock.offset", "--timeout", "5s")
	f := want(t, r, "clock.offset", finding.Warn, "clock-sources-disagree")
	if !strings.Contains(f.Summary, "NTP") || !strings.Contains(f.Summary, "HTTPS") {
		t.Errorf("summary %q should name both sources", f.Summary)
	}
}
