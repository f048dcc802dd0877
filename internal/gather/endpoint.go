package gather

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// The endpoints source: every endpoint gets one name lookup and one
// TCP+TLS chain (with a HEAD on the same connection), shared by every
// check that needs them; version probes run beside the chain, not after
// it.

func recordEndpointsNotSelected(f *facts.Facts, o *Options) {
	for _, e := range o.Profile.Endpoints {
		f.Endpoints = append(f.Endpoints, newEndpointRun(e, facts.Needs{}).f)
	}
}

func startEndpoints(r *run) job {
	eps := make([]*endpointRun, len(r.opts.Profile.Endpoints))
	for i, e := range r.opts.Profile.Endpoints {
		eps[i] = newEndpointRun(e, r.needs)
	}
	return job{
		gather: func(ctx context.Context) {
			var wg sync.WaitGroup
			for _, er := range eps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.endpoint(ctx, er)
					r.progress.finished(er.f.Endpoint.Address(), er.ok())
				}()
			}
			wg.Wait()
		},
		record: func(f *facts.Facts) {
			elapsed := r.elapsedMS()
			for _, e := range eps {
				f.Endpoints = append(f.Endpoints, e.snapshot(elapsed))
			}
		},
	}
}

// endpointRun is one endpoint's facts while they are being gathered. The
// mutex guards against the snapshot taken at the deadline while probes may
// still be writing.
type endpointRun struct {
	mu    sync.Mutex
	f     facts.EndpointFacts
	route proxy.Route // written once, before any probe of the endpoint starts
}

var probedVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

var notSelected = facts.Step{State: facts.StepNotRun, Kind: facts.KindNotSelected}

func newEndpointRun(e profile.Endpoint, n facts.Needs) *endpointRun {
	r := &endpointRun{f: facts.EndpointFacts{Endpoint: e}}
	r.f.Route = facts.Route{Via: "unknown", Rule: facts.RuleNotRouted}
	r.f.DNS = facts.DNS{Step: notSelected, Host: e.ProbeHost()}
	r.f.TCP = facts.TCP{Step: notSelected}
	r.f.TLS = facts.TLS{Step: notSelected, ServerName: e.ProbeHost()}
	r.f.HTTP = facts.HTTP{Step: notSelected}
	if n.Versions {
		for _, v := range probedVersions {
			r.f.Versions = append(r.f.Versions, facts.VersionProbe{Step: notSelected, Version: probe.VersionName(v)})
		}
	}
	return r
}

// update changes the endpoint's facts under its lock.
func (er *endpointRun) update(fn func(*facts.EndpointFacts)) {
	er.mu.Lock()
	defer er.mu.Unlock()
	fn(&er.f)
}

// ok reports whether every step that ran ended well.
func (er *endpointRun) ok() bool {
	er.mu.Lock()
	defer er.mu.Unlock()
	for _, s := range []facts.Step{er.f.DNS.Step, er.f.TCP.Step, er.f.TLS.Step, er.f.HTTP.Step} {
		if s.State == facts.StepFailed || s.State == facts.StepTimeout {
			return false
		}
	}
	return true
}

// snapshot copies the facts, turning steps still running into cut-offs.
func (er *endpointRun) snapshot(elapsedMS float64) facts.EndpointFacts {
	er.mu.Lock()
	defer er.mu.Unlock()
	f := er.f
	f.Versions = append([]facts.VersionProbe(nil), er.f.Versions...)
	cut := func(s *facts.Step, waiting facts.Wait) {
		if s.State == facts.StepRunning {
			cutStep(s, elapsedMS, waiting)
		}
	}
	cut(&f.DNS.Step, facts.WaitDNSAnswer)
	if er.route.Proxy != nil {
		cut(&f.TCP.Step, facts.WaitProxyConnect)
	} else {
		cut(&f.TCP.Step, facts.WaitSYNACK)
	}
	cut(&f.TLS.Step, handshakeWait(f.TLS.BytesRead))
	cut(&f.HTTP.Step, facts.WaitHTTPAnswer)
	for i := range f.Versions {
		cut(&f.Versions[i].Step, handshakeWait(f.Versions[i].BytesRead))
	}
	return f
}

