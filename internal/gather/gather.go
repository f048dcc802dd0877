// Package gather runs a diagnosis's probes concurrently under one deadline
// and records what they saw as facts. Every endpoint gets one name lookup
// and one TCP+TLS chain, shared by every check that needs them; version
// probes run beside the chain, not after it. Nothing here judges.
package gather

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/beevik/ntp"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/hostsfile"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// Plan says which facts to gather. Checks declare what they need and the
// union of the selected checks' needs is the plan; a fact no selected check
// needs is not gathered.
type Plan struct {
	HostsFile bool
	DNS       bool
	TCP       bool // implies DNS
	TLS       bool // implies TCP
	Versions  bool // implies DNS and TCP reachability
	System    bool // the Windows system state
	OSStack   bool // one request through the OS's own HTTP stack
	HTTP      bool // a HEAD request on each endpoint's TLS connection; implies TLS
	NTP       bool // the profile's NTP servers
	// ClockSettings reads how the machine keeps time (timedatectl on
	// Linux; on Windows the registry values come with System).
	ClockSettings bool
	Network       bool // the network interfaces and the default route
}

// Union is a plan that gathers what either plan gathers.
func (p Plan) Union(q Plan) Plan {
	return Plan{
		HostsFile: p.HostsFile || q.HostsFile,
		DNS:       p.DNS || q.DNS,
		TCP:       p.TCP || q.TCP,
		TLS:       p.TLS || q.TLS,
		Versions:  p.Versions || q.Versions,
		System:    p.System || q.System,
		OSStack:   p.OSStack || q.OSStack,
		HTTP:      p.HTTP || q.HTTP,
		NTP:       p.NTP || q.NTP,

		ClockSettings: p.ClockSettings || q.ClockSettings,
		Network:       p.Network || q.Network,
	}
}

// normalized adds the steps a requested step depends on.
func (p Plan) normalized() Plan {
	p.TLS = p.TLS || p.HTTP
	p.TCP = p.TCP || p.TLS || p.Versions
	p.DNS = p.DNS || p.TCP
	return p
}

// Options is what a run needs. Zero values of the optional fields select
// the real thing.
type Options struct {
	Profile     *profile.Profile
	ProfileName string
	Timeout     time.Duration // the whole run's deadline
	Plan        Plan

	Resolver  probe.Resolver // nil: net.DefaultResolver
	Dialer    probe.Dialer   // nil: a plain *net.Dialer
	Roots     *x509.CertPool // nil: the system roots
	HostsFile string         // "": the platform's hosts file
	Now       func() time.Time
	// System reads the Windows system state; nil means there is none (the
	// checks skip, saying so).
	System func() facts.System
	// OSStack requests a URL through the OS's own HTTP stack; nil means
	// there is none here.
	OSStack func(ctx context.Context, url string) facts.OSStack
	// ClockSettings reads how the machine keeps time; nil means there is no
	// way here.
	ClockSettings func(context.Context) facts.ClockSettings
	// Proxy decides each endpoint's way; the zero value is direct.
	Proxy proxy.Settings
	// Network lists the interfaces; nil means none are known.
	Network func() facts.Network
	// Progress, when set, hears of each probe as it finishes: an
	// endpoint's whole chain (with its version probes), an NTP server, the
	// OS stack's request, the clock settings. Calls come one at a time,
	// from the probes' goroutines, so it must not block for long.
	Progress func(Progress)
}

// Progress says how far a run is: Done of Total probes have finished, the
// last being Task, which ended well (OK) or not.
type Progress struct {
	Done, Total int
	Task        string
	OK          bool
}

// tracker counts finished probes for Options.Progress.
type tracker struct {
	mu          sync.Mutex
	done, total int
	report      func(Progress)
}

// add counts a probe that will report when it finishes.
func (t *tracker) add() { t.total++ }

func (t *tracker) finished(task string, ok bool) {
	if t.report == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	t.report(Progress{Done: t.done, Total: t.total, Task: task, OK: ok})
}

// cutoffGrace is how long Run waits past the deadline for probes to notice
// it. Every probe honours its context, so they return within milliseconds;
// the grace only matters if a platform call ignores cancellation, and keeps
// the command within a second of --timeout.
const cutoffGrace = 300 * time.Millisecond

