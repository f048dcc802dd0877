package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/report"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// qadoctorIn runs the binary inside a network namespace, as a user runs
// it on a PC whose network that namespace is, and decodes its JSON report.
func qadoctorIn(t *testing.T, ns *testpeer.Netns, args ...string) (int, *report.Report) {
	t.Helper()
	cmd := ns.Command(os.Args[0], append([]string{"diagnose", "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "QADOCTOR_RUN_MAIN=1", "LC_ALL=C")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("run qadoctor in %s: %v", ns.Name, err)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("not a JSON report (%v); stderr: %s\n%s", err, errOut.String(), out.String())
	}
	return code, &r
}

func findingOf(t *testing.T, r *report.Report, id string) finding.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s", id)
	return finding.Finding{}
}

// An AAAA record to an address whose packets a firewall drops, beside a
// working A record, served by dnsmasq inside a namespace: qadoctor, like
// Chromium, starts IPv4 300 ms into the silent IPv6 attempt, connects, and
// warns with both addresses instead of spending half the deadline.
func TestHappyEyeballsAroundDeadIPv6(t *testing.T) {
	ns := testpeer.NewNetns(t)
	const host = "he.qadoctor.test"
	now := time.Now()
	pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), host)
	var addr string
	ns.Do(func() { addr = testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{}) })
	port := testpeer.Port(t, addr)
	// The IPv6 path is a black hole: SYNs to [::1]:port vanish.
	ns.Nft(fmt.Sprintf(`table inet qadoctor {
  chain out {
    type filter hook output priority 0;
    ip6 daddr ::1 tcp dport %d drop
  }
}
`, port))
	ns.Dnsmasq(map[string][]string{host: {"127.0.0.1", "::1"}})
	prof := testpeer.WriteProfile(t, testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test peer"})

	code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.dns,net.reach,tls.handshake,service.health", "--timeout", "10s")
	if code != 0 {
		t.Errorf("exit code = %d; want 0 (a warning)", code)
	}
	if f := findingOf(t, r, "net.dns"); f.Status != finding.Pass || !strings.Contains(f.Evidence[0].Detail, "::1") || !strings.Contains(f.Evidence[0].Detail, "127.0.0.1") {
		t.Errorf("net.dns = %s %q; want a pass with both of dnsmasq's addresses", f.Status, f.Evidence[0].Detail)
	}
	f := findingOf(t, r, "net.reach")
	if f.Status != finding.Warn || f.Reason != "ipv6-broken" {
		t.Errorf("net.reach = %s %s (%s); want warn ipv6-broken", f.Status, f.Reason, f.Summary)
	}
	d := f.Evidence[0].Detail
	if !strings.Contains(d, fmt.Sprintf("connected to 127.0.0.1:%d", port)) || !strings.Contains(d, fmt.Sprintf("[::1]:%d gave no answer", port)) || !strings.Contains(d, "abandoned") {
		t.Errorf("evidence %q should name the IPv4 address that answered and the abandoned IPv6 one", d)
	}
	for _, id := range []string{"tls.handshake", "service.health"} {
		if f := findingOf(t, r, id); f.Status != finding.Pass {
			t.Errorf("%s = %s (%s); want pass: the fallback carried the whole chain", id, f.Status, f.Summary)
		}
	}
}
