package gather

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
	"golang.org/x/time/rate"
)

// The endpoints source: every endpoint gets one name lookup and one
// TCP+TLS chain, shared by every check that needs them, and on the same
// connection the exchange its role makes (HEAD for a web service, a
// WebSocket upgrade for a channel, a TURN Allocate for a relay), under a
// bound of its own; version probes run beside the chain, not after it.
// Each direct TCP connect has a bound of its own too, from what the run
// has seen (DroppedAfter, in patience.go): SYNs a firewall drops are
// concluded in seconds, not at the deadline. So have the version probes'
// handshakes and the exchanges (VersionBound, ExchangeBound): a server
// that answered one hello or request is not waited on for seconds to
// conclude it will not answer another.
//
// Every lookup and every connection takes a slot of the run's
// MaxConcurrentConnections while it is open. A step the deadline caught
// waiting for a slot is recorded as such (KindNoSlot), never as a network
// failure.

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
					ok, silent := er.outcome()
					r.progress.finished(er.f.Endpoint.Address(), ok, silent)
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
	// dnsTook is how long the resolver took to answer for the endpoint's
	// name (0: not asked), evidence for DroppedAfter; written once, before
	// any connection starts.
	dnsTook time.Duration
	// answers is the slowest answer the endpoint's server gave to a hello
	// (its chain's handshake, a version probe's, accepted or refused with
	// an alert), evidence for VersionBound.
	answers slowest
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
	r.f.Relay = facts.Relay{Step: notSelected, Transport: "tls"}
	r.f.RelayUDP = facts.Relay{Step: notSelected, Transport: "udp"}
	if n.HTTP {
		// The exchanges the role does not make are not "not selected":
		// they do not exist for this endpoint.
		notForRole := facts.Step{State: facts.StepNotRun, Kind: facts.KindNotForRole}
		waiting := facts.Step{State: facts.StepNotRun} // until it runs or an earlier step blocks it
		r.f.HTTP.Step, r.f.Relay.Step, r.f.RelayUDP.Step = notForRole, notForRole, notForRole
		switch e.Kind() {
		case profile.RoleHTTPS:
			r.f.HTTP.Step, r.f.HTTP.Exchange = waiting, facts.ExchangeHead
		case profile.RoleWebSocket:
			r.f.HTTP.Step, r.f.HTTP.Exchange, r.f.HTTP.Path = waiting, facts.ExchangeUpgrade, e.UpgradePath()
		case profile.RoleTURN:
			r.f.Relay.Step = waiting
			if e.UDPPort != 0 {
				r.f.RelayUDP.Step = waiting
			}
		case profile.RoleTLS, profile.RoleRDPRelay:
			// Only the handshake is asked: the RDP relay speaks Windows'
			// RDP inside TLS, which no probe of ours imitates (tls.os-stack
			// asks SCHANNEL for the same handshake).
		}
	}
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

// outcome says how the endpoint's chain ended, for the progress line: ok
// when every step that ran ended well; silent when only the exchange after
// a good handshake went unanswered within its bound (a warning, not a
// failure: the relay or web server may just not answer that question).
func (er *endpointRun) outcome() (ok, silent bool) {
	er.mu.Lock()
	defer er.mu.Unlock()
	for _, s := range []facts.Step{er.f.DNS.Step, er.f.TCP.Step, er.f.TLS.Step} {
		if s.State == facts.StepFailed || s.State == facts.StepTimeout {
			return false, false
		}
	}
	for _, s := range []facts.Step{er.f.HTTP.Step, er.f.Relay.Step} {
		switch {
		case s.Unanswered():
			silent = true
		case s.State == facts.StepFailed || s.State == facts.StepTimeout:
			return false, false
		}
	}
	return !silent, silent
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
	if f.HTTP.Exchange == facts.ExchangeUpgrade {
		cut(&f.HTTP.Step, facts.WaitUpgrade)
	} else {
		cut(&f.HTTP.Step, facts.WaitHTTPAnswer)
	}
	cut(&f.Relay.Step, facts.WaitRelayAnswer)
	cut(&f.RelayUDP.Step, facts.WaitRelayAnswer)
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
	case kind == facts.KindTimeout, kind == facts.KindDropped:
		s.State, s.Kind, s.Error = facts.StepTimeout, kind, rawError(err)
	default:
		s.State, s.Kind, s.Error = facts.StepFailed, kind, rawError(err)
	}
}