// Run gathers the facts the plan asks for. It returns by the deadline plus
// cutoffGrace, whatever the network does; a probe still waiting then is
// recorded as a timeout saying what it waited on.
func Run(ctx context.Context, opts Options) *facts.Facts {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	plan := opts.Plan.normalized()
	start := time.Now() // monotonic, for step timings; opts.Now is the wall clock reported
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	p := opts.Profile
	f := &facts.Facts{
		Started:   now().UTC(),
		TimeoutMS: opts.Timeout.Milliseconds(),
		Profile: facts.ProfileInfo{
			Name:    opts.ProfileName,
			Version: p.Version,
			Source:  p.Source.URL,
			Date:    p.Source.Date,
		},
		MinTLS: p.MinTLS,
	}
	g := &gatherer{opts: opts, plan: plan, start: start, now: now, conns: make(chan struct{}, MaxConcurrentConnections)}
	if g.opts.Resolver == nil {
		g.opts.Resolver = netResolver()
	}
	if g.opts.Dialer == nil {
		g.opts.Dialer = netDialer()
	}

	f.Proxy = facts.ProxySettings{Source: cmp.Or(opts.Proxy.Source, proxy.SourceNone),
		Bypass: opts.Proxy.Bypass, AutoConfigURL: opts.Proxy.AutoConfigURL, AutoDetect: opts.Proxy.AutoDetect, WPADTried: opts.Proxy.WPADTried, WinHTTP: opts.Proxy.WinHTTP}
	if opts.Proxy.Proxy != nil {
		f.Proxy.Proxy = proxy.Redacted(opts.Proxy.Proxy)
	}
	eps := make([]*endpointRun, len(p.Endpoints))
	var wg sync.WaitGroup
	// Every probe is counted before the first starts, so Total never moves.
	progress := &tracker{report: opts.Progress}
	if plan.DNS {
		for range p.Endpoints {
			progress.add()
		}
	}
	if plan.NTP {
		for range p.NTPServerList() {
			progress.add()
		}
	}
	if _, ok := mainEndpoint(p); plan.OSStack && ok && opts.OSStack != nil {
		progress.add()
	}
	if plan.ClockSettings && opts.ClockSettings != nil {
		progress.add()
	}
	for i, e := range p.Endpoints {
		eps[i] = newEndpointRun(e, plan)
		rt := opts.Proxy.RouteFor(ctx, e.ProbeHost())
		eps[i].route = rt
		eps[i].f.Route = facts.Route{Via: "direct", Source: cmp.Or(rt.Source, proxy.SourceNone), Why: rt.Why}
		if rt.Proxy != nil {
			eps[i].f.Route.Via, eps[i].f.Route.Proxy = "proxy", proxy.Redacted(rt.Proxy)
		}
		if rt.Err != "" {
			eps[i].f.Route.Via, eps[i].f.Route.Why = "unknown", rt.Err
		}
		if plan.DNS {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.endpoint(ctx, eps[i])
				progress.finished(e.Address(), eps[i].ok())
			}()
		}
	}
	f.Clock.MaxSkewMS = p.MaxSkew().Milliseconds()
	var ntpRuns []*guarded[facts.NTPSample]
	if plan.NTP {
		for _, server := range p.NTPServerList() {
			r := &guarded[facts.NTPSample]{}
			g.begin(&r.v.Step)
			r.v.Server = server
			ntpRuns = append(ntpRuns, r)
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.set(g.ntp(ctx, server, r.get().Step))
				progress.finished("NTP "+server, r.get().State == facts.StepOK)
			}()
		}
	}
	settings := &guarded[facts.ClockSettings]{v: facts.ClockSettings{State: facts.ClockSettingsNotSelected}}
	switch {
	case !plan.ClockSettings:
	case opts.ClockSettings == nil:
		settings.set(facts.ClockSettings{State: facts.ClockSettingsUnavailable})
	default:
		wg.Add(1)
		go func() {
			defer wg.Done()
			settings.set(opts.ClockSettings(ctx))
			progress.finished(i18n.Key("clock settings"), settings.get().State == facts.ClockSettingsRead)
		}()
	}
	osStack := &guarded[facts.OSStack]{v: facts.OSStack{State: facts.OSStackNotSelected}}
	switch e, ok := mainEndpoint(p); {
	case !plan.OSStack || !ok:
	case opts.OSStack == nil:
		osStack.set(facts.OSStack{State: facts.OSStackNotWindows})
	default:
		osURL := "https://" + e.Address() + "/"
		osStack.set(facts.OSStack{State: facts.OSStackTimeout, URL: osURL, Error: "cut off at the run's deadline"})
		wg.Add(1)
		go func() {
			defer wg.Done()
			osStack.set(opts.OSStack(ctx, osURL))
			progress.finished("WinHTTP "+osURL, osStack.get().State == facts.OSStackOK)
		}()
	}
	switch {
	case !plan.Network:
		f.Network = facts.Network{State: "not-selected"}
	case opts.Network == nil:
		f.Network = facts.Network{State: "error", Error: "no way to list interfaces here"}
	default:
		f.Network = opts.Network()
	}
	if plan.HostsFile {
		f.Hosts = readHostsFile(opts.HostsFile)
	} else {
		f.Hosts = facts.HostsFile{State: facts.HostsNotSelected}
	}
	switch {
	case !plan.System:
		f.System = facts.System{State: facts.SystemNotSelected}
	case opts.System == nil:
		f.System = facts.System{State: facts.SystemNotWindows}
	default:
		f.System = opts.System()
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		select {
		case <-done:
		case <-time.After(cutoffGrace):
		}
	}
	f.OSStack = osStack.get()
	f.Clock.Settings = settings.get()
	for _, r := range ntpRuns {
		smp := r.get()
		if smp.State == facts.StepRunning {
			smp.State, smp.Kind, smp.Error = facts.StepTimeout, facts.KindTimeout, "cut off at the run's deadline"
			smp.WaitingOn = i18n.Key("an answer from the NTP server (UDP port 123 may be blocked)")
		}
		f.Clock.NTP = append(f.Clock.NTP, smp)
	}
	elapsed := ms(time.Since(start))
	for _, e := range eps {
		f.Endpoints = append(f.Endpoints, e.snapshot(elapsed))
	}
	return f
}

