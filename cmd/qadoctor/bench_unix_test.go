//go:build !windows

package main

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// BenchmarkFullRun runs the real process - diagnose of 16 local endpoints,
// every check - and reports its peak resident memory and wall time, and
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
		d, rss := runOnce("diagnose", "--profile", prof, "--ca-file", pki.CAFile, "--json", "--timeout", "10s")
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
