package gather

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/beevik/ntp"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/hostsfile"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// source is one kind of fact and how a run gathers it.
type source struct {
	name string
	// needed says whether the (closed) needs select this source.
	needed func(n facts.Needs, o *Options) bool
	// tasks is how many progress tasks the source reports: each calls
	// run.progress.finished once.
	tasks func(o *Options) int
	// notSelected records the source when no selected check needs it.
	notSelected func(f *facts.Facts, o *Options)
	// start prepares the source's job; it touches nothing.
	start func(r *run) job
}

// sources is every fact source, in the order facts are recorded. Sources
// run at once; the three that others depend on (the system state, the
// network interfaces, the proxy settings) are shared values, read once by
// whichever asks first.
var sources = []source{
	{name: "hosts-file", needed: need(func(n facts.Needs) bool { return n.HostsFile }), tasks: none,
		notSelected: func(f *facts.Facts, _ *Options) { f.Hosts = facts.HostsFile{State: facts.HostsNotSelected} },
		start:       startHostsFile},
	{name: "system", needed: need(func(n facts.Needs) bool { return n.System }), tasks: none,
		notSelected: func(f *facts.Facts, _ *Options) { f.System = facts.System{State: facts.SystemNotSelected} },
		start:       startSystem},
	{name: "network", needed: need(func(n facts.Needs) bool { return n.Network }), tasks: none,
		notSelected: func(f *facts.Facts, _ *Options) { f.Network = facts.Network{State: "not-selected"} },
		start:       startNetwork},
	{name: "proxy", needed: need(func(n facts.Needs) bool { return n.DNS }), tasks: none,
		notSelected: func(f *facts.Facts, _ *Options) { f.Proxy = facts.ProxySettings{Source: facts.ProxyNotSelected} },
		start:       startProxy},
	{name: "endpoints", needed: need(func(n facts.Needs) bool { return n.DNS }),
		tasks:       func(o *Options) int { return len(o.Profile.Endpoints) },
		notSelected: recordEndpointsNotSelected,
		start:       startEndpoints},
	{name: "ntp", needed: need(func(n facts.Needs) bool { return n.NTP }),
		tasks:       func(o *Options) int { return len(o.Profile.NTPServerList()) },
		notSelected: func(*facts.Facts, *Options) {},
		start:       startNTP},
	{name: "sessions", needed: need(func(n facts.Needs) bool { return n.Sessions }), tasks: none,
		notSelected: func(f *facts.Facts, _ *Options) { f.Sessions = facts.Sessions{State: facts.SessionsNotSelected} },
		start:       startSessions},
	{name: "clock-settings", needed: need(func(n facts.Needs) bool { return n.ClockSettings }),
		tasks: func(o *Options) int { return count(o.Env.ClockSettings != nil) },
		notSelected: func(f *facts.Facts, _ *Options) {
			f.Clock.Settings = facts.ClockSettings{State: facts.ClockSettingsNotSelected}
		},
		start: startClockSettings},
	{name: "os-stack",
		needed: func(n facts.Needs, o *Options) bool {
			return n.OSStack && len(osStackAsks(o.Profile)) > 0
		},
		tasks: func(o *Options) int {
			if o.Env.OSStack == nil {
				return 0
			}
			return len(osStackAsks(o.Profile))
		},
		notSelected: func(f *facts.Facts, _ *Options) {
			f.OSStack = facts.OSStack{State: facts.OSStackNotSelected}
			f.OSStackScreen = facts.OSStack{State: facts.OSStackNotSelected}
		},
		start: startOSStack},
	{name: "browser", needed: need(func(n facts.Needs) bool { return n.Browser }),
		tasks:       func(*Options) int { return 1 },
		notSelected: func(f *facts.Facts, _ *Options) { f.Browser = facts.Browser{State: facts.BrowserNotSelected} },
		start:       startBrowser},
}

func need(f func(facts.Needs) bool) func(facts.Needs, *Options) bool {
	return func(n facts.Needs, _ *Options) bool { return f(n) }
}

