package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// MaxPACSize caps a PAC script: real ones are a few KiB, large ones a few
// hundred. A bigger answer is not a PAC.
const MaxPACSize = 1 << 20

// The PAC sandbox's bounds. A PAC comes from the network, so it is run as
// hostile code: one time limit for the script, its FindProxyForURL and
// every regular expression it matches; a call-stack limit; a cap on what it
// may allocate and on the answer it returns.
const (
	// pacTimeout bounds one evaluation, from running the script to its
	// answer: real PACs answer in microseconds, and browsers give up on a
	// slow one in about the same time.
	pacTimeout = 2 * time.Second
	// pacMaxCallStack bounds recursion: real PACs nest a few calls deep.
	pacMaxCallStack = 1024
	// pacMaxAlloc bounds what one evaluation may allocate: a real one
	// allocates kilobytes. The Go runtime's count of allocated bytes is
	// watched while it runs (evaluations run one at a time, so the count is
	// the PAC's, give or take the probes running beside it), and a built-in
	// call that alone would pass it is refused before it runs
	// (pacbounds.go: goja cannot interrupt a built-in midway).
	pacMaxAlloc = 64 << 20
	// MaxPACAnswer caps FindProxyForURL's answer: a real one names a few
	// proxies.
	MaxPACAnswer = 4096
)

// ErrPACAnswerTooLong is an answer past MaxPACAnswer.
var ErrPACAnswerTooLong = fmt.Errorf("the answer is longer than %d characters", MaxPACAnswer)

// PAC is a compiled proxy auto-config script, evaluated with goja, a
// JavaScript engine in pure Go (no cgo, so it builds for every target;
// well kept, and used by k6 and others for exactly this kind of sandbox).
type PAC struct {
	URL  string
	prog *goja.Program
	// broken holds the bound a past evaluation broke: the script is not
	// run again (it would break it for every endpoint, one at a time).
	broken atomic.Pointer[PACError]
}

// PACEnv is what the helper functions see of the machine; nil fields mean
// this machine's own.
type PACEnv struct {
	// Resolve looks a name up (dnsResolve, dnsResolveEx); nil: the
	// system's resolver.
	Resolve func(ctx context.Context, host string) []string
	// MyIP is this machine's addresses, the first the one myIpAddress
	// returns; nil or empty: 127.0.0.1, as browsers answer without a
	// network.
	MyIP []string
	// Now is the clock of weekdayRange, dateRange and timeRange.
	Now func() time.Time
}

// pacUtils are the helper functions every PAC may call, written in
// JavaScript where they only handle strings (after the semantics of
// Mozilla's and Chromium's PAC utilities: Netscape's specification as MDN
// documents it, and Microsoft's IPv6 "Ex" extensions). The helpers that
// touch the machine or the clock are Go functions (__resolve, __myip,
// __weekdayRange…).
const pacUtils = `
function isPlainHostName(host) { return host.indexOf('.') == -1; }
function dnsDomainIs(host, domain) {
  return host.length >= domain.length && host.substring(host.length - domain.length) == domain;
}
function localHostOrDomainIs(host, hostdom) { return host == hostdom || hostdom.lastIndexOf(host + '.', 0) == 0; }
function dnsResolve(host) { var a = __resolve(String(host), false); return a ? a : null; }
function dnsResolveEx(host) { return __resolve(String(host), true); }
function isResolvable(host) { return !!dnsResolve(host); }
function isResolvableEx(host) { return dnsResolveEx(host) != ''; }
function myIpAddress() { return __myip(false); }
function myIpAddressEx() { return __myip(true); }
function convert_addr(ip) {
  var b = ip.split('.');
  return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
}
function isInNet(ipaddr, pattern, maskstr) {
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ipaddr)) {
    ipaddr = dnsResolve(ipaddr);
    if (!ipaddr) return false;
  }
  var mask = convert_addr(maskstr);
  return (convert_addr(ipaddr) & mask) == (convert_addr(pattern) & mask);
}
function isInNetEx(ipaddr, prefix) { return __inNetEx(String(ipaddr), String(prefix)); }
function sortIpAddressList(list) { return __sortIPs(String(list)); }
function getClientVersion() { return '1.0'; }
function dnsDomainLevels(host) { return host.split('.').length - 1; }
function shExpMatch(str, pattern) {
  var re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp('^' + re + '$').test(str);
}
function weekdayRange() { return __weekdayRange(Array.prototype.slice.call(arguments).map(String)); }
function dateRange() { return __dateRange(Array.prototype.slice.call(arguments).map(String)); }
function timeRange() { return __timeRange(Array.prototype.slice.call(arguments).map(String)); }
function alert(message) {}
` + annexBBuiltins

