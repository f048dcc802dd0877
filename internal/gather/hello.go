package gather

import (
	"context"
	"crypto/tls"
	"net/netip"
	"sync"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/probe"
)

// The handshake's own bound, and the follow-up handshakes that tell why
// one was cut or went unanswered.

// HandshakeBound is the bound of the TLS handshake after a TCP connection
// that took tcp: the handshake is one or two round trips (RFC 8446 section
// 2; TLS 1.2 two) and the server's signature, where the TCP connection
// was one round trip, so 8 × tcp leaves room for a busy server and a
// retransmitted flight. MinHandshakeBound covers a lost flight on a fast
// path (Linux's first retransmission waits at least 200 ms, Windows' 300
// ms, and doubles each time); MaxHandshakeBound keeps a device that holds
// the handshake from holding the run, so the follow-up probes that say
// why still fit in the deadline.
const (
	MinHandshakeBound = 2 * time.Second
	MaxHandshakeBound = 6 * time.Second
)

// HandshakeBound is the bound of the handshake after a connection that
// took tcp.
func HandshakeBound(tcp time.Duration) time.Duration {
	return min(max(8*tcp, MinHandshakeBound), MaxHandshakeBound)
}

// followUps tells apart why the endpoint's handshake was cut or went
// unanswered, each on a connection of its own and all at once, within
// bound: a hello without the post-quantum share (does size matter?), a
// hello the server must refuse with a few-byte alert (do small answers
// come back?), the same without a server name (does the name matter?),
// and Chromium's own hello (does the hello Quick Assist sends fare the
// same as ours?).
func (r *run) followUps(ctx context.Context, er *endpointRun, addrs []netip.Addr, bound time.Duration) {
	host := er.f.Endpoint.ProbeHost()
	configs := []struct {
		name string
		hc   probe.HandshakeConfig
	}{
		{facts.HelloSmall, probe.HandshakeConfig{ServerName: host, MinVersion: r.opts.Profile.MinTLSVersion(), Curves: probe.ClassicCurves, NextProtos: alpnFor(er.f.Endpoint.Kind())}},
		{facts.HelloRefused, probe.HandshakeConfig{ServerName: host, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: probe.RefusedSuites, Curves: probe.ClassicCurves}},
		{facts.HelloNoName, probe.HandshakeConfig{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: probe.RefusedSuites, Curves: probe.ClassicCurves}},
		{facts.HelloChromium, probe.HandshakeConfig{}}, // shaped by utls, not crypto/tls
	}
	out := make([]facts.HelloProbe, len(configs))
	var wg sync.WaitGroup
	for i, c := range configs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hp := facts.HelloProbe{Probe: c.name, Step: r.begin()}
			release, err := r.slot(ctx)
			if err != nil {
				hp.Step = noSlot
				out[i] = hp
				return
			}
			defer release()
			var res probe.HandshakeResult
			byBound, err := bounded(ctx, bound, func(ctx context.Context) error {
				dr, err := r.dial(ctx, er, addrs)
				if err != nil {
					return err
				}
				if c.name == facts.HelloChromium {
					res, err = probe.ChromiumHandshake(ctx, dr.Conn, host)
					return err
				}
				c.hc.Now = r.opts.Env.Now
				c.hc.AcceptedIsEnough = true
				res, err = probe.Handshake(ctx, dr.Conn, c.hc)
				return err
			})
			r.end(&hp.Step, err, probe.ClassifyTLS(err))
			if byBound {
				hp.BoundMS = ms(bound)
			}
			hp.HelloBytes, hp.BytesRead = res.HelloSize, res.BytesRead
			out[i] = hp
		}()
	}
	wg.Wait()
	er.update(func(f *facts.EndpointFacts) { f.TLS.FollowUps = out })
}
