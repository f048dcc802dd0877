package gather

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// The exchange each endpoint's role makes after its TLS handshake, on the
// same connection, under a bound of its own.

// authority is the Host an HTTP request to the endpoint names: its name,
// and its port unless that is HTTPS's own (RFC 9110 section 7.2). A proxy
// that decrypts the traffic forwards the request to this authority.
func authority(e profile.Endpoint) string {
	if e.Port == 443 {
		return e.ProbeHost()
	}
	return e.Address()
}

// alpnFor is what the handshake offers in ALPN for an endpoint's role, as
// the client Quick Assist uses would: h2 and HTTP/1.1 for a web service;
// HTTP/1.1 only for a WebSocket, whose upgrade is an HTTP/1.1 mechanism
// (RFC 6455 section 4.1); nothing for a TURN relay, which speaks STUN, not
// HTTP (RFC 7443 registers "stun.turn", which clients do not send by
// default); nothing for the RDP relay, which Windows' RDP stack reaches
// (Microsoft documents no ALPN for it, and RDP is no HTTP).
func alpnFor(role profile.Role) []string {
	switch role {
	case profile.RoleWebSocket:
		return []string{"http/1.1"}
	case profile.RoleTURN, profile.RoleRDPRelay:
		return nil
	}
	return []string{"h2", "http/1.1"}
}

// UDPBindingBound is how long the STUN Binding over UDP waits at most:
// one try, and a relay's answer comes in one round trip. It also stops
// UDPGrace after the endpoint's own chain ends (TLS and its TURN exchange,
// several round trips), so UDP that is dropped (a firewall or VPN that
// lets only TCP out) does not slow the run.
const (
	UDPBindingBound = time.Second
	UDPGrace        = 200 * time.Millisecond
)

// bounded runs fn under the exchange's bound; byBound says the bound,
// rather than the run's deadline, ended it.
func bounded(ctx context.Context, bound time.Duration, fn func(context.Context) error) (byBound bool, err error) {
	ectx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	err = fn(ectx)
	return err != nil && ectx.Err() != nil && ctx.Err() == nil, err
}

// exchangeBound is ExchangeBound after a chain that took chain, from the
// run's evidence as it grows.
func (r *run) exchangeBound(chain time.Duration) boundFunc {
	return func() (time.Duration, <-chan struct{}, <-chan struct{}) {
		answer, answers := r.connects.answers.get()
		handshake, handshakes := r.connects.handshakes.get()
		return ExchangeBound(chain, answer, handshake), answers, handshakes
	}
}

// exchange runs fn, one exchange after the handshake, under its bound;
// an answer is evidence for the other endpoints' exchanges.
func (r *run) exchange(ctx context.Context, bound boundFunc, fn func(context.Context) error) (byBound bool, applied time.Duration, err error) {
	start := time.Now()
	byBound, applied, err = patiently(ctx, bound, fn)
	if err == nil {
		r.connects.answers.saw(time.Since(start))
	}
	return byBound, applied, err
}

// endExchange records an exchange's end: a timeout its own bound caused is
// said with the bound, so judges can tell "no answer within N ms" from the
// run's deadline.
func (r *run) endExchange(s *facts.Step, err error, kind string, byBound bool, bound time.Duration, waiting facts.Wait) {
	if byBound {
		kind = facts.KindTimeout
	}
	r.end(s, err, kind)
	s.BoundMS = ms(bound)
	if s.State == facts.StepTimeout {
		s.WaitingOn = waiting
	}
}

