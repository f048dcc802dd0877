package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// clockOffsetMS returns the offset a clock.offset evidence line measured
// for the source whose subject starts with prefix.
func evidenceDetail(t *testing.T, f finding.Finding, prefix string) string {
	t.Helper()
	for _, e := range f.Evidence {
		if strings.HasPrefix(e.Subject, prefix) {
			return e.Detail
		}
	}
	t.Fatalf("%s has no evidence from %q: %+v", f.ID, prefix, f.Evidence)
	return ""
}

func TestClockOffsetFromHTTPSDate(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	tests := []struct {
		name   string
		skew   time.Duration // of the server's Date header
		status finding.Status
		says   string
	}{
		// UDP 123 answers nothing here: the HTTPS Date alone decides.
		{"server two hours ahead", 2 * time.Hour, finding.Fail, "2h0m0s (this PC is behind)"},
		{"server three minutes behind", -3 * time.Minute, finding.Warn, "3m0s (this PC is ahead)"},
		{"in step", 0, finding.Pass, "in step"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{DateSkew: tt.skew})
			prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, srv))
			_, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "clock.offset", "--timeout", "5s")
			f := want(t, r, "clock.offset", tt.status, "")
			if !strings.Contains(f.Summary, tt.says) {
				t.Errorf("summary %q; want it to say %q", f.Summary, tt.says)
			}
			if d := evidenceDetail(t, f, "NTP "); !strings.Contains(d, "no answer") {
				t.Errorf("NTP evidence %q; want no answer from the closed port", d)
			}
		})
	}
}

func TestClockOffsetNoSource(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	srv := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{}) // speaks no HTTP: no Date
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, srv))
	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "clock.offset", "--timeout", "3s")
	f := want(t, r, "clock.offset", finding.Skip, "clock-no-source")
	if !strings.Contains(f.Summary, "NTP 127.0.0.1") || !strings.Contains(f.Summary, "gave no answer") || !strings.Contains(f.Summary, "Date header") {
		t.Errorf("summary %q should say why each source gave nothing", f.Summary)
	}
	if code != ExitOK {
		t.Errorf("exit code = %d; an unmeasurable clock is never a failure", code)
	}
}

// A certificate that looks expired because this PC's clock is two days
// ahead is blamed on the clock, not the server. Go's clock cannot be
// faked from outside, so the tool's clock is injected.
func TestExpiredCertificateBlamedOnClock(t *testing.T) {
	pki := testpeer.LocalPKI(t) // valid from an hour ago to a day ahead
	srv := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, srv))
	ahead := func() time.Time { return time.Now().Add(48 * time.Hour) }

	code, r := diagnoseJSON(t, gather.Env{Now: ahead}, "--profile", prof, "--ca-file", pki.CAFile,
		"--only", "clock.offset,tls.handshake", "--timeout", "5s")
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d", code, ExitFailed)
	}
	want(t, r, "clock.offset", finding.Fail, "clock-offset")
	f := want(t, r, "tls.handshake", finding.Fail, "cert-expired-clock")
	if !strings.Contains(f.Cause, "fix the clock") {
		t.Errorf("cause %q should blame the clock", f.Cause)
	}
	if r.Verdict == nil || r.Verdict.ID != "clock.offset" {
		t.Errorf("verdict = %+v; want clock.offset, the step that explains the certificate", r.Verdict)
	}
}

// Every step to the service works, but it answers 503: likely Microsoft's
// outage, not this PC's problem.
func TestServiceHealthOutage(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	down := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{Status: 503})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, down))
	code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "tls.handshake,service.health", "--timeout", "5s")
	want(t, r, "tls.handshake", finding.Pass, "")
	f := want(t, r, "service.health", finding.Warn, "service-outage")
	if !strings.Contains(f.Summary, "outage") || !strings.Contains(strings.Join(f.Fix, " "), "release health") {
		t.Errorf("service.health %q / %q should say outage and point to the health pages", f.Summary, f.Fix)
	}
	if code != ExitOK {
		t.Errorf("exit code = %d; an outage on Microsoft's side is a warning", code)
	}

	up := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{})
	prof = testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, up))
	_, r = diagnoseJSON(t, gather.Env{}, "--profile", prof, "--ca-file", pki.CAFile, "--only", "service.health", "--timeout", "5s")
	want(t, r, "service.health", finding.Pass, "")
}