// errCutOff is an evaluation the caller's deadline ended.
var errCutOff = errors.New("cut off at the run's deadline")

// pacGuardProgram is pacTypedArrayGuard compiled once: every evaluation
// runs it, before the helpers.
var pacGuardProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("pac-guards.js", pacTypedArrayGuard, false)
})

// pacUtilsProgram is pacUtils compiled once: every evaluation runs it.
var pacUtilsProgram = sync.OnceValue(func() *goja.Program {
	limitRegexps() // its literals are compiled here
	return goja.MustCompile("pac-utils.js", pacUtils, false)
})

// regexpTimeout sets the time limit of the backtracking regular
// expressions goja compiles with regexp2 (lookaheads, backreferences),
// which otherwise have none; simple ones use Go's regexp, which runs in
// linear time. regexp2 reads it when a pattern is compiled (a literal when
// the script is, a RegExp() when it runs), so it is set before either;
// qadoctor compiles such patterns only in PACs.
var regexpTimeout sync.Once

func limitRegexps() { regexpTimeout.Do(func() { regexp2.DefaultMatchTimeout = pacTimeout }) }

// evalSlot runs one PAC evaluation at a time, so the allocation watch
// measures that evaluation; a caller whose context ends stops waiting.
var evalSlot = make(chan struct{}, 1)

// ParsePAC compiles a PAC script. name is the script's URL or file, for
// errors, which give the line.
func ParsePAC(name string, src []byte) (*PAC, error) {
	limitRegexps() // regular expression literals are compiled here
	if len(src) > MaxPACSize {
		return nil, &PACError{URL: name, Err: fmt.Errorf("%d bytes; a PAC is at most %d", len(src), MaxPACSize)}
	}
	// goja's parser recurses without a limit: a script nested deeper than
	// MaxPACNesting is refused before it is parsed.
	if err := pacNesting(string(src)); err != nil {
		return nil, &PACError{URL: name, Err: err}
	}
	// What browsers run, goja runs too: Annex B's web-compatibility
	// syntax is rewritten into its plain meaning first, line for line.
	prog, err := goja.Compile(name, webCompat(string(src)), false)
	if err != nil {
		return nil, &PACError{URL: name, Err: err}
	}
	return &PAC{URL: name, prog: prog}, nil
}

// FindProxy evaluates FindProxyForURL(url, host) and returns its answer
// ("PROXY a:8080; DIRECT"). resolve serves dnsResolve (nil: the system's).
func (p *PAC) FindProxy(ctx context.Context, rawURL, host string, resolve func(string) string) (string, error) {
	env := PACEnv{}
	if resolve != nil {
		env.Resolve = func(_ context.Context, h string) []string {
			if a := resolve(h); a != "" {
				return []string{a}
			}
			return nil
		}
	}
	return p.Evaluate(ctx, rawURL, host, env)
}