// noSlot is a step the run's deadline caught waiting for a connection
// slot: it never started, and says nothing about the network.
var noSlot = facts.Step{State: facts.StepNotRun, Kind: facts.KindNoSlot, WaitingOn: facts.WaitSlot}

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
			r.markAfterDNS(f, blocked(facts.StepRoute, nil))
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
	release, err := r.slot(ctx)
	if err != nil {
		er.update(func(f *facts.EndpointFacts) {
			// Every later step waited with it: none of them is blocked by a
			// lookup that failed.
			f.DNS.Step = noSlot
			r.markAfterDNS(f, noSlot)
		})
		return
	}
	addrs, took, err := r.lookup(ctx, host)
	release()
	er.dnsTook = took
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
		er.update(func(f *facts.EndpointFacts) { r.markAfterDNS(f, blocked(facts.StepDNS, nil)) })
		return
	}
	r.connectAndProbe(ctx, er, addrs)
}

// lookup resolves host under the run's cap on lookups in flight and,
// once the resolver lost a query, their pace (each try asked again
// included, so the retries of queries lost together do not go out
// together); took is how long the resolver took to answer, the waits for
// the cap and the pace left out.
func (r *run) lookup(ctx context.Context, host string) (addrs []netip.Addr, took time.Duration, err error) {
	select {
	case r.lookups <- struct{}{}:
		defer func() { <-r.lookups }()
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	start := time.Now()
	addrs, err = probe.Lookup(ctx, pacedResolver{r.opts.Env.Resolver, r.pace}, host)
	took = time.Since(start)
	if took >= probe.LookupRetries[0] {
		// Asked again: a query was lost (or the resolver is slow). The
		// lookups still to start are paced, and fewer run at once.
		r.losingLookups.Do(func() {
			r.pace.SetLimit(rate.Every(LookupEvery))
			go func() { // hold slots for the rest of the run: LookupsWhenLosing stay
				for range MaxConcurrentLookups - LookupsWhenLosing {
					select {
					case r.lookups <- struct{}{}:
					case <-ctx.Done():
						return
					}
				}
			}()
		})
	}
	return addrs, took, err
}

// markAfterDNS sets every selected step after the name lookup to s: kept
// from running by an earlier step, or waiting for a slot with it.
func (r *run) markAfterDNS(f *facts.EndpointFacts, s facts.Step) {
	if r.needs.TCP {
		f.TCP.Step = s
	}
	r.markAfterTCP(f, s)
	if pending(f.RelayUDP.Step) {
		f.RelayUDP.Step = s
	}
	for i := range f.Versions {
		f.Versions[i].Step = s
	}
}

// markAfterTCP sets the TLS handshake and the exchanges on its connection
// to s. (The UDP Binding runs beside the chain, not on it.)
func (r *run) markAfterTCP(f *facts.EndpointFacts, s facts.Step) {
	if r.needs.TLS {
		f.TLS.Step = s
	}
	markExchanges(f, s)
}

// markExchanges sets the exchanges the endpoint's role makes on its TLS
// connection to s.
func markExchanges(f *facts.EndpointFacts, s facts.Step) {
	for _, x := range []*facts.Step{&f.HTTP.Step, &f.Relay.Step} {
		if planned(*x) {
			*x = s
		}
	}
}

// planned reports an exchange this run makes for the endpoint's role.
func planned(s facts.Step) bool {
	return s.Kind != facts.KindNotForRole && s.Kind != facts.KindNotSelected
}

// pending reports a planned exchange not recorded yet.
func pending(s facts.Step) bool {
	return planned(s) && s.State != facts.StepOK && s.State != facts.StepFailed && s.State != facts.StepTimeout
}

// connectAndProbe runs the endpoint's chain and its version probes side by
// side, on the resolved addresses or through the endpoint's proxy.
func (r *run) connectAndProbe(ctx context.Context, er *endpointRun, addrs []netip.Addr) {
	if !r.needs.TCP {
		return
	}
	var wg sync.WaitGroup
	chainDone := func() {}
	if e := er.f.Endpoint; r.needs.HTTP && e.Kind() == profile.RoleTURN && e.UDPPort != 0 {
		if len(addrs) == 0 {
			// A proxy carries TCP only: media from behind it never takes UDP.
			er.update(func(f *facts.EndpointFacts) {
				f.RelayUDP.Step = facts.Step{State: facts.StepNotRun, Kind: facts.KindViaProxy}
			})
		} else {
			// The Binding is informational: it may wait its own bound, but
			// not past the chain's end plus UDPGrace, so a firewall that
			// drops UDP does not slow the run.
			udpCtx, stopUDP := context.WithCancel(ctx)
			defer stopUDP()
			chainDone = func() { time.AfterFunc(UDPGrace, stopUDP) }
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.relayUDP(udpCtx, ctx, er, addrs[0])
			}()
		}
	}
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
	chainDone()
	wg.Wait()
}

