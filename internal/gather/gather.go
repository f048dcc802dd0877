// Package gather is the one room of qadoctor that touches the world: the
// network, the registry, files, other programs. It runs every fact source
// the selected checks need at once, under one deadline, and records what
// they saw as facts (codes and values, never sentences). Nothing here
// judges.
//
// The fact sources are a table (sources, in sources.go): each entry says
// which needs select it, how many progress tasks it reports, how it runs
// under the run's context and what it records when it is not selected or
// is cut off at the deadline. Run is a loop over that table; MakePlan is
// the same loop without running anything, so a test can check which
// sources a selection starts.
//
// # Add a fact
//
//  1. Give it a field in internal/facts (plain data; states and kinds as
//     typed constants there, so judges can phrase them in any language),
//     and a flag in facts.Needs if checks must be able to ask for it.
//  2. If it comes from a new seam (a system call, a program), add the seam
//     to Env with its live default in Env.Live: nil always means "this
//     machine's own".
//  3. Add one entry to sources: needed, tasks, notSelected and start. Its
//     record must turn anything still running into a cut-off, and must be
//     safe to call while the gathering goroutine still runs (guard what
//     both touch).
//  4. If it reads the registry, declare the values in winstate.Wanted
//     (internal/winstate/spec.go), or the check that reads them skips.
//  5. Write the judge (see the checks package's "Add a check") and a row
//     in TestMakePlan.
package gather

