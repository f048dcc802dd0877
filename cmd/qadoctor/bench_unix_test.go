//go:build !windows

package main

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// BenchmarkFullRun runs the real process - diagnose of 16 local endpoints,
// every check but the browser's (BenchmarkBrowserCheck times that) - and reports its peak resident memory and wall time, and
// the start-up time of `qadoctor version`. scripts/bench prints them.
func BenchmarkFullRun(b *testing.B) {
	pki := testpeer.LocalPKI(b)
	var eps []testpeer.Endpoint
	for i := 0; i < 16; i++ {
		addr := testpeer.TLSServer(b, pki.Cert, testpeer.ServerOptions{Latency: time.Duration(5+i*5) * time.Millisecond})
		eps = append(eps, testpeer.LocalEndpoint(b, addr))
	}
	prof := testpeer.WriteProfile(b, eps...)
	runOnce := func(args ...string) (time.Duration, int64) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "QADOCTOR_RUN_MAIN=1")
		t0 := time.Now()
		cmd.Run() // exit 1 is a verdict, not a failure of the benchmark
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		return time.Since(t0), ru.Maxrss // KiB on Linux
	}
	var wall, start time.Duration
	var peak int64
	for b.Loop() {
		d, rss := runOnce("diagnose", "--profile", prof, "--ca-file", pki.CAFile, "--json", "--timeout", "10s", "--no-browser")
		wall += d
		peak = max(peak, rss)
		s, _ := runOnce("version")
		start += s
	}
	n := float64(b.N)
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(wall.Milliseconds())/n, "full-run-ms")
	b.ReportMetric(float64(start.Microseconds())/1000/n, "startup-ms")
}

// BenchmarkBrowserCheck is the time net.browser adds to a run, as a user
// runs the command: diagnose of 16 local HTTPS endpoints with the
// browser (the Chromium here, the test CA in its store) and with
// --no-browser, and, as an independent client, the same Chromium loading
// one endpoint on its own (headless, a fresh profile, --dump-dom). Each
// whole process is timed, the runs interleaved; scripts/bench prints the
// figures and the ratios.
func BenchmarkBrowserCheck(b *testing.B) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		b.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	pki := testpeer.LocalPKI(b)
	var eps []testpeer.Endpoint
	for i := 0; i < 16; i++ {
		addr := testpeer.HTTPSServer(b, pki.Cert, testpeer.HTTPOptions{})
		eps = append(eps, testpeer.LocalEndpoint(b, addr))
	}
	prof := testpeer.WriteProfile(b, eps...)
	home := testpeer.ChromiumHome(b, testpeer.TempDir(b), pki.CAFile)
	env := append(os.Environ(), "QADOCTOR_RUN_MAIN=1", "HOME="+home)
	timed := func(name string, args ...string) time.Duration {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		t0 := time.Now()
		cmd.Run() // an exit code is a verdict, not a failure of the benchmark
		return time.Since(t0)
	}
	diagnose := []string{"diagnose", "--profile", prof, "--ca-file", pki.CAFile, "--json", "--timeout", "15s"}
	var with, without, alone time.Duration
	for b.Loop() {
		with += timed(os.Args[0], diagnose...)
		without += timed(os.Args[0], append(diagnose, "--no-browser")...)
		dir := testpeer.TempDir(b)
		alone += timed(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir="+dir,
			"--dump-dom", "https://"+eps[0].Host+":"+strconv.Itoa(eps[0].Port)+"/")
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / n }
	b.ReportMetric(ms(with), "with-browser-ms")
	b.ReportMetric(ms(without), "no-browser-ms")
	b.ReportMetric(ms(with-without), "added-ms")
	b.ReportMetric(ms(alone), "chromium-alone-ms")
	b.ReportMetric(float64(with)/float64(without), "x-no-browser")
	b.ReportMetric(float64(with-without)/float64(alone), "added-x-chromium-alone")
}