func none(*Options) int { return 0 }

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// startHostsFile reads the hosts file: a regular file only (a FIFO or a
// device would block the open or never end), its size checked before a
// byte is read.
func startHostsFile(r *run) job {
	path := r.opts.HostsFile
	if path == "" {
		path = hostsfile.DefaultPath()
	}
	var g guarded[*facts.HostsFile]
	return job{
		gather: func(context.Context) {
			h := readHostsFile(path)
			g.set(&h)
		},
		record: func(f *facts.Facts) {
			if h := g.get(); h != nil {
				f.Hosts = *h
				return
			}
			f.Hosts = facts.HostsFile{Path: path, State: facts.HostsError, Problem: facts.HostsCutOff}
		},
	}
}

func readHostsFile(path string) facts.HostsFile {
	h := facts.HostsFile{Path: path}
	fail := func(problem string, err error) facts.HostsFile {
		h.State, h.Problem = facts.HostsError, problem
		if err != nil {
			h.Error = err.Error()
		}
		return h
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		h.State = facts.HostsMissing
		return h
	case err != nil:
		return fail(facts.HostsUnreadable, err)
	case !st.Mode().IsRegular():
		return fail(facts.HostsNotRegular, nil)
	case st.Size() > hostsfile.MaxSize:
		return fail(facts.HostsTooLarge, nil)
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(facts.HostsUnreadable, err)
	}
	defer fh.Close()
	entries, lines, err := hostsfile.Parse(fh)
	h.Entries, h.Lines = entries, lines
	switch {
	case errors.Is(err, hostsfile.ErrTooLarge):
		return fail(facts.HostsTooLarge, nil)
	}
	if err != nil {
		return fail(facts.HostsUnreadable, err)
	}
	h.State = facts.HostsRead
	return h
}

// startSystem reads the Windows system state (the shared read the proxy
// discovery uses too).
func startSystem(r *run) job {
	return job{
		gather: func(ctx context.Context) { r.system.get(ctx) },
		record: func(f *facts.Facts) {
			if s, ok := r.system.peek(); ok {
				f.System = s
				return
			}
			f.System = facts.System{State: facts.SystemError, CutOff: true}
		},
	}
}

func startNetwork(r *run) job {
	return job{
		gather: func(ctx context.Context) { r.network.get(ctx) },
		record: func(f *facts.Facts) {
			if n, ok := r.network.peek(); ok {
				f.Network = n
				return
			}
			f.Network = facts.Network{State: "error", CutOff: true}
		},
	}
}

// pacFetchShare is the part of the run's deadline one PAC or wpad.dat
// fetch may take (at most proxy.MaxPACFetch): a silent PAC server then
// still leaves the endpoints half the run, so the report says both what the
// PAC server did and what the endpoints did.
const pacFetchShare = 2

// startProxy decides the proxy settings: the flag's, or the system's
// (Internet Settings, then WPAD and the PAC script, then the environment).
func startProxy(r *run) job {
	return job{
		gather: func(ctx context.Context) { r.proxy.get(ctx) },
		record: func(f *facts.Facts) {
			s, ok := r.proxy.peek()
			if !ok {
				f.Proxy = facts.ProxySettings{Source: "unknown", PAC: facts.PACFetchTimeout}
				return
			}
			f.Proxy = proxyFacts(s)
		},
	}
}

// discoverProxy is the proxy source's shared computation.
func (r *run) discoverProxy(ctx context.Context) proxy.Settings {
	var sys facts.System
	if r.opts.Proxy == nil {
		sys, _ = r.system.get(ctx) // cut off: no Windows settings known; the environment decides
	}
	s := proxy.Discover(r.opts.Proxy, r.opts.Env.Getenv, sys)
	bound := min(proxy.MaxPACFetch, r.opts.Timeout/pacFetchShare)
	fetch := func(ctx context.Context, url string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, bound)
		defer cancel()
		return r.opts.Env.FetchPAC(ctx, url)
	}
	s.LoadPAC(ctx, fetch)
	if s.PAC != nil {
		n, _ := r.network.get(ctx) // read once, with net.vpn's
		s.PACEnv = proxy.PACEnv{Resolve: r.resolveAll, MyIP: myIPs(n), Now: r.opts.Env.Now}
	}
	return s
}