import (
	"cmp"
	"context"
	"crypto/x509"
	"math"
	"net"
	"os"
	osuser "os/user"
	"runtime"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/qadoctor/qadoctor/internal/browser"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/netif"
	"github.com/qadoctor/qadoctor/internal/osstack"
	"github.com/qadoctor/qadoctor/internal/probe"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
	"github.com/qadoctor/qadoctor/internal/sessionread"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Env is the outside world a run touches. Every nil field means this
// machine's own; tests replace them. Env.Live fills them in, in this one
// place.
type Env struct {
	Resolver probe.Resolver      // nil: net.DefaultResolver
	Dialer   probe.Dialer        // nil: a plain *net.Dialer
	Now      func() time.Time    // the wall clock; nil: time.Now
	Getenv   func(string) string // HTTPS_PROXY, NO_PROXY, LANG…; nil: os.Getenv
	// System reads the Windows system state; nil: the live registry
	// (winstate.LiveSystem, which says not-windows elsewhere).
	System func() facts.System
	// OSStack requests a URL through the OS's own HTTP stack; nil:
	// WinHTTP on Windows, none elsewhere.
	OSStack func(ctx context.Context, url string) facts.OSStack
	// ClockSettings reads how the machine keeps time; nil: timedatectl on
	// Linux, none elsewhere (Windows keeps its settings in the registry,
	// read with System).
	ClockSettings func(context.Context) facts.ClockSettings
	// Network lists the interfaces; nil: the machine's (netif.Read).
	Network func() facts.Network
	// Browser has the PC's own browser request the web leg's endpoints;
	// nil: browser.Live (Edge on Windows, Chromium elsewhere).
	Browser func(ctx context.Context, o browser.Options, asks []browser.Ask) facts.Browser
	// FetchPAC gets a proxy auto-config script or wpad.dat; nil:
	// proxy.FetchPAC (HTTP, direct, as WinHTTP fetches it).
	FetchPAC proxy.Fetcher
	// Sessions reads what the PC recorded of its last Quick Assist
	// sessions between since and until: the rows of Quick Assist's
	// WebView2 History whose host match accepts, and the event records
	// that matter; nil: sessionread.Live.
	Sessions func(ctx context.Context, since, until time.Time, match func(host string) bool) facts.Sessions
	// Identity is who runs qadoctor and on which machine (what a support
	// bundle redacts); nil: the account and host name of this process.
	Identity func() (user, machine string)
}

// Live returns e with every nil seam set to this machine's own. What the
// machine does not have (WinHTTP off Windows, timedatectl off Linux) stays
// nil, and the source that needs it records that it is unavailable.
func (e Env) Live() Env {
	if e.Resolver == nil {
		e.Resolver = net.DefaultResolver
	}
	if e.Dialer == nil {
		e.Dialer = &net.Dialer{}
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.System == nil {
		e.System = winstate.LiveSystem
	}
	if e.OSStack == nil && runtime.GOOS == "windows" {
		e.OSStack = osstack.Request
	}
	if e.ClockSettings == nil && runtime.GOOS == "linux" {
		e.ClockSettings = Timedatectl(ExecRunner{})
	}
	if e.Network == nil {
		e.Network = netif.Read
	}
	if e.FetchPAC == nil {
		e.FetchPAC = proxy.FetchPAC
	}
	if e.Browser == nil {
		e.Browser = browser.Live
	}
	if e.Identity == nil {
		e.Identity = localIdentity
	}
	if e.Sessions == nil {
		e.Sessions = sessionread.Live
	}
	return e
}

func localIdentity() (user, machine string) {
	if u, err := osuser.Current(); err == nil {
		user = u.Username
	}
	machine, _ = os.Hostname()
	return user, machine
}

// Options is what one run needs.
type Options struct {
	Profile     *profile.Profile
	ProfileName string
	Timeout     time.Duration // the whole run's deadline
	Needs       facts.Needs   // what the selected checks need
	Roots       *x509.CertPool
	HostsFile   string // "": the platform's hosts file
	// Proxy is the way --proxy sets (proxy.FromFlag); nil: the system's
	// own settings, discovered under the deadline (Internet Settings, WPAD,
	// the PAC, the environment).
	Proxy *proxy.Settings
	// Since is how far back the PC's record of past sessions is read;
	// 0 means DefaultSince.
	Since time.Duration
	// MaxConnections caps the lookups and connections open at once; 0
	// means MaxConcurrentConnections.
	MaxConnections int
	Env            Env
	// NoBrowser keeps the PC's browser from being asked (--no-browser).
	NoBrowser bool
	// Progress, when set, hears of each task as it finishes: an endpoint's
	// whole chain (with its version probes), an NTP server, the OS stack's
	// request, the clock settings. Calls come one at a time, from the
	// sources' goroutines, so it must not block for long.
	Progress func(Progress)
}

// Progress says how far a run is: Done of Total tasks have finished, the
// last being Task, which ended well (OK) or not. NoAnswer is an endpoint
// whose handshake worked and whose exchange after it (HEAD, the WebSocket
// upgrade, the TURN request) went unanswered within its bound: not OK, and
// not a failure either.
type Progress struct {
	Done, Total int
	Task        string
	OK          bool
	NoAnswer    bool
}

// Plan is what a run of some options starts: the fact sources their needs
// select, in table order, and the progress tasks those report.
type Plan struct {
	Sources []string
	Tasks   int
}

// MakePlan says what Run would start, touching nothing.
func MakePlan(opts Options) Plan {
	opts.Env = opts.Env.Live()
	needs := opts.Needs.Closed()
	var p Plan
	for _, s := range sources {
		if s.needed(needs, &opts) {
			p.Sources = append(p.Sources, s.name)
			p.Tasks += s.tasks(&opts)
		}
	}
	return p
}

// cutoffGrace is how long Run waits past the deadline for sources to
// notice it. Every network probe honours its context and returns within
// milliseconds; the grace only matters for a call that ignores
// cancellation (a registry read, a hung file system), which is then
// recorded as cut off while it goes on in the background. It keeps every
// command within a second of --timeout.
const cutoffGrace = 300 * time.Millisecond

// Run gathers the facts the needs ask for. It returns by the deadline plus
// cutoffGrace, whatever the network, a file or the system does; a source
// still running then is recorded as cut off, saying what it waited on.
func Run(ctx context.Context, opts Options) *facts.Facts {
	opts.Env = opts.Env.Live()
	r := &run{
		opts:       opts,
		needs:      opts.Needs.Closed(),
		start:      time.Now(), // monotonic, for step timings; Env.Now is the wall clock reported
		conns:      make(chan struct{}, cmp.Or(opts.MaxConnections, MaxConcurrentConnections)),
		lookups:    make(chan struct{}, MaxConcurrentLookups),
		pace:       rate.NewLimiter(rate.Inf, 1), // until the resolver drops a query: see LookupEvery
		syns:       ownSYNSchedule(),
		othersDone: make(chan struct{}),
	}
	r.progress.report = opts.Progress
	r.system.compute = func(context.Context) facts.System { return r.opts.Env.System() }
	r.network.compute = func(context.Context) facts.Network { return r.opts.Env.Network() }
	r.proxy.compute = r.discoverProxy

	p := opts.Profile
	f := &facts.Facts{
		Started:   opts.Env.Now().UTC(),
		TimeoutMS: opts.Timeout.Milliseconds(),
		Profile:   facts.ProfileInfo{Name: opts.ProfileName, Version: p.Version, Source: p.Source.URL, Date: p.Source.Date, Reviewed: p.ReviewedOn()},
		MinTLS:    p.MinTLS,
	}
	f.Clock.MaxSkewMS = p.MaxSkew().Milliseconds()

	// Every task is counted before the first starts, so Total never moves.
	var jobs []job
	for _, s := range sources {
		if !s.needed(r.needs, &r.opts) {
			s.notSelected(f, &r.opts)
			continue
		}
		r.progress.total += s.tasks(&r.opts)
		jobs = append(jobs, s.start(r))
	}

	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var wg, others sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		if !j.follows {
			others.Add(1)
		}
		go func() {
			defer wg.Done()
			if !j.follows {
				defer others.Done()
			}
			j.gather(ctx)
		}()
	}
	go func() { others.Wait(); close(r.othersDone) }()
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
	for _, j := range jobs {
		j.record(f)
	}
	return f
}

// run is one run's shared state.
type run struct {
	opts    Options // with Env live
	needs   facts.Needs
	start   time.Time
	conns   chan struct{} // a slot per connection open at once
	lookups chan struct{} // a slot per name lookup at once (within conns)
	pace    *rate.Limiter // when the next lookup may start: LookupEvery once a query was lost
	// losingLookups slows the lookups down once, on the first lost query.
	losingLookups sync.Once
	syns          SYNSchedule // this machine's SYN retransmissions, for DroppedAfter
	connects      connectEvidence
	progress      tracker
	// system and proxy are read once, by whichever source asks first: the
	// system state decides the proxy too, and every endpoint needs its way.
	system  shared[facts.System]
	network shared[facts.Network] // the interfaces: net.vpn's, and myIpAddress's in a PAC
	proxy   shared[proxy.Settings]
	// othersDone is closed when every source that does not follow the
	// others (job.follows) has ended.
	othersDone chan struct{}
}

// job is one selected source's work in a run. gather runs under the run's
// context; record writes what is known into the facts once gathering
// ended or the deadline passed, and must be safe while gather still runs.
type job struct {
	gather func(ctx context.Context)
	record func(f *facts.Facts)
	// follows marks a job that runs beside the others and is told when
	// they have ended (run.othersDone): the browser.
	follows bool
}

// elapsedMS is the time since the run started, in milliseconds.
func (r *run) elapsedMS() float64 { return ms(time.Since(r.start)) }

// tracker counts finished tasks for Options.Progress.
type tracker struct {
	mu          sync.Mutex
	done, total int
	report      func(Progress)
}

func (t *tracker) finished(task string, ok, noAnswer bool) {
	if t.report == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	t.report(Progress{Done: t.done, Total: t.total, Task: task, OK: ok, NoAnswer: noAnswer})
}

// shared is a value several sources need, computed once by whichever asks
// first, in its own goroutine, so a caller whose context ends stops
// waiting even if the computation does not.
type shared[T any] struct {
	compute func(context.Context) T
	mu      sync.Mutex
	done    chan struct{}
	v       T
}

// get starts the computation if nobody has, and waits for it or ctx; ok is
// false when ctx ended first.
func (s *shared[T]) get(ctx context.Context) (v T, ok bool) {
	s.mu.Lock()
	if s.done == nil {
		s.done = make(chan struct{})
		go func() {
			v := s.compute(ctx)
			s.mu.Lock()
			s.v = v
			s.mu.Unlock()
			close(s.done)
		}()
	}
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
		return s.peek()
	case <-ctx.Done():
		return v, false
	}
}