type gatherer struct {
	opts  Options
	plan  Plan
	start time.Time
	now   func() time.Time
	conns chan struct{} // a slot per connection open at once
}

// MaxConcurrentConnections caps the connections a run opens at once. The
// real profile needs 16 endpoints × 5 = 80; 128 leaves room for a larger
// profile while staying far below what a PC or a proxy tolerates from one
// program.
const MaxConcurrentConnections = 128

// MaxChainRecorded caps the certificates a report records per chain: real
// chains have 2 to 4; a hostile server's hundred would only bloat reports.
const MaxChainRecorded = 16

// slot waits for a free connection slot, or the deadline.
func (g *gatherer) slot(ctx context.Context) (release func(), err error) {
	select {
	case g.conns <- struct{}{}:
		return func() { <-g.conns }, nil
	case <-ctx.Done():
		return func() {}, ctx.Err()
	}
}

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return round3(float64(d.Microseconds()) / 1000) }

// round3 rounds to three decimals, so differences of milliseconds read
// 0.102 in JSON, not 0.10200000000000001.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// endpointRun is one endpoint's facts while they are being gathered. The
// mutex guards against the snapshot taken at the deadline while probes may
// still be writing.
type endpointRun struct {
	mu    sync.Mutex
	f     facts.EndpointFacts
	route proxy.Route // read-only once gathering starts
}

var probedVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}

func newEndpointRun(e profile.Endpoint, plan Plan) *endpointRun {
	notSelected := facts.Step{State: facts.StepNotRun, Kind: facts.KindNotSelected, Error: i18n.Key("not needed by the selected checks")}
	r := &endpointRun{f: facts.EndpointFacts{Endpoint: e}}
	r.f.DNS = facts.DNS{Step: notSelected, Host: e.ProbeHost()}
	r.f.TCP = facts.TCP{Step: notSelected}
	r.f.TLS = facts.TLS{Step: notSelected, ServerName: e.ProbeHost()}
	r.f.HTTP = facts.HTTP{Step: notSelected}
	if plan.Versions {
		for _, v := range probedVersions {
			r.f.Versions = append(r.f.Versions, facts.VersionProbe{Step: notSelected, Version: probe.VersionName(v)})
		}
	}
	return r
}

// update changes the endpoint's facts under its lock.
func (r *endpointRun) update(fn func(*facts.EndpointFacts)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(&r.f)
}

// ok reports whether every step that ran ended well.
func (r *endpointRun) ok() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range []facts.Step{r.f.DNS.Step, r.f.TCP.Step, r.f.TLS.Step, r.f.HTTP.Step} {
		if s.State == facts.StepFailed || s.State == facts.StepTimeout {
			return false
		}
	}
	return true
}