// Evaluate runs the script and FindProxyForURLEx(url, host) where the
// script defines it (as Chromium and WinHTTP do), else
// FindProxyForURL(url, host), in the sandbox, and returns the answer.
func (p *PAC) Evaluate(ctx context.Context, rawURL, host string, env PACEnv) (answer string, err error) {
	limitRegexps()
	if b := p.broken.Load(); b != nil {
		return "", b
	}
	select {
	case evalSlot <- struct{}{}:
		defer func() { <-evalSlot }()
	case <-ctx.Done():
		return "", &PACError{URL: p.URL, Err: ctx.Err()}
	}
	if env.Resolve == nil {
		env.Resolve = func(ctx context.Context, h string) []string {
			addrs, _ := net.DefaultResolver.LookupHost(ctx, h)
			return addrs
		}
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	vm := goja.New()
	vm.SetMaxCallStackSize(pacMaxCallStack)
	setPACNatives(ctx, vm, env)

	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, pacTimeout)
	defer cancel()
	// The first reason to stop wins: a later one (the clock, while a
	// guard's stop waits for the next instruction) does not rename it.
	var (
		stopOnce sync.Once
		stopped  atomic.Bool
		bound    atomic.Bool // a sandbox bound, not the caller, stopped it
		reason   error
	)
	interrupt := func(why error, ours bool) {
		stopOnce.Do(func() { reason = why; bound.Store(ours); stopped.Store(true); vm.Interrupt(why) })
	}
	defer func() {
		var pe *PACError
		if bound.Load() && errors.As(err, &pe) {
			p.broken.Store(pe)
		}
	}()
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && time.Since(start) >= pacTimeout {
			interrupt(ErrPACTime, true)
		} else {
			interrupt(errCutOff, false)
		}
	})
	defer stop()
	done := make(chan struct{})
	defer close(done)
	go watchAllocations(allocated(), done, func() { interrupt(fmt.Errorf("%w: it allocated more than that", ErrPACMemory), true) })
	guardBuiltins(vm, func(why error) { interrupt(why, true) }, stopped.Load)
	// failed is the evaluation's error: the reason it was stopped, when it
	// was (a guard stops it at the next instruction, which may never come:
	// the call was the script's last, or a native took the guard's early
	// return for an error).
	failed := func(err error) error {
		if stopped.Load() && !errors.Is(err, reason) {
			err = reason // not what the script said when a guard's early return met it
		}
		if err == nil {
			return nil
		}
		return &PACError{URL: p.URL, Err: err}
	}

	if _, err := vm.RunProgram(pacGuardProgram()); err != nil {
		return "", fmt.Errorf("PAC guards (a bug in this build): %w", err)
	}
	if _, err := vm.RunProgram(pacUtilsProgram()); err != nil {
		return "", fmt.Errorf("PAC helpers (a bug in this build): %w", err)
	}
	if _, err := vm.RunProgram(p.prog); err != nil || stopped.Load() {
		return "", failed(err)
	}
	fn, ok := goja.AssertFunction(vm.Get("FindProxyForURLEx"))
	if !ok {
		fn, ok = goja.AssertFunction(vm.Get("FindProxyForURL"))
	}
	if !ok {
		return "", &PACError{URL: p.URL, Err: ErrNoFindProxy}
	}
	v, err := fn(goja.Undefined(), vm.ToValue(rawURL), vm.ToValue(host))
	if err != nil || stopped.Load() {
		return "", failed(err)
	}
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return "", &PACError{URL: p.URL, Err: errors.New("FindProxyForURL returned nothing")}
	}
	if s, ok := v.Export().(string); ok && len(s) > MaxPACAnswer {
		bound.Store(true)
		return "", &PACError{URL: p.URL, Err: ErrPACAnswerTooLong}
	}
	answer = v.String()
	if len(answer) > MaxPACAnswer {
		bound.Store(true)
		return "", &PACError{URL: p.URL, Err: ErrPACAnswerTooLong}
	}
	return answer, nil
}

// allocated is the Go runtime's count of bytes allocated so far, read
// from runtime/metrics: it counts a large allocation as it is made, costs
// about 300 ns and, unlike runtime.ReadMemStats, does not stop the world
// (a stop waits for a goroutine inside a long copy, such as the one a
// doubling string makes, and so came late by a step).
func allocated() uint64 {
	s := [1]metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s[:])
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0 // a runtime without the metric: the time bound still holds
	}
	return s[0].Value.Uint64()
}

// allocationCheck is how often a running PAC's allocations are read: a
// string that doubles each step grows from the bound to eight times it in
// three steps, a few milliseconds.
const allocationCheck = time.Millisecond

// watchAllocations calls over once the bytes allocated since start (read
// before the evaluation began, not when this goroutine first ran: on a
// busy machine that came after the script had allocated most of the bound)
// pass pacMaxAlloc, until done.
func watchAllocations(start uint64, done <-chan struct{}, over func()) {
	tick := time.NewTicker(allocationCheck)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			if allocated()-start > pacMaxAlloc {
				over()
				return
			}
		}
	}
}

