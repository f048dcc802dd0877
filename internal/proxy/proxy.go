// Package proxy decides which way each endpoint's traffic goes - direct
// or through an HTTP proxy - the way the applications Quick Assist is
// built on decide it: a --proxy flag first, then the user's Internet
// Settings on Windows (what Edge and WebView2 use), then the environment.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Sources of a proxy setting.
const (
	SourceFlag             = "flag"              // --proxy
	SourceInternetSettings = "internet-settings" // HKCU Internet Settings: ProxyEnable, ProxyServer, ProxyOverride
	SourceEnv              = "env"               // HTTPS_PROXY, NO_PROXY
	SourceNone             = "none"
)

// Settings is the proxy configuration in force.
type Settings struct {
	Source string
	Proxy  *url.URL // nil: direct
	Bypass []string // host patterns that go direct
	// AutoConfigURL is a PAC script; LoadPAC fetches and compiles it.
	AutoConfigURL string
	AutoDetect    bool     // WPAD ("Automatically detect settings") is on
	WPADSuffix    string   // the DNS suffix WPAD devolves from
	WPADTried     []string // the wpad.dat URLs tried, when WPAD decided nothing
	WinHTTP       string   // the WinHTTP proxy, for Windows services
	PAC           *PAC
	// PACScript, when set, is the PAC itself (--pac FILE): LoadPAC compiles
	// it instead of fetching AutoConfigURL, which then names the file.
	PACScript []byte
	// PACState says how loading the PAC went (facts.PAC*; "" without a
	// PAC), and PACErr why it failed.
	PACState string
	PACErr   error
	// PACEnv is what the PAC's helpers see (myIpAddress, the resolver).
	PACEnv       PACEnv
	noProxyStyle bool // Bypass holds NO_PROXY suffixes rather than Windows wildcards
}

// SourcePAC marks routes a PAC script decided.
const SourcePAC = "pac"

// Fetcher gets a PAC script; FetchPAC is the real one.
type Fetcher func(ctx context.Context, url string) ([]byte, error)

// LoadPAC finds (WPAD), fetches and compiles the PAC script, if there is
// one, bounded by ctx. A PAC that cannot be fetched or compiled is
// recorded in PACState and PACErr: every route then says so, as Windows
// would fail those requests.
func (s *Settings) LoadPAC(ctx context.Context, fetch Fetcher) {
	var src []byte
	if s.AutoConfigURL == "" && s.AutoDetect && s.Source != SourceFlag {
		// WPAD by DNS, as Windows does: wpad.<suffix>, devolving one label
		// at a time down to two. Nothing found means direct, as in Windows.
		var found string
		found, src, s.WPADTried = findWPAD(ctx, fetch, WPADCandidates(s.WPADSuffix))
		if found == "" {
			return
		}
		s.AutoConfigURL, s.Source = found, SourcePAC
	}
	if s.AutoConfigURL == "" {
		return
	}
	if src == nil && s.PACScript != nil {
		src = s.PACScript
	}
	if src == nil {
		var err error
		if src, err = fetch(ctx, s.AutoConfigURL); err != nil {
			s.PACState, s.PACErr = facts.PACFetchFailed, err
			if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
				s.PACState = facts.PACFetchTimeout
			}
			return
		}
	}
	pac, err := ParsePAC(s.AutoConfigURL, src)
	if err != nil {
		s.PACState, s.PACErr = facts.PACInvalid, err
		return
	}
	s.PAC, s.PACState = pac, facts.PACLoaded
}

// findWPAD asks every WPAD candidate at once, so silent ones cost one
// fetch's bound rather than one each, and takes the first candidate in
// devolution order that answered, as Windows would have. tried lists the
// candidates before it (all of them when none answered).
func findWPAD(ctx context.Context, fetch Fetcher, candidates []string) (found string, src []byte, tried []string) {
	type answer struct {
		src []byte
		err error
	}
	answers := make([]chan answer, len(candidates))
	for i, u := range candidates {
		answers[i] = make(chan answer, 1)
		go func() {
			b, err := fetch(ctx, u)
			answers[i] <- answer{b, err}
		}()
	}
	for i, u := range candidates {
		if a := <-answers[i]; a.err == nil {
			return u, a.src, tried
		}
		tried = append(tried, u)
	}
	return "", nil, tried
}