// snapshot copies the facts, turning steps still running into timeouts.
func (r *endpointRun) snapshot(elapsedMS float64) facts.EndpointFacts {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.f
	f.Versions = append([]facts.VersionProbe(nil), r.f.Versions...)
	cut := func(s *facts.Step, waiting string) {
		if s.State == facts.StepRunning {
			s.State, s.Kind = facts.StepTimeout, facts.KindTimeout
			s.DurationMS = round3(elapsedMS - s.StartMS)
			s.Error = "cut off at the run's deadline"
			if s.WaitingOn == "" {
				s.WaitingOn = waiting
			}
		}
	}
	cut(&f.DNS.Step, i18n.Key("an answer from the DNS resolver"))
	cut(&f.TCP.Step, i18n.Key("the TCP handshake"))
	cut(&f.TLS.Step, i18n.Key("the TLS handshake"))
	cut(&f.HTTP.Step, i18n.Key("the answer to HEAD /"))
	for i := range f.Versions {
		cut(&f.Versions[i].Step, i18n.Key("the TLS handshake"))
	}
	return f
}

// begin marks a step as running from now.
func (g *gatherer) begin(s *facts.Step) {
	*s = facts.Step{State: facts.StepRunning, StartMS: ms(time.Since(g.start))}
}

// end records a step's outcome.
func (g *gatherer) end(s *facts.Step, err error, kind string) {
	s.DurationMS = round3(ms(time.Since(g.start)) - s.StartMS)
	switch {
	case err == nil:
		s.State = facts.StepOK
	case kind == facts.KindTimeout:
		s.State, s.Kind, s.Error = facts.StepTimeout, kind, err.Error()
	default:
		s.State, s.Kind, s.Error = facts.StepFailed, kind, err.Error()
	}
}

func blocked(why string) facts.Step {
	return facts.Step{State: facts.StepNotRun, Kind: facts.KindBlocked, Error: why}
}

func (g *gatherer) endpoint(ctx context.Context, r *endpointRun) {
	e := r.f.Endpoint
	host := e.ProbeHost()

	if r.route.Proxy != nil || r.route.Err != "" {
		// The proxy resolves the name; this PC need not.
		r.update(func(f *facts.EndpointFacts) {
			f.DNS.Step = facts.Step{State: facts.StepNotRun, Kind: facts.KindProxied, Error: i18n.Key("the proxy resolves the name")}
		})
		g.connectAndProbe(ctx, r, nil)
		return
	}
	r.update(func(f *facts.EndpointFacts) { g.begin(&f.DNS.Step) })
	addrs, err := probe.Lookup(ctx, g.opts.Resolver, host)
	r.update(func(f *facts.EndpointFacts) {
		g.end(&f.DNS.Step, err, probe.ClassifyDNS(err))
		if err != nil {
			f.DNS.WaitingOn = "an answer from the DNS resolver for " + host
		}
		for _, a := range addrs {
			f.DNS.Addrs = append(f.DNS.Addrs, a.String())
		}
	})
	if err != nil {
		why := i18n.Key("the DNS lookup failed")
		r.update(func(f *facts.EndpointFacts) {
			if g.plan.TCP {
				f.TCP.Step = blocked(why)
			}
			if g.plan.TLS {
				f.TLS.Step = blocked(why)
			}
			if g.plan.HTTP {
				f.HTTP.Step = blocked(why)
			}
			for i := range f.Versions {
				f.Versions[i].Step = blocked(why)
			}
		})
		return
	}
	if !g.plan.TCP {
		return
	}
	g.connectAndProbe(ctx, r, addrs)
}

// connectAndProbe runs the endpoint's chain and its version probes side by
// side, on the resolved addresses or through the endpoint's proxy.
func (g *gatherer) connectAndProbe(ctx context.Context, r *endpointRun, addrs []netip.Addr) {
	if !g.plan.TCP {
		return
	}
	var wg sync.WaitGroup
	if g.plan.Versions {
		for i, v := range probedVersions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.version(ctx, r, i, v, addrs)
			}()
		}
	}
	g.chain(ctx, r, addrs)
	wg.Wait()
}

