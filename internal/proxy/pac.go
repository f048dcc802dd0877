package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// MaxPACSize caps a PAC script: real ones are a few KiB, large ones a few
// hundred. A bigger answer is not a PAC.
const MaxPACSize = 1 << 20

// pacTimeout bounds one evaluation: a PAC that loops forever is cut off.
const pacTimeout = 2 * time.Second

// PAC is a compiled proxy auto-config script, evaluated with goja, a
// JavaScript engine in pure Go (no cgo, so it builds for every target;
// well kept, and used by k6 and others for exactly this kind of sandbox).
type PAC struct {
	URL  string
	prog *goja.Program
}

// pacUtils are the helper functions every PAC may call, as browsers define
// them (after Mozilla's ascii_pac_utils). dnsResolve and myIpAddress are
// provided from Go.
const pacUtils = `
function isPlainHostName(host) { return host.indexOf('.') == -1; }
function dnsDomainIs(host, domain) {
  return host.length >= domain.length && host.substring(host.length - domain.length) == domain;
}
function localHostOrDomainIs(host, hostdom) { return host == hostdom || hostdom.lastIndexOf(host + '.', 0) == 0; }
function isResolvable(host) { return !!dnsResolve(host); }
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
function dnsDomainLevels(host) { return host.split('.').length - 1; }
function shExpMatch(str, pattern) {
  var re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp('^' + re + '$').test(str);
}
var __days = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
function weekdayRange() {
  var a = Array.prototype.slice.call(arguments), gmt = a[a.length - 1] === 'GMT';
  if (gmt) a.pop();
  var d = new Date(), day = gmt ? d.getUTCDay() : d.getDay();
  var from = __days.indexOf(a[0]), to = a.length > 1 ? __days.indexOf(a[1]) : from;
  return from <= to ? day >= from && day <= to : day >= from || day <= to;
}
function timeRange() {
  var a = Array.prototype.slice.call(arguments), gmt = a[a.length - 1] === 'GMT';
  if (gmt) a.pop();
  var d = new Date(), h = gmt ? d.getUTCHours() : d.getHours();
  if (a.length == 1) return h == a[0];
  if (a.length >= 2) return a[0] <= a[1] ? h >= a[0] && h < a[1] : h >= a[0] || h < a[1];
  return true;
}
function dateRange() { return true; }
`

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

// ParsePAC compiles a PAC script. name is the script's URL or file, for
// errors, which give the line.
func ParsePAC(name string, src []byte) (*PAC, error) {
	if len(src) > MaxPACSize {
		return nil, &PACError{URL: name, Err: fmt.Errorf("%d bytes; a PAC is at most %d", len(src), MaxPACSize)}
	}
	prog, err := goja.Compile(name, string(src), false)
	if err != nil {
		return nil, &PACError{URL: name, Err: err}
	}
	return &PAC{URL: name, prog: prog}, nil
}

// FindProxy evaluates FindProxyForURL(url, host) and returns its answer
// ("PROXY a:8080; DIRECT"). resolve serves dnsResolve (nil: the system's).
func (p *PAC) FindProxy(ctx context.Context, rawURL, host string, resolve func(string) string) (string, error) {
	vm := goja.New()
	if resolve == nil {
		resolve = func(h string) string {
			addrs, err := net.DefaultResolver.LookupHost(ctx, h)
			if err != nil || len(addrs) == 0 {
				return ""
			}
			return addrs[0]
		}
	}
	vm.Set("dnsResolve", func(h string) any {
		if a := resolve(h); a != "" {
			return a
		}
		return nil
	})
	vm.Set("myIpAddress", func() string { return "127.0.0.1" })
	timer := time.AfterFunc(pacTimeout, func() { vm.Interrupt("PAC evaluation took too long") })
	defer timer.Stop()
	stop := context.AfterFunc(ctx, func() { vm.Interrupt("deadline") })
	defer stop()
	if _, err := vm.RunString(pacUtils); err != nil {
		return "", fmt.Errorf("PAC helpers (a bug in this build): %w", err)
	}
	if _, err := vm.RunProgram(p.prog); err != nil {
		return "", &PACError{URL: p.URL, Err: err}
	}
	fn, ok := goja.AssertFunction(vm.Get("FindProxyForURL"))
	if !ok {
		return "", &PACError{URL: p.URL, Err: ErrNoFindProxy}
	}
	v, err := fn(goja.Undefined(), vm.ToValue(rawURL), vm.ToValue(host))
	if err != nil {
		return "", &PACError{URL: p.URL, Err: err}
	}
	return v.String(), nil
}

// ErrPACNoChoice is a PAC answer with no usable entry.
var ErrPACNoChoice = errors.New("the PAC answer names no PROXY or DIRECT entry")

// FirstChoice reads a PAC answer's first usable entry: "" for DIRECT, or
// the proxy's host:port. SOCKS entries are skipped: Quick Assist's stack
// takes HTTP proxies.
func FirstChoice(answer string) (string, error) {
	for _, part := range strings.Split(answer, ";") {
		f := strings.Fields(part)
		switch {
		case len(f) == 1 && strings.EqualFold(f[0], "DIRECT"):
			return "", nil
		case len(f) == 2 && (strings.EqualFold(f[0], "PROXY") || strings.EqualFold(f[0], "HTTP")):
			return f[1], nil
		}
	}
	return "", ErrPACNoChoice
}