// cutStep marks a step still running at the deadline.
func cutStep(s *facts.Step, elapsedMS float64, waiting facts.Wait) {
	s.State, s.Kind, s.CutOff = facts.StepTimeout, facts.KindTimeout, true
	s.DurationMS = round3(elapsedMS - s.StartMS)
	if s.WaitingOn == "" {
		s.WaitingOn = waiting
	}
}

// cut marks a step still running at the deadline, now.
func (r *run) cut(s *facts.Step, waiting facts.Wait) { cutStep(s, r.elapsedMS(), waiting) }

// begin is a step running from now.
func (r *run) begin() facts.Step {
	return facts.Step{State: facts.StepRunning, StartMS: r.elapsedMS()}
}

// end records a step's outcome.
func (r *run) end(s *facts.Step, err error, kind string) {
	s.DurationMS = round3(r.elapsedMS() - s.StartMS)
	switch {
	case err == nil:
		s.State = facts.StepOK
	case kind == facts.KindTimeout:
		s.State, s.Kind, s.Error = facts.StepTimeout, kind, rawError(err)
	default:
		s.State, s.Kind, s.Error = facts.StepFailed, kind, rawError(err)
	}
}

// blocked is a step an earlier step's failure kept from running; err,
// when given, is that failure as it was said.
func blocked(by facts.StepName, err error) facts.Step {
	return facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, BlockedBy: by, Error: rawError(err)}
}

// route decides the endpoint's way, waiting for the proxy settings (which
// the deadline may cut off).
func (r *run) route(ctx context.Context, er *endpointRun) bool {
	settings, ok := r.proxy.get(ctx)
	if !ok {
		return false
	}
	rt := settings.RouteFor(ctx, er.f.Endpoint.ProbeHost())
	fr := facts.Route{Via: "direct", Source: rt.Source, Rule: rt.Rule, Match: rt.Match, PACAnswer: rt.PACAnswer}
	if fr.Source == "" {
		fr.Source = proxy.SourceNone
	}
	if rt.Proxy != nil {
		fr.Via, fr.Proxy = "proxy", proxy.Redacted(rt.Proxy)
	}
	if rt.Err != nil {
		fr.Via = "unknown"
		if rt.Rule != facts.RulePACAnswer {
			fr.Error = rawError(rt.Err)
		}
	}
	er.update(func(f *facts.EndpointFacts) { f.Route = fr })
	er.route = rt
	return true
}

func (r *run) endpoint(ctx context.Context, er *endpointRun) {
	host := er.f.Endpoint.ProbeHost()
	er.update(func(f *facts.EndpointFacts) { f.DNS.Step = r.begin() })
	if !r.route(ctx, er) {
		// The deadline came while the way (a PAC, WPAD) was being decided.
		er.update(func(f *facts.EndpointFacts) {
			r.cut(&f.DNS.Step, facts.WaitRoute)
			r.blockAfterDNS(f, facts.StepRoute)
		})
		return
	}
	if er.route.Proxy != nil || er.route.Err != nil {
		// The proxy resolves the name; this PC need not.
		er.update(func(f *facts.EndpointFacts) {
			f.DNS.Step = facts.Step{State: facts.StepNotRun, Kind: facts.KindProxied}
		})
		r.connectAndProbe(ctx, er, nil)
		return
	}
	addrs, err := probe.Lookup(ctx, r.opts.Env.Resolver, host)
	er.update(func(f *facts.EndpointFacts) {
		r.end(&f.DNS.Step, err, probe.ClassifyDNS(err))
		if err != nil {
			f.DNS.WaitingOn = facts.WaitDNSAnswer
		}
		for _, a := range addrs {
			f.DNS.Addrs = append(f.DNS.Addrs, a.String())
		}
	})
	if err != nil {
		er.update(func(f *facts.EndpointFacts) { r.blockAfterDNS(f, facts.StepDNS) })
		return
	}
	r.connectAndProbe(ctx, er, addrs)
}

// blockAfterDNS marks every selected step after the name lookup as kept
// from running by the step by.
func (r *run) blockAfterDNS(f *facts.EndpointFacts, by facts.StepName) {
	if r.needs.TCP {
		f.TCP.Step = blocked(by, nil)
	}
	if r.needs.TLS {
		f.TLS.Step = blocked(by, nil)
	}
	if r.needs.HTTP {
		f.HTTP.Step = blocked(by, nil)
	}
	for i := range f.Versions {
		f.Versions[i].Step = blocked(by, nil)
	}
}

