package gather_test

import (
	"context"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// benchEndpoints is about the size of the real profile's list plus room.
const benchEndpoints = 20

// BenchmarkDiagnose measures a full diagnosis of 20 endpoints whose servers
// answer with latencies from 5 to 100 ms, against the floor: the slowest
// endpoint's DNS+TCP+TLS chain alone. It reports the ratio of the two,
// measured in the same iterations ("x-floor"); 1.0 is perfect concurrency.
// scripts/bench runs it and prints the figures.
func BenchmarkDiagnose(b *testing.B) {
	pki := testpeer.LocalPKI(b)
	var addrs []string
	for i := range benchEndpoints {
		latency := time.Duration(5+i*5) * time.Millisecond // 5 … 100 ms
		addrs = append(addrs, testpeer.TLSServer(b, pki.Cert, testpeer.ServerOptions{Latency: latency}))
	}
	full := localProfile(b, addrs...)
	slowest := localProfile(b, addrs[len(addrs)-1])
	all := facts.Needs{HostsFile: true, DNS: true, TCP: true, TLS: true, Versions: true}
	chain := facts.Needs{TLS: true}

	var floor, whole time.Duration
	for b.Loop() {
		t0 := time.Now()
		f := gather.Run(context.Background(), gather.Options{Profile: slowest, Timeout: 10 * time.Second, Needs: chain, Roots: roots(pki)})
		t1 := time.Now()
		g := gather.Run(context.Background(), gather.Options{Profile: full, Timeout: 10 * time.Second, Needs: all, Roots: roots(pki)})
		t2 := time.Now()
		if f.Endpoints[0].TLS.State != "ok" || g.Endpoints[benchEndpoints-1].TLS.State != "ok" {
			b.Fatalf("handshakes failed: %+v / %+v", f.Endpoints[0].TLS.Step, g.Endpoints[benchEndpoints-1].TLS.Step)
		}
		floor += t1.Sub(t0)
		whole += t2.Sub(t1)
	}
	b.ReportMetric(float64(floor.Milliseconds())/float64(b.N), "floor-ms/op")
	b.ReportMetric(float64(whole.Milliseconds())/float64(b.N), "diagnose-ms/op")
	b.ReportMetric(float64(whole)/float64(floor), "x-floor")
}