// MaxPACFetch bounds one PAC or wpad.dat fetch: WinHTTP's own resolve and
// connect timeouts are a few seconds; a PAC server slower than that leaves
// Windows without a way to any site.
const MaxPACFetch = 5 * time.Second

// FetchPAC gets a PAC script over HTTP(S), bounded in size and by
// MaxPACFetch (and ctx).
func FetchPAC(ctx context.Context, rawURL string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, MaxPACFetch)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	// The PAC is fetched direct, as WinHTTP does.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, MaxPACSize+1))
}

// FromFlag reads --proxy: "direct", or a proxy URL (http://[user:pass@]host:port).
func FromFlag(v string) (Settings, error) {
	if strings.EqualFold(v, "direct") {
		return Settings{Source: SourceFlag}, nil
	}
	u, err := parseProxy(v)
	if err != nil {
		// Neither the value nor url's error (which quotes it) may show a
		// password typed into it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Settings{}, fmt.Errorf("--proxy %q: %v; want direct or http://host:port", redactUserinfo(v), redactUserinfo(err.Error()))
	}
	return Settings{Source: SourceFlag, Proxy: u}, nil
}

// userinfo is the user:password@ part of a URL-like string.
var userinfo = regexp.MustCompile(`(^|//)[^/@\s]*@`)

// redactUserinfo hides user:password@ in text that may be a proxy URL.
func redactUserinfo(s string) string { return userinfo.ReplaceAllString(s, "${1}***@") }

func parseProxy(v string) (*url.URL, error) {
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is not supported (only http and https proxies take CONNECT)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("no host")
	}
	return u, nil
}