// resolveAll is dnsResolve for a PAC: the run's resolver.
func (r *run) resolveAll(ctx context.Context, host string) []string {
	addrs, err := probe.Lookup(ctx, r.opts.Env.Resolver, host)
	if err != nil {
		return nil
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

// myIPs is what myIpAddress answers, as WinHTTP and Chromium choose it: the
// addresses of the interface the default route leaves by, IPv4 first, else
// of any interface that is up; none (so 127.0.0.1) without a network. An
// office-LAN branch of a PAC ("isInNet(myIpAddress(), …)") is then taken
// as on the PC.
func myIPs(n facts.Network) []string {
	var v4, v6 []string
	pick := func(ni facts.NetInterface) {
		for _, cidr := range ni.Addrs {
			p, err := netip.ParsePrefix(cidr)
			if err != nil {
				continue
			}
			a := p.Addr()
			switch {
			case a.IsLoopback() || a.IsLinkLocalUnicast():
			case a.Is4():
				v4 = append(v4, a.String())
			default:
				v6 = append(v6, a.String())
			}
		}
	}
	for _, ni := range n.Interfaces {
		if ni.Up && ni.Name == n.DefaultRoute {
			pick(ni)
		}
	}
	if len(v4)+len(v6) == 0 {
		for _, ni := range n.Interfaces {
			if ni.Up && ni.Type != "loopback" {
				pick(ni)
			}
		}
	}
	return append(v4, v6...)
}

func proxyFacts(s proxy.Settings) facts.ProxySettings {
	p := facts.ProxySettings{
		Source: s.Source, Bypass: s.Bypass, AutoConfigURL: s.AutoConfigURL, AutoDetect: s.AutoDetect,
		WPADTried: s.WPADTried, WinHTTP: s.WinHTTP, PAC: s.PACState, PACError: rawError(s.PACErr),
	}
	if p.Source == "" {
		p.Source = proxy.SourceNone
	}
	if s.Proxy != nil {
		p.Proxy = proxy.Redacted(s.Proxy)
	}
	return p
}

func startNTP(r *run) job {
	servers := r.opts.Profile.NTPServerList()
	runs := make([]*guarded[facts.NTPSample], len(servers))
	return job{
		gather: func(ctx context.Context) {
			done := make(chan struct{}, len(servers))
			for i, server := range servers {
				runs[i] = &guarded[facts.NTPSample]{}
				runs[i].set(facts.NTPSample{Step: r.begin(), Server: server})
			}
			for i, server := range servers {
				go func() {
					defer func() { done <- struct{}{} }()
					smp := r.ntp(ctx, server, runs[i].get().Step)
					runs[i].set(smp)
					r.progress.finished("NTP "+server, smp.State == facts.StepOK, false)
				}()
			}
			for range servers {
				<-done
			}
		},
		record: func(f *facts.Facts) {
			for i, server := range servers {
				var smp facts.NTPSample
				if runs[i] != nil {
					smp = runs[i].get()
				} else {
					smp = facts.NTPSample{Server: server, Step: facts.Step{State: facts.StepRunning}}
				}
				if smp.State == facts.StepRunning {
					r.cut(&smp.Step, facts.WaitNTPAnswer)
				}
				f.Clock.NTP = append(f.Clock.NTP, smp)
			}
		},
	}
}

// ntpTarget resolves an NTP server, "host" or "host:port", to the
// "address:port" the query is sent to (port 123 when none is given).
func (r *run) ntpTarget(ctx context.Context, server string) (string, error) {
	host, port := server, "123"
	if h, p, err := net.SplitHostPort(server); err == nil {
		host, port = h, p
	}
	addrs, err := probe.Lookup(ctx, r.opts.Env.Resolver, host)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(addrs[0].String(), port), nil
}

// ntp asks one NTP server for the time (beevik/ntp), bounded by the run's
// deadline, measured against this machine's clock (Env.Now).
func (r *run) ntp(ctx context.Context, server string, started facts.Step) facts.NTPSample {
	smp := facts.NTPSample{Step: started, Server: server}
	timeout := ntpTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	// The server's name is looked up as the endpoints' are (probe.Lookup:
	// a lost query is asked again at 1, 2 and 4 s, as the Windows DNS
	// client does), not by the NTP library's own lookup, which waits out
	// the resolver's whole timeout (5 s here) for one lost UDP query.
	target, err := r.ntpTarget(ctx, server)
	if err != nil {
		r.end(&smp.Step, err, probe.ClassifyDNS(err))
		return smp
	}
	resp, err := ntp.QueryWithOptions(target, ntp.QueryOptions{Timeout: timeout, GetSystemTime: r.opts.Env.Now})
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
	r.end(&smp.Step, err, kind)
	if err != nil {
		if smp.State == facts.StepTimeout {
			smp.WaitingOn = facts.WaitNTPAnswer
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

func startClockSettings(r *run) job {
	read := r.opts.Env.ClockSettings
	var g guarded[*facts.ClockSettings]
	return job{
		gather: func(ctx context.Context) {
			if read == nil {
				return
			}
			s := read(ctx)
			g.set(&s)
			r.progress.finished(i18n.Key("clock settings"), s.State == facts.ClockSettingsRead, false)
		},
		record: func(f *facts.Facts) {
			switch s := g.get(); {
			case read == nil:
				f.Clock.Settings = facts.ClockSettings{State: facts.ClockSettingsUnavailable}
			case s != nil:
				f.Clock.Settings = *s
			default:
				f.Clock.Settings = facts.ClockSettings{State: facts.ClockSettingsUnavailable, CutOff: true}
			}
		},
	}
}

// startOSStack makes one request through WinHTTP to each leg's endpoint,
// side by side: the service (the web leg's; WebView2 does not use WinHTTP,
// so it says what Windows' own TLS settings allow) and the RDP relay (the
// screen leg's: SCHANNEL is the TLS the screen goes through).
func startOSStack(r *run) job {
	request := r.opts.Env.OSStack
	asks := osStackAsks(r.opts.Profile)
	got := make([]guarded[*facts.OSStack], len(asks))
	return job{
		gather: func(ctx context.Context) {
			if request == nil {
				return
			}
			var wg sync.WaitGroup
			for i, a := range asks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					o := request(ctx, a.url)
					o.Leg = a.leg
					got[i].set(&o)
					r.progress.finished("WinHTTP "+a.url, o.State == facts.OSStackOK || o.SecureChannel, false)
				}()
			}
			wg.Wait()
		},
		record: func(f *facts.Facts) {
			f.OSStack = facts.OSStack{State: facts.OSStackNoEndpoint, Leg: leg.Web}
			f.OSStackScreen = facts.OSStack{State: facts.OSStackNoEndpoint, Leg: leg.Screen}
			for i, a := range asks {
				var o facts.OSStack
				switch g := got[i].get(); {
				case request == nil:
					o = facts.OSStack{State: facts.OSStackNotWindows, Leg: a.leg}
				case g != nil:
					o = *g
				default:
					o = facts.OSStack{State: facts.OSStackTimeout, URL: a.url, CutOff: true, DurationMS: r.elapsedMS(), Leg: a.leg}
				}
				if a.leg == leg.Screen {
					f.OSStackScreen = o
				} else {
					f.OSStack = o
				}
			}
		},
	}
}

// osStackAsk is one endpoint the OS stack is asked about, and its leg.
type osStackAsk struct {
	url string
	leg leg.Leg
}

// osStackAsks lists what WinHTTP is asked: the web leg's main endpoint and
// the screen leg's RDP relay, each when the profile has one.
func osStackAsks(p *profile.Profile) []osStackAsk {
	var asks []osStackAsk
	for _, l := range []leg.Leg{leg.Web, leg.Screen} {
		if e, ok := mainEndpoint(p, l); ok {
			asks = append(asks, osStackAsk{url: "https://" + e.Address() + "/", leg: l})
		}
	}
	return asks
}

// mainEndpoint is the endpoint of leg l the OS-stack request goes to: the
// first required one (the profile lists the Remote Assistance Service
// first, and the RDP relay is the screen leg's), else the first.
func mainEndpoint(p *profile.Profile, l leg.Leg) (profile.Endpoint, bool) {
	var first *profile.Endpoint
	for i, e := range p.Endpoints {
		if e.Leg() != l {
			continue
		}
		if e.Required {
			return e, true
		}
		if first == nil {
			first = &p.Endpoints[i]
		}
	}
	if first != nil {
		return *first, true
	}
	return profile.Endpoint{}, false
}

// rawError is an error as the OS, a library or the peer said it, without
// the sentences qadoctor's own packages wrap around it (those are said by
// the judges, from the facts' codes, in the person's language).
func rawError(err error) string {
	if err == nil {
		return ""
	}
	var pe *probe.ProxyError
	if errors.As(err, &pe) && pe.Err != nil {
		return rawError(pe.Err)
	}
	var pac *proxy.PACError
	if errors.As(err, &pac) && pac.Err != nil {
		return rawError(pac.Err)
	}
	return fmt.Sprint(err)
}