// peek returns the value if it has been computed.
func (s *shared[T]) peek() (v T, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return v, false
	}
	select {
	case <-s.done:
		return s.v, true
	default:
		return v, false
	}
}

// guarded is a value written by a source and read by its record, whichever
// comes first.
type guarded[T any] struct {
	mu sync.Mutex
	v  T
}

func (g *guarded[T]) set(v T) { g.mu.Lock(); g.v = v; g.mu.Unlock() }

func (g *guarded[T]) get() T { g.mu.Lock(); defer g.mu.Unlock(); return g.v }

// MaxConcurrentConnections caps the name lookups and connections a run has
// open at once. The real profile needs 27 endpoints × 5 = 135 (the chain
// and four version probes each); 256 leaves room for a larger profile
// while staying far below what a PC or a proxy tolerates from one
// program, and far below a process's file limit (1,024 by default on
// Linux): a lookup's sockets count too.
const MaxConcurrentConnections = 256

// MaxConcurrentLookups caps the name lookups in flight at once, within
// MaxConcurrentConnections. A lookup starts as soon as one before it is
// answered (the answers clock them), so a fast resolver answers every name
// of the profile at its own speed. Each lookup is two queries (A and
// AAAA), and resolvers drop bursts: Chromium kept its resolver to 6 calls
// at once for ten years because a home router failed under more
// (net/dns/host_resolver_manager.cc), and this machine's resolver dropped
// 2 to 6 of the 27-name profile's queries sent within 60 ms; 16 at once,
// the 16-name profile's burst, it always answered.
const MaxConcurrentLookups = 16