// FromEnv reads HTTPS_PROXY (or https_proxy, ALL_PROXY) and NO_PROXY.
func FromEnv(getenv func(string) string) Settings {
	v := firstOf(getenv, "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
	if v == "" {
		return Settings{Source: SourceNone}
	}
	u, err := parseProxy(v)
	if err != nil {
		return Settings{Source: SourceNone}
	}
	s := Settings{Source: SourceEnv, Proxy: u, noProxyStyle: true}
	for _, b := range strings.Split(firstOf(getenv, "NO_PROXY", "no_proxy"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			s.Bypass = append(s.Bypass, b)
		}
	}
	return s
}

func firstOf(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// FromInternetSettings reads the user's proxy from the registry values
// qadoctor collects: ProxyEnable, ProxyServer ("host:port" or
// "http=…;https=host:port"), ProxyOverride ("*.corp;<local>") and
// AutoConfigURL. ok is false when nothing is configured there.
func FromInternetSettings(sys facts.System) (s Settings, ok bool) {
	get := func(name string) (winstate.Value, bool) {
		return winstate.FromFact(winstate.Lookup(sys, winstate.KeyInetUser, name))
	}
	s.Source = SourceInternetSettings
	if v, set := get("AutoConfigURL"); set && v.String() != "" {
		s.AutoConfigURL, ok = v.String(), true
	}
	enabled := false
	if v, set := get("ProxyEnable"); set {
		n, _ := v.Uint()
		enabled = n != 0
	}
	if v, set := get("ProxyServer"); set && enabled {
		if u, err := parseProxy(pickHTTPS(v.String())); err == nil {
			s.Proxy, ok = u, true
		}
	}
	if v, set := get("ProxyOverride"); set && s.Proxy != nil {
		for _, b := range strings.Split(v.String(), ";") {
			if b = strings.TrimSpace(b); b != "" {
				s.Bypass = append(s.Bypass, b)
			}
		}
	}
	return s, ok
}

// pickHTTPS takes the proxy for https from a per-protocol ProxyServer list.
func pickHTTPS(v string) string {
	if !strings.Contains(v, "=") {
		return v
	}
	for _, part := range strings.Split(v, ";") {
		if k, val, ok := strings.Cut(part, "="); ok && strings.EqualFold(strings.TrimSpace(k), "https") {
			return strings.TrimSpace(val)
		}
	}
	return ""
}

// FromPACFlag reads --pac: a PAC's http(s) URL, fetched under the run's
// deadline, or a file already read (script), as a helpdesk hands over the
// company's PAC to test on any machine.
func FromPACFlag(v string, script []byte) Settings {
	return Settings{Source: SourceFlag, AutoConfigURL: v, PACScript: script}
}

// IsPACURL reports whether --pac's value is a URL to fetch rather than a
// file.
func IsPACURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Discover decides the settings in force: the --proxy flag's (when
// flag is not nil), then (on Windows) the user's Internet Settings, then
// the environment, else direct.
func Discover(flag *Settings, getenv func(string) string, sys facts.System) Settings {
	var s Settings
	switch is, ok := FromInternetSettings(sys); {
	case flag != nil:
		s = *flag
	case sys.State == facts.SystemRead && ok:
		s = is
	default:
		s = FromEnv(getenv)
	}
	if sys.State == facts.SystemRead {
		s.WinHTTP, s.AutoDetect = WinHTTPProxy(sys), AutoDetect(sys)
		for _, name := range []string{"NV Domain", "Domain"} {
			if v, ok := winstate.FromFact(winstate.Lookup(sys, winstate.KeyTcpip, name)); ok && v.String() != "" {
				s.WPADSuffix = v.String()
				break
			}
		}
	}
	return s
}

// Route says how one host's traffic goes.
type Route struct {
	Proxy *url.URL // nil: direct
	// Next are the ways to try, in order, when Proxy cannot be reached:
	// the rest of a PAC's answer (Chromium falls back to them).
	Next   []Choice
	Source string
	Rule   string // why: facts.Rule*
	Match  string // the bypass entry that matched (facts.RuleBypass)
	// PACAnswer is what the PAC answered for the host.
	PACAnswer string
	// Err says the way could not be decided (a broken PAC); Rule says how.
	Err error
}

// RouteFor decides the way to host.
func (s Settings) RouteFor(ctx context.Context, host string) Route {
	switch {
	case s.PACState != "" && s.PACState != facts.PACLoaded:
		return Route{Source: SourcePAC, Rule: facts.RulePACFailed, Err: s.PACErr}
	case s.PAC != nil:
		answer, err := s.PAC.Evaluate(ctx, "https://"+host+"/", host, s.PACEnv)
		if err != nil {
			return Route{Source: SourcePAC, Rule: facts.RulePACEval, Err: err}
		}
		r := Route{Source: SourcePAC, Rule: facts.RulePAC, PACAnswer: answer}
		choices, err := Choices(answer)
		if err != nil {
			r.Rule, r.Err = facts.RulePACAnswer, err
			return r
		}
		r.Proxy, r.Next = choices[0].Proxy, choices[1:]
		return r
	}
	if s.Proxy == nil {
		rule := facts.RuleNoProxy
		if s.Source == SourceFlag {
			rule = facts.RuleFlagDirect
		}
		return Route{Source: s.Source, Rule: rule}
	}
	for _, b := range s.Bypass {
		if s.bypasses(b, host) {
			return Route{Source: s.Source, Rule: facts.RuleBypass, Match: b}
		}
	}
	return Route{Proxy: s.Proxy, Source: s.Source, Rule: facts.RuleProxy}
}

func (s Settings) bypasses(pattern, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	if s.noProxyStyle {
		if pattern == "*" {
			return true
		}
		if h, _, err := net.SplitHostPort(pattern); err == nil {
			pattern = h
		}
		p := strings.TrimPrefix(pattern, ".")
		return host == p || strings.HasSuffix(host, "."+p)
	}
	if pattern == "<local>" {
		return !strings.Contains(host, ".")
	}
	ok, _ := path.Match(pattern, host)
	return ok
}

// Redacted shows a proxy URL without its password.
func Redacted(u *url.URL) string {
	if u == nil {
		return "direct"
	}
	return u.Redacted()
}

// WPADCandidates lists the wpad.dat URLs DNS-based WPAD tries for a DNS
// suffix: corp.example.com gives wpad.corp.example.com, then
// wpad.example.com (never a bare top-level domain).
func WPADCandidates(suffix string) []string {
	labels := strings.Split(strings.Trim(strings.ToLower(suffix), "."), ".")
	var out []string
	for i := 0; len(labels)-i >= 2; i++ {
		out = append(out, "http://wpad."+strings.Join(labels[i:], ".")+"/wpad.dat")
	}
	return out
}