// chain is the endpoint's one TCP connection and verified TLS handshake.
func (g *gatherer) chain(ctx context.Context, r *endpointRun, addrs []netip.Addr) {
	release, _ := g.slot(ctx) // at the deadline the dial itself reports it
	defer release()
	e := r.f.Endpoint
	r.update(func(f *facts.EndpointFacts) { g.begin(&f.TCP.Step) })
	dr, err := g.dial(ctx, r, addrs)
	r.update(func(f *facts.EndpointFacts) {
		g.end(&f.TCP.Step, err, probe.ClassifyNet(err))
		f.TCP.Remote = dr.Remote
		f.TCP.Attempts = dr.Attempts
		if err != nil && r.route.Proxy != nil {
			f.TCP.WaitingOn = "the proxy's answer to CONNECT " + e.Address()
		} else if err != nil {
			f.TCP.WaitingOn = fmt.Sprintf("the TCP handshake (SYN-ACK) from %s port %d", strings.Join(addrStrings(addrs), ", "), e.Port)
		}
	})
	if err != nil {
		r.update(func(f *facts.EndpointFacts) {
			if g.plan.TLS {
				f.TLS.Step = blocked(i18n.Key("the TCP connection failed"))
			}
			if g.plan.HTTP {
				f.HTTP.Step = blocked(i18n.Key("the TCP connection failed"))
			}
		})
		return
	}
	if !g.plan.TLS {
		dr.Conn.Close()
		return
	}

	minV := g.opts.Profile.MinTLSVersion()
	r.update(func(f *facts.EndpointFacts) {
		g.begin(&f.TLS.Step)
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
		Roots:      g.opts.Roots,
		Now:        g.now,
		KeepOpen:   g.plan.HTTP,
	})
	r.update(func(f *facts.EndpointFacts) {
		t := &f.TLS
		g.end(&t.Step, err, probe.ClassifyTLS(err))
		t.BytesRead, t.BytesSent = res.BytesRead, res.BytesSent
		if err != nil && t.State == facts.StepTimeout {
			t.WaitingOn = handshakeWait(res.BytesRead)
		}
		for i, c := range res.Chain {
			if i == MaxChainRecorded {
				t.Chain = append(t.Chain, facts.Certificate{Subject: fmt.Sprintf("(%d more certificates not recorded)", len(res.Chain)-i)})
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
		if err != nil && g.plan.HTTP {
			f.HTTP.Step = blocked(i18n.Key("the TLS handshake failed"))
		}
	})
	if res.Conn != nil {
		defer res.Conn.Close()
		g.http(ctx, r, res.Conn)
	}
}

// http sends HEAD / on the endpoint's own TLS connection and reads the
// server's clock from its Date header.
func (g *gatherer) http(ctx context.Context, r *endpointRun, conn *tls.Conn) {
	host := r.f.Endpoint.ProbeHost()
	r.update(func(f *facts.EndpointFacts) { g.begin(&f.HTTP.Step) })
	res, err := probe.Head(ctx, conn, host, g.now)
	r.update(func(f *facts.EndpointFacts) {
		h := &f.HTTP
		g.end(&h.Step, err, probe.ClassifyNet(err))
		if err != nil {
			if h.State == facts.StepTimeout {
				h.WaitingOn = i18n.Key("the answer to HEAD /")
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

// ntp asks one NTP server for the time (beevik/ntp), bounded by the run's
// deadline, measured against this machine's clock (opts.Now).
func (g *gatherer) ntp(ctx context.Context, server string, started facts.Step) facts.NTPSample {
	smp := facts.NTPSample{Step: started, Server: server}
	timeout := ntpTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	resp, err := ntp.QueryWithOptions(server, ntp.QueryOptions{Timeout: timeout, GetSystemTime: g.now})
	if err == nil {
		err = resp.Validate()
	}
	kind := probe.ClassifyNet(err)
	switch {
	case errors.Is(err, ntp.ErrKissOfDeath):
		kind = "kiss-of-death"
	case errors.Is(err, ntp.ErrServerNotSynchronized), errors.Is(err, ntp.ErrInvalidStratum), errors.Is(err, ntp.ErrServerClockFreshness):
		kind = "unsynchronized"
	case err != nil && kind == facts.KindOther && ctx.Err() != nil:
		kind = facts.KindTimeout
	}
	g.end(&smp.Step, err, kind)
	if err != nil {
		if smp.State == facts.StepTimeout {
			smp.WaitingOn = i18n.Key("an answer from the NTP server (UDP port 123 may be blocked)")
		}
		return smp
	}
	smp.OffsetMS = ms(resp.ClockOffset)
	smp.RTTMS = ms(resp.RTT)
	smp.Stratum = resp.Stratum
	smp.RefID = resp.ReferenceString()
	return smp
}

// ntpTimeout bounds one NTP query: W32Time itself waits a few seconds; an
// NTP answer on a working path comes in well under one.
const ntpTimeout = 5 * time.Second

// handshakeWait says where a stalled handshake stopped.
func handshakeWait(read int64) string {
	if read == 0 {
		return i18n.Key("the server's first TLS reply (ServerHello), and none came")
	}
	return fmt.Sprintf("the rest of the TLS handshake after the server's first %d bytes", read)
}

// version is one handshake pinned to a single TLS version, on its own
// connection. It only asks whether the version is accepted, so it does not
// verify the chain, and it offers every cipher suite crypto/tls has.
func (g *gatherer) version(ctx context.Context, r *endpointRun, i int, v uint16, addrs []netip.Addr) {
	release, _ := g.slot(ctx)
	defer release()
	e := r.f.Endpoint
	r.update(func(f *facts.EndpointFacts) { g.begin(&f.Versions[i].Step) })
	dr, err := g.dial(ctx, r, addrs)
	if err != nil {
		r.update(func(f *facts.EndpointFacts) {
			// A version probe that cannot connect says nothing about the
			// version: the TCP step reports the connection failure.
			f.Versions[i].Step = blocked("the TCP connection failed: " + err.Error())
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
		Now:              g.now,
		AcceptedIsEnough: true,
	})
	r.update(func(f *facts.EndpointFacts) {
		vp := &f.Versions[i]
		g.end(&vp.Step, err, probe.ClassifyTLS(err))
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

func readHostsFile(path string) facts.HostsFile {
	if path == "" {
		path = hostsfile.DefaultPath()
	}
	h := facts.HostsFile{Path: path}
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		h.State = facts.HostsMissing
		return h
	}
	if err != nil {
		h.State, h.Error = facts.HostsError, err.Error()
		return h
	}
	defer fh.Close()
	entries, lines, err := hostsfile.Parse(fh)
	h.Entries, h.Lines = entries, lines
	if err != nil {
		h.State, h.Error = facts.HostsError, fmt.Sprintf("read %s: %v", path, err)
		return h
	}
	h.State = facts.HostsRead
	return h
}

func netResolver() probe.Resolver { return net.DefaultResolver }

func netDialer() probe.Dialer { return &net.Dialer{} }

func addrStrings(addrs []netip.Addr) []string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return s
}

// mainEndpoint is the endpoint the OS-stack request goes to: the first
// required one (the profile lists the Remote Assistance Service first).
func mainEndpoint(p *profile.Profile) (profile.Endpoint, bool) {
	for _, e := range p.Endpoints {
		if e.Required {
			return e, true
		}
	}
	if len(p.Endpoints) > 0 {
		return p.Endpoints[0], true
	}
	return profile.Endpoint{}, false
}

// guarded is a value written by a probe and read by the snapshot taken at
// the deadline, whichever comes first.
type guarded[T any] struct {
	mu sync.Mutex
	v  T
}

func (g *guarded[T]) set(v T) { g.mu.Lock(); g.v = v; g.mu.Unlock() }

func (g *guarded[T]) get() T { g.mu.Lock(); defer g.mu.Unlock(); return g.v }

// dial connects to the endpoint: to its addresses in turn, or through its
// proxy with CONNECT for its name.
func (g *gatherer) dial(ctx context.Context, r *endpointRun, addrs []netip.Addr) (probe.DialResult, error) {
	e := r.f.Endpoint
	if r.route.Err != "" {
		return probe.DialResult{}, &probe.ProxyError{Kind: probe.KindProxyPAC, Err: errors.New(r.route.Err)}
	}
	if r.route.Proxy == nil {
		return probe.Dial(ctx, g.opts.Dialer, addrs, e.Port)
	}
	d := &probe.ProxyDialer{Proxy: r.route.Proxy, Base: g.opts.Dialer}
	conn, err := d.DialContext(ctx, "tcp", e.Address())
	if err != nil {
		return probe.DialResult{}, err
	}
	return probe.DialResult{Conn: conn, Remote: e.Address() + " via " + proxy.Redacted(r.route.Proxy)}, nil
}