// LookupEvery paces the lookups once the resolver has shown it drops
// queries (a lookup needed a retry, probe.LookupRetries): then one starts
// every LookupEvery, which this machine's resolver answered without loss.
// Until that evidence, no pace: before, every run paced names 17 and on,
// and the slowest endpoint, last in the profile, waited 65 ms for its
// lookup (issue 26).
const LookupEvery = 5 * time.Millisecond

// LookupsWhenLosing is how many lookups run at once after one was lost:
// Chromium's resolver ran 6 calls at once for ten years because home
// routers dropped more; a resolver that rate-limits (nftables' limit in
// front of dnsmasq, TestResolverThatDropsBursts) keeps losing queries at
// 16 in flight even when paced.
const LookupsWhenLosing = 4

// MaxChainRecorded caps the certificates a report records per chain: real
// chains have 2 to 4; a hostile server's hundred would only bloat reports.
const MaxChainRecorded = 16

// slot waits for a free connection slot, or the deadline. release may be
// called more than once.
func (r *run) slot(ctx context.Context) (release func(), err error) {
	select {
	case r.conns <- struct{}{}:
		// Once: a step may hand its slot back early, before the deferred call.
		return sync.OnceFunc(func() { <-r.conns }), nil
	case <-ctx.Done():
		return func() {}, ctx.Err()
	}
}

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return round3(float64(d.Microseconds()) / 1000) }

// round3 rounds to three decimals, so differences of milliseconds read
// 0.102 in JSON, not 0.10200000000000001.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