// http sends HEAD / on the endpoint's own TLS connection and reads the
// server's clock from its Date header.
func (r *run) http(ctx context.Context, er *endpointRun, conn *tls.Conn, bf boundFunc) {
	er.update(func(f *facts.EndpointFacts) { f.HTTP.Step = r.begin() })
	var res probe.HTTPResult
	byBound, bound, err := r.exchange(ctx, bf, func(ctx context.Context) (err error) {
		res, err = probe.Head(ctx, conn, authority(er.f.Endpoint), r.opts.Env.Now)
		return err
	})
	er.update(func(f *facts.EndpointFacts) {
		h := &f.HTTP
		r.endExchange(&h.Step, err, probe.ClassifyNet(err), byBound, bound, facts.WaitHTTPAnswer)
		if err != nil {
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

// upgrade asks for a WebSocket upgrade on the endpoint's path, on its own
// TLS connection.
func (r *run) upgrade(ctx context.Context, er *endpointRun, conn *tls.Conn, bf boundFunc) {
	e := er.f.Endpoint
	er.update(func(f *facts.EndpointFacts) { f.HTTP.Step = r.begin() })
	var res probe.UpgradeResult
	byBound, bound, err := r.exchange(ctx, bf, func(ctx context.Context) (err error) {
		res, err = probe.Upgrade(ctx, conn, authority(e), e.UpgradePath())
		return err
	})
	er.update(func(f *facts.EndpointFacts) {
		h := &f.HTTP
		r.endExchange(&h.Step, err, probe.ClassifyNet(err), byBound, bound, facts.WaitUpgrade)
		h.Status, h.Upgraded, h.Via, h.Server = res.Status, res.Upgraded, res.Via, res.Server
		if res.Status != 0 {
			h.Proto = "HTTP/1.1"
		}
	})
}

// relay sends a TURN Allocate on the endpoint's own TLS connection.
func (r *run) relay(ctx context.Context, er *endpointRun, conn *tls.Conn, bf boundFunc) {
	er.update(func(f *facts.EndpointFacts) { f.Relay.Step = r.begin() })
	var res probe.RelayResult
	byBound, bound, err := r.exchange(ctx, bf, func(ctx context.Context) (err error) {
		res, err = probe.Allocate(ctx, conn)
		return err
	})
	er.update(func(f *facts.EndpointFacts) {
		r.endExchange(&f.Relay.Step, err, probe.ClassifyNet(err), byBound, bound, facts.WaitRelayAnswer)
		setRelay(&f.Relay, res)
	})
}

// relayUDP sends one STUN Binding to the relay's UDP port.
//
// ctx ends with the endpoint's chain (plus UDPGrace); run is the run's own
// context, to tell that from the deadline.
func (r *run) relayUDP(ctx, run context.Context, er *endpointRun, addr netip.Addr) {
	release, err := r.slot(ctx)
	if err != nil {
		er.update(func(f *facts.EndpointFacts) { f.RelayUDP.Step = noSlot })
		return
	}
	defer release()
	remote := net.JoinHostPort(addr.String(), strconv.Itoa(er.f.Endpoint.UDPPort))
	step := r.begin()
	er.update(func(f *facts.EndpointFacts) { f.RelayUDP.Step, f.RelayUDP.Remote = step, remote })
	var res probe.RelayResult
	byBound, err := bounded(ctx, UDPBindingBound, func(ctx context.Context) error {
		conn, err := r.opts.Env.Dialer.DialContext(ctx, "udp", remote)
		if err != nil {
			return err
		}
		defer conn.Close()
		res, err = probe.Binding(ctx, conn)
		return err
	})
	bound := UDPBindingBound
	if err != nil && ctx.Err() != nil && run.Err() == nil {
		// The chain ended first: as long as it waited is its bound.
		byBound, bound = true, time.Duration((r.elapsedMS()-step.StartMS)*float64(time.Millisecond))
	}
	er.update(func(f *facts.EndpointFacts) {
		r.endExchange(&f.RelayUDP.Step, err, probe.ClassifyNet(err), byBound, bound, facts.WaitRelayAnswer)
		setRelay(&f.RelayUDP, res)
	})
}

func setRelay(f *facts.Relay, res probe.RelayResult) {
	f.Method, f.Class, f.ErrorCode = res.Method, res.Class, res.ErrorCode
	f.Realm, f.Software, f.Mapped = res.Realm, res.Software, res.Mapped
}