// connectAndProbe runs the endpoint's chain and its version probes side by
// side, on the resolved addresses or through the endpoint's proxy.
func (r *run) connectAndProbe(ctx context.Context, er *endpointRun, addrs []netip.Addr) {
	if !r.needs.TCP {
		return
	}
	var wg sync.WaitGroup
	if r.needs.Versions {
		for i, v := range probedVersions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.version(ctx, er, i, v, addrs)
			}()
		}
	}
	r.chain(ctx, er, addrs)
	wg.Wait()
}

// chain is the endpoint's one TCP connection and verified TLS handshake.
func (r *run) chain(ctx context.Context, er *endpointRun, addrs []netip.Addr) {
	release, _ := r.slot(ctx) // at the deadline the dial itself reports it
	defer release()
	e := er.f.Endpoint
	er.update(func(f *facts.EndpointFacts) { f.TCP.Step = r.begin() })
	dr, err := r.dial(ctx, er, addrs)
	er.update(func(f *facts.EndpointFacts) {
		r.end(&f.TCP.Step, err, probe.ClassifyNet(err))
		f.TCP.Remote = dr.Remote
		f.TCP.Attempts = dr.Attempts
		var pe *probe.ProxyError
		if errors.As(err, &pe) {
			f.TCP.ProxyStatus = pe.Status
			f.TCP.ProxyAuthSchemes = pe.AuthSchemes
		}
		switch {
		case err != nil && er.route.Proxy != nil:
			f.TCP.WaitingOn = facts.WaitProxyConnect
		case err != nil:
			f.TCP.WaitingOn = facts.WaitSYNACK
		}
	})
	if err != nil {
		er.update(func(f *facts.EndpointFacts) {
			if r.needs.TLS {
				f.TLS.Step = blocked(facts.StepTCP, nil)
			}
			if r.needs.HTTP {
				f.HTTP.Step = blocked(facts.StepTCP, nil)
			}
		})
		return
	}
	if !r.needs.TLS {
		dr.Conn.Close()
		return
	}

	minV := r.opts.Profile.MinTLSVersion()
	er.update(func(f *facts.EndpointFacts) {
		f.TLS.Step = r.begin()
		for _, v := range probedVersions {
			if v >= minV {
				f.TLS.Offered = append(f.TLS.Offered, probe.VersionName(v))
			}
		}
	})
	res, err := probe.Handshake(ctx, dr.Conn, probe.HandshakeConfig{
		ServerName: e.ProbeHost(),
		MinVersion: minV,
		NextProtos: []string{"h2", "http/1.1"},
		Verify:     true,
		Roots:      r.opts.Roots,
		Now:        r.opts.Env.Now,
		KeepOpen:   r.needs.HTTP,
	})
	er.update(func(f *facts.EndpointFacts) {
		t := &f.TLS
		r.end(&t.Step, err, probe.ClassifyTLS(err))
		t.BytesRead, t.BytesSent = res.BytesRead, res.BytesSent
		if err != nil && t.State == facts.StepTimeout {
			t.WaitingOn = handshakeWait(res.BytesRead)
		}
		for i, c := range res.Chain {
			if i == MaxChainRecorded {
				t.ChainCut = len(res.Chain) - i
				break
			}
			t.Chain = append(t.Chain, probe.Certificate(c))
		}
		if err == nil {
			t.Version = probe.VersionName(res.State.Version)
			t.CipherSuite = tls.CipherSuiteName(res.State.CipherSuite)
			t.ALPN = res.State.NegotiatedProtocol
			t.Verified = res.VerifyErr == nil
			if res.VerifyErr != nil {
				t.VerifyError = res.VerifyErr.Error()
				t.VerifyKind = probe.ClassifyVerify(res.VerifyErr)
			}
		}
		if err != nil && r.needs.HTTP {
			f.HTTP.Step = blocked(facts.StepTLS, nil)
		}
	})
	if res.Conn != nil {
		defer res.Conn.Close()
		r.http(ctx, er, res.Conn)
	}
}

