package gather_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// sequential probes the endpoints one after another and each step after
// the other - DNS, TCP, TLS, then one handshake per TLS version - as a
// person with Test-NetConnection and a TLS scanner would.
func sequential(tb testing.TB, p *profile.Profile) {
	ctx := context.Background()
	for _, e := range p.Endpoints {
		addrs, err := probe.Lookup(ctx, net.DefaultResolver, e.ProbeHost())
		if err != nil {
			tb.Fatal(err)
		}
		for _, v := range []uint16{0, tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
			dr, err := probe.Dial(ctx, &net.Dialer{}, []netip.Addr(addrs), e.Port)
			if err != nil {
				tb.Fatal(err)
			}
			hc := probe.HandshakeConfig{ServerName: e.ProbeHost(), MinVersion: v, MaxVersion: v}
			if v == 0 {
				hc.MinVersion = tls.VersionTLS12
			}
			probe.Handshake(ctx, dr.Conn, hc)
		}
	}
}

// BenchmarkCompare measures a full diagnosis of as many endpoints as the
// real profile lists, each with its own latency (5-80 ms) and some with
// loss, against the floor (the slowest endpoint's DNS+TCP+TLS chain alone)
// and against the sequential baseline. Ratios: "x-floor" (aim ≤ 1.2) and
// "x-faster-than-sequential" (aim ≥ 10).
func BenchmarkCompare(b *testing.B) {
	real, err := profile.Default()
	if err != nil {
		b.Fatal(err)
	}
	n := len(real.Endpoints)
	pki := testpeer.LocalPKI(b)
	var addrs []string
	for i := range n {
		o := testpeer.ServerOptions{Latency: time.Duration(5+i*75/(n-1)) * time.Millisecond}
		if i%4 == 1 {
			o.Loss = 1 // a lossy path: every connection's first server flight is resent after 200 ms
		}
		addrs = append(addrs, testpeer.TLSServer(b, pki.Cert, o))
	}
	full := localProfile(b, addrs...)
	network := facts.Needs{DNS: true, TCP: true, TLS: true, Versions: true}

	// The floor is the slowest endpoint's chain alone: measure each once.
	var floor time.Duration
	for _, a := range addrs {
		t0 := time.Now()
		gather.Run(context.Background(), gather.Options{Profile: localProfile(b, a), Timeout: 10 * time.Second, Needs: facts.Needs{TLS: true}, Roots: roots(pki)})
		floor = max(floor, time.Since(t0))
	}
	var whole, seq time.Duration
	for b.Loop() {
		t0 := time.Now()
		f := gather.Run(context.Background(), gather.Options{Profile: full, Timeout: 10 * time.Second, Needs: network, Roots: roots(pki)})
		whole += time.Since(t0)
		for _, e := range f.Endpoints {
			if e.TLS.State != "ok" {
				b.Fatalf("%s: %+v", e.Endpoint.Address(), e.TLS.Step)
			}
		}
		t1 := time.Now()
		sequential(b, full)
		seq += time.Since(t1)
	}
	runs := float64(b.N)
	b.ReportMetric(float64(whole.Milliseconds())/runs, "diagnose-ms")
	b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
	b.ReportMetric(float64(seq.Milliseconds())/runs, "sequential-ms")
	b.ReportMetric(float64(whole)/runs/float64(floor), "x-floor")
	b.ReportMetric(float64(seq)/float64(whole), "x-faster-than-sequential")
}