// chain is the endpoint's one TCP connection and verified TLS handshake.
func (r *run) chain(ctx context.Context, er *endpointRun, addrs []netip.Addr) {
	release, err := r.slot(ctx)
	if err != nil {
		er.update(func(f *facts.EndpointFacts) {
			f.TCP.Step = noSlot
			r.markAfterTCP(f, noSlot)
		})
		return
	}
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
		var de *probe.DroppedError
		if errors.As(err, &de) {
			f.TCP.BoundMS, f.TCP.SYNs = ms(de.After), de.SYNs
		}
		switch {
		case err != nil && er.route.Proxy != nil:
			f.TCP.WaitingOn = facts.WaitProxyConnect
		case err != nil:
			f.TCP.WaitingOn = facts.WaitSYNACK
		}
	})
	if err != nil {
		er.update(func(f *facts.EndpointFacts) { r.markAfterTCP(f, blocked(facts.StepTCP, nil)) })
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
	var tcpTook time.Duration
	er.update(func(f *facts.EndpointFacts) { tcpTook = time.Duration(f.TCP.DurationMS * float64(time.Millisecond)) })
	handshakeBound := HandshakeBound(tcpTook)
	var res probe.HandshakeResult
	hsStart := time.Now()
	byBound, err := bounded(ctx, handshakeBound, func(ctx context.Context) (err error) {
		res, err = probe.Handshake(ctx, dr.Conn, probe.HandshakeConfig{
			ServerName: e.ProbeHost(),
			MinVersion: minV,
			NextProtos: alpnFor(e.Kind()),
			Verify:     true,
			Roots:      r.opts.Roots,
			Now:        r.opts.Env.Now,
			KeepOpen:   r.needs.HTTP,
		})
		return err
	})
	r.answered(er, time.Since(hsStart), err, res.BytesRead)
	var fetched []string
	if err == nil && probe.ClassifyVerify(res.VerifyErr) == "unknown-authority" && len(res.Chain) > 0 && len(res.Chain[len(res.Chain)-1].IssuingCertificateURL) > 0 {
		// The server left out an issuer its certificate names a URL for:
		// fetched as Chromium and Windows fetch it, within AIABound.
		actx, cancel := context.WithTimeout(ctx, AIABound)
		var verr error
		if fetched, verr = probe.CompleteChain(actx, res.Chain, e.ProbeHost(), r.opts.Roots, r.opts.Env.Now(), r.issuerFetcher()); len(fetched) > 0 {
			res.VerifyErr = verr
		}
		cancel()
	}
	er.update(func(f *facts.EndpointFacts) {
		t := &f.TLS
		t.IssuerFetched = fetched
		r.end(&t.Step, err, probe.ClassifyTLS(err))
		if byBound {
			t.BoundMS = ms(handshakeBound)
		}
		t.BytesRead, t.BytesSent, t.HelloBytes = res.BytesRead, res.BytesSent, res.HelloSize
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
		if err != nil {
			markExchanges(f, blocked(facts.StepTLS, nil))
		}
	})
	if err != nil {
		if k := probe.ClassifyTLS(err); (k == facts.KindReset || k == facts.KindClosed || k == facts.KindTimeout) && ctx.Err() == nil {
			release() // the connection is closed; the follow-ups take slots of their own
			r.followUps(ctx, er, addrs, FollowUpBound(tcpTook))
		}
		return
	}
	if res.Conn == nil {
		return
	}
	defer res.Conn.Close()
	var chainTook time.Duration
	er.update(func(f *facts.EndpointFacts) {
		chainTook = time.Duration((f.TCP.DurationMS + f.TLS.DurationMS) * float64(time.Millisecond))
	})
	bound := r.exchangeBound(chainTook)
	switch e.Kind() {
	case profile.RoleHTTPS:
		r.http(ctx, er, res.Conn, bound)
	case profile.RoleWebSocket:
		r.upgrade(ctx, er, res.Conn, bound)
	case profile.RoleTURN:
		r.relay(ctx, er, res.Conn, bound)
	case profile.RoleTLS, profile.RoleRDPRelay:
		// No exchange after the handshake (see newEndpointRun).
	}
}