// setPACNatives gives the script the helpers that touch the machine or the
// clock.
func setPACNatives(ctx context.Context, vm *goja.Runtime, env PACEnv) {
	vm.Set("__resolve", func(host string, all bool) string {
		addrs := env.Resolve(ctx, host)
		if all {
			return strings.Join(addrs, ";")
		}
		for _, a := range addrs { // dnsResolve answers IPv4
			if ip, err := netip.ParseAddr(a); err == nil && ip.Unmap().Is4() {
				return ip.Unmap().String()
			}
		}
		return ""
	})
	vm.Set("__myip", func(all bool) string {
		ips := env.MyIP
		if len(ips) == 0 {
			ips = []string{"127.0.0.1"}
		}
		if all {
			return strings.Join(ips, ";")
		}
		for _, a := range ips {
			if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() {
				return a
			}
		}
		return "127.0.0.1"
	})
	vm.Set("__inNetEx", func(ip, prefix string) bool {
		a, err1 := netip.ParseAddr(strings.TrimSpace(ip))
		p, err2 := netip.ParsePrefix(strings.TrimSpace(prefix))
		return err1 == nil && err2 == nil && p.Contains(a.Unmap())
	})
	vm.Set("__sortIPs", func(list string) any {
		var ips []netip.Addr
		for _, s := range strings.Split(list, ";") {
			a, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil {
				return false // Microsoft's sortIpAddressList answers false on a bad list
			}
			ips = append(ips, a)
		}
		slices.SortFunc(ips, func(a, b netip.Addr) int { return a.Compare(b) })
		out := make([]string, len(ips))
		for i, a := range ips {
			out[i] = a.String()
		}
		return strings.Join(out, ";")
	})
	vm.Set("__weekdayRange", func(args []string) bool { return weekdayRange(args, env.Now()) })
	vm.Set("__dateRange", func(args []string) bool { return dateRange(args, env.Now()) })
	vm.Set("__timeRange", func(args []string) bool { return timeRange(args, env.Now()) })
}

// ErrPACNoChoice is a PAC answer with no usable entry.
var ErrPACNoChoice = errors.New("the PAC answer names no PROXY, HTTPS or DIRECT entry")

// Choice is one way a PAC answer offers, as Chromium (and so Quick
// Assist's WebView2) takes them: DIRECT, an HTTP proxy (PROXY, HTTP) or an
// HTTPS proxy (HTTPS: TLS to the proxy itself, then CONNECT;
// net/base/proxy_server.cc's schemes). Proxy is nil for DIRECT.
type Choice struct {
	Proxy *url.URL
}

// Direct says the choice is DIRECT.
func (c Choice) Direct() bool { return c.Proxy == nil }

// MaxChoices bounds the ways taken from one answer: a real PAC names two
// or three; each costs a connection attempt when the ones before fail.
const MaxChoices = 8

// Choices reads a PAC answer's usable entries, in order, as Chromium
// tries them when one cannot be reached (proxy fallback): DIRECT, PROXY or
// HTTP host:port, HTTPS host:port. SOCKS entries are skipped: qadoctor's
// probes speak CONNECT only (Chromium would take them; the report shows
// the whole answer). ErrPACNoChoice when none is usable.
func Choices(answer string) ([]Choice, error) {
	var out []Choice
	for _, part := range strings.Split(answer, ";") {
		if len(out) == MaxChoices {
			break
		}
		f := strings.Fields(part)
		switch {
		case len(f) == 1 && strings.EqualFold(f[0], "DIRECT"):
			out = append(out, Choice{})
		case len(f) == 2 && (strings.EqualFold(f[0], "PROXY") || strings.EqualFold(f[0], "HTTP")):
			if u, err := parseProxy("http://" + f[1]); err == nil {
				out = append(out, Choice{Proxy: u})
			}
		case len(f) == 2 && strings.EqualFold(f[0], "HTTPS"):
			if u, err := parseProxy("https://" + f[1]); err == nil {
				out = append(out, Choice{Proxy: u})
			}
		}
	}
	if len(out) == 0 {
		return nil, ErrPACNoChoice
	}
	return out, nil
}

// PACError is a PAC script that failed to compile or to run; Err is what
// the JavaScript engine said.
type PACError struct {
	URL string
	Err error
}

func (e *PACError) Error() string { return fmt.Sprintf("PAC %s: %v", e.URL, e.Err) }
func (e *PACError) Unwrap() error { return e.Err }

// ErrNoFindProxy is a PAC that defines no FindProxyForURL function.
var ErrNoFindProxy = errors.New("no FindProxyForURL function")
