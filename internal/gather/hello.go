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

// The follow-up handshakes that tell why one was cut or went unanswered.
// Their bound (FollowUpBound), like the handshake's own (HandshakeBound),
// is decided in patience.go.

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