// answered records a handshake with the endpoint's server that took d as
// evidence: one that completed for every endpoint (the run's slowest
// handshake), and one the server answered (completed, or refused with an
// alert: bytes came and the handshake ended short of a timeout) for the
// endpoint's own version probes.
func (r *run) answered(er *endpointRun, d time.Duration, err error, read int64) {
	if err == nil {
		r.connects.handshakes.saw(d)
		er.answers.saw(d)
		return
	}
	if read > 0 && probe.ClassifyTLS(err) != facts.KindTimeout {
		er.answers.saw(d)
	}
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
	release, err := r.slot(ctx)
	if err != nil {
		er.update(func(f *facts.EndpointFacts) { f.Versions[i].Step = noSlot })
		return
	}
	defer release()
	e := er.f.Endpoint
	er.update(func(f *facts.EndpointFacts) { f.Versions[i].Step = r.begin() })
	dialStart := time.Now()
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
	// VersionBound, from this probe's own connection and what the
	// endpoint's server and the run have answered so far.
	tcpTook := time.Since(dialStart)
	bound := boundFunc(func() (time.Duration, <-chan struct{}, <-chan struct{}) {
		own, owns := er.answers.get()
		handshake, handshakes := r.connects.handshakes.get()
		return VersionBound(tcpTook, own, handshake), owns, handshakes
	})
	var res probe.HandshakeResult
	hsStart := time.Now()
	byBound, applied, err := patiently(ctx, bound, func(ctx context.Context) (err error) {
		res, err = probe.Handshake(ctx, dr.Conn, probe.HandshakeConfig{
			ServerName:       e.ProbeHost(),
			MinVersion:       v,
			MaxVersion:       v,
			CipherSuites:     suites,
			Now:              r.opts.Env.Now,
			AcceptedIsEnough: true,
		})
		return err
	})
	if !byBound {
		r.answered(er, time.Since(hsStart), err, res.BytesRead)
	}
	er.update(func(f *facts.EndpointFacts) {
		vp := &f.Versions[i]
		r.end(&vp.Step, err, probe.ClassifyTLS(err))
		if byBound {
			vp.BoundMS = ms(applied)
		}
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
// proxy with CONNECT for its name. Where a PAC answered more than one way
// ("PROXY a:8080; PROXY b:3128; DIRECT"), a proxy that cannot be reached
// gives way to the next, as Chromium falls back (its proxy list marks the
// proxy bad and tries the next on a connection failure, not on a proxy's
// answer); the route then records the ways that failed and the one used.
func (r *run) dial(ctx context.Context, er *endpointRun, addrs []netip.Addr) (probe.DialResult, error) {
	if er.route.Err != nil {
		return probe.DialResult{}, &probe.ProxyError{Kind: probe.KindProxyPAC, Err: er.route.Err}
	}
	ways := append([]proxy.Choice{{Proxy: er.route.Proxy}}, er.route.Next...)
	var fell []string
	for i, w := range ways {
		dr, err := r.dialWay(ctx, er, w, addrs)
		last := i == len(ways)-1 || ctx.Err() != nil || !fallsOver(err)
		if err == nil || last {
			if i > 0 {
				er.update(func(f *facts.EndpointFacts) {
					f.Route.FellBack = fell
					f.Route.Via, f.Route.Proxy = "direct", ""
					if !w.Direct() {
						f.Route.Via, f.Route.Proxy = "proxy", proxy.Redacted(w.Proxy)
					}
				})
			}
			return dr, err
		}
		fell = append(fell, fmt.Sprintf("%s: %v", wayName(w), err))
	}
	return probe.DialResult{}, errors.New("no way to the endpoint") // not reached: the last way returns
}

// dialWay connects by one way: direct (looking the name up first when the
// route was a proxy's, so no lookup was made), or through a proxy.
func (r *run) dialWay(ctx context.Context, er *endpointRun, w proxy.Choice, addrs []netip.Addr) (probe.DialResult, error) {
	e := er.f.Endpoint
	if w.Direct() {
		if addrs == nil {
			found, _, err := r.lookup(ctx, e.ProbeHost())
			if err != nil {
				return probe.DialResult{}, fmt.Errorf("look up %s: %w", e.ProbeHost(), err)
			}
			addrs = found
		}
		d := patientDialer{base: r.opts.Env.Dialer, evidence: &r.connects, syns: r.syns, dns: er.dnsTook}
		return probe.Dial(ctx, d, addrs, e.Port)
	}
	// A proxy that drops the SYN is concluded dead on the same evidence as
	// an endpoint (patientDialer), so the next way gets its turn.
	base := patientDialer{base: r.opts.Env.Dialer, evidence: &r.connects, syns: r.syns}
	d := &probe.ProxyDialer{Proxy: w.Proxy, Base: base, Roots: r.opts.Roots}
	conn, err := d.DialContext(ctx, "tcp", e.Address())
	if err != nil {
		return probe.DialResult{}, err
	}
	return probe.DialResult{Conn: conn, Remote: e.Address() + " via " + proxy.Redacted(w.Proxy)}, nil
}

// pacedResolver asks each try of a lookup at the run's pace.
type pacedResolver struct {
	probe.Resolver
	pace *rate.Limiter
}

func (p pacedResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if err := p.pace.Wait(ctx); err != nil {
		return nil, err
	}
	return p.Resolver.LookupNetIP(ctx, network, host)
}

// AIABound bounds the fetch of issuers a server left out (an AIA fetch
// answers in a round trip or two; Chromium's own fetcher gives up after
// 15 s, CryptoAPI's after 15 s too, but a run has seconds).
const AIABound = 2 * time.Second

// issuerFetcher fetches AIA URLs directly, through the run's dialer.
func (r *run) issuerFetcher() probe.IssuerFetcher {
	return probe.HTTPIssuerFetcher(&http.Client{Transport: &http.Transport{
		Proxy:             nil,
		DialContext:       r.opts.Env.Dialer.DialContext,
		DisableKeepAlives: true,
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }})
}

// fallsOver says a way's failure lets the next way be tried: the proxy
// could not be reached or dropped the connection before answering
// (Chromium's proxy fallback errors: connection refused, reset, closed,
// timed out, unreachable, the proxy's name unknown or its TLS failed). A
// proxy's answer (a 403, a 407, a 502) is the proxy's word: no fallback.
func fallsOver(err error) bool {
	var pe *probe.ProxyError
	return errors.As(err, &pe) && pe.Kind == probe.KindProxyDead
}

func wayName(w proxy.Choice) string {
	if w.Direct() {
		return "DIRECT"
	}
	return proxy.Redacted(w.Proxy)
}