// http sends HEAD / on the endpoint's own TLS connection and reads the
// server's clock from its Date header.
func (r *run) http(ctx context.Context, er *endpointRun, conn *tls.Conn) {
	host := er.f.Endpoint.ProbeHost()
	er.update(func(f *facts.EndpointFacts) { f.HTTP.Step = r.begin() })
	res, err := probe.Head(ctx, conn, host, r.opts.Env.Now)
	er.update(func(f *facts.EndpointFacts) {
		h := &f.HTTP
		r.end(&h.Step, err, probe.ClassifyNet(err))
		if err != nil {
			if h.State == facts.StepTimeout {
				h.WaitingOn = facts.WaitHTTPAnswer
			}
			return
		}
		h.Status, h.Proto, h.Date, h.Server = res.Status, res.Proto, res.Date, res.Server
		if date, err := http.ParseTime(res.Date); err == nil {
			rtt := res.Recv.Sub(res.Sent)
			mid := res.Sent.Add(rtt / 2)
			// Date is truncated to the second: its true time is half a
			// second later on average.
			off := ms(date.Add(500 * time.Millisecond).Sub(mid))
			h.ClockOffsetMS = &off
			h.UncertaintyMS = ms(500*time.Millisecond + rtt/2)
		}
	})
}

// handshakeWait says where a stalled handshake stopped.
func handshakeWait(read int64) facts.Wait {
	if read == 0 {
		return facts.WaitServerHello
	}
	return facts.WaitHandshakeRest
}

// version is one handshake pinned to a single TLS version, on its own
// connection. It only asks whether the version is accepted, so it does not
// verify the chain, and it offers every cipher suite crypto/tls has.
func (r *run) version(ctx context.Context, er *endpointRun, i int, v uint16, addrs []netip.Addr) {
	release, _ := r.slot(ctx)
	defer release()
	e := er.f.Endpoint
	er.update(func(f *facts.EndpointFacts) { f.Versions[i].Step = r.begin() })
	dr, err := r.dial(ctx, er, addrs)
	if err != nil {
		er.update(func(f *facts.EndpointFacts) {
			// A version probe that cannot connect says nothing about the
			// version: the TCP step reports the connection failure.
			f.Versions[i].Step = blocked(facts.StepTCP, err)
		})
		return
	}
	suites := probe.AllCipherSuites()
	if v == tls.VersionTLS13 {
		suites = nil // TLS 1.3 suites are not configurable in crypto/tls
	}
	res, err := probe.Handshake(ctx, dr.Conn, probe.HandshakeConfig{
		ServerName:       e.ProbeHost(),
		MinVersion:       v,
		MaxVersion:       v,
		CipherSuites:     suites,
		Now:              r.opts.Env.Now,
		AcceptedIsEnough: true,
	})
	er.update(func(f *facts.EndpointFacts) {
		vp := &f.Versions[i]
		r.end(&vp.Step, err, probe.ClassifyTLS(err))
		vp.BytesRead = res.BytesRead
		if err != nil && vp.State == facts.StepTimeout {
			vp.WaitingOn = handshakeWait(res.BytesRead)
		}
		if err == nil {
			vp.CipherSuite = tls.CipherSuiteName(res.State.CipherSuite)
			if len(res.Chain) > 0 {
				vp.Issuer = res.Chain[0].Issuer.String()
			}
		}
	})
}

// dial connects to the endpoint: to its addresses in turn, or through its
// proxy with CONNECT for its name.
func (r *run) dial(ctx context.Context, er *endpointRun, addrs []netip.Addr) (probe.DialResult, error) {
	e := er.f.Endpoint
	if er.route.Err != nil {
		return probe.DialResult{}, &probe.ProxyError{Kind: probe.KindProxyPAC, Err: er.route.Err}
	}
	if er.route.Proxy == nil {
		return probe.Dial(ctx, r.opts.Env.Dialer, addrs, e.Port)
	}
	d := &probe.ProxyDialer{Proxy: er.route.Proxy, Base: r.opts.Env.Dialer}
	conn, err := d.DialContext(ctx, "tcp", e.Address())
	if err != nil {
		return probe.DialResult{}, err
	}
	return probe.DialResult{Conn: conn, Remote: e.Address() + " via " + proxy.Redacted(er.route.Proxy)}, nil
}
