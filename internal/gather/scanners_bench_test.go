//go:build !windows

package gather_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// BenchmarkVersionEnumeration times finding which TLS versions one server
// accepts (20 ms of latency each way): qadoctor's tls.versions probes,
// against sslscan and testssl.sh asked for the protocols only, and nmap's
// ssl-enum-ciphers script (which also lists every suite of each version),
// each run as a whole process, on the same server in the same run. Ratios
// above 1 mean qadoctor is faster. scripts/bench installs the scanners.
func BenchmarkVersionEnumeration(b *testing.B) {
	sslscan, err := exec.LookPath("sslscan")
	if err != nil {
		b.Fatalf("sslscan is not installed (scripts/bench installs it): %v", err)
	}
	testssl, err := exec.LookPath("testssl")
	if err != nil {
		b.Fatalf("testssl.sh is not installed (scripts/bench installs it): %v", err)
	}
	nmap, err := exec.LookPath("nmap")
	if err != nil {
		b.Fatalf("nmap is not installed (scripts/bench installs it): %v", err)
	}
	pki := testpeer.LocalPKI(b)
	addr := testpeer.TLSServer(b, pki.Cert, testpeer.ServerOptions{Latency: 20 * time.Millisecond})
	p := localProfile(b, addr)
	target := "localhost:" + addr[len("127.0.0.1:"):]

	run := func(name string, args ...string) time.Duration {
		t0 := time.Now()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", name, err, out)
		}
		return time.Since(t0)
	}
	var ours, scan, tssl, nm time.Duration
	for b.Loop() {
		t0 := time.Now()
		f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: 10 * time.Second, Needs: facts.Needs{Versions: true}})
		ours += time.Since(t0)
		if len(f.Endpoints[0].Versions) != 4 {
			b.Fatal("no version probes")
		}
		scan += run(sslscan, "--no-ciphersuites", "--no-groups", "--no-heartbleed", "--no-renegotiation",
			"--no-compression", "--no-fallback", "--no-check-certificate", "--no-colour", target)
		tssl += run(testssl, "--protocols", "--quiet", "--color", "0", "--warnings", "off", "--fast", target)
		nm += run(nmap, "-Pn", "-n", "-p", addr[len("127.0.0.1:"):], "--script", "ssl-enum-ciphers", "--script-args", "tls.servername=localhost", "127.0.0.1")
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Milliseconds())/n, "qadoctor-ms")
	b.ReportMetric(float64(scan.Milliseconds())/n, "sslscan-ms")
	b.ReportMetric(float64(tssl.Milliseconds())/n, "testssl-ms")
	b.ReportMetric(float64(scan)/float64(ours), "x-faster-than-sslscan")
	b.ReportMetric(float64(tssl)/float64(ours), "x-faster-than-testssl")
	b.ReportMetric(float64(nm.Milliseconds())/n, "nmap-ms")
	b.ReportMetric(float64(nm)/float64(ours), "x-faster-than-nmap")
}
