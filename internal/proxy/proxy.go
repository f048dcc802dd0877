// Package proxy decides which way each endpoint's traffic goes - direct
// or through an HTTP proxy - the way the applications Quick Assist is
// built on decide it: a --proxy flag first, then the user's Internet
// Settings on Windows (what Edge and WebView2 use), then the environment.
package proxy

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strings"

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
	// AutoConfigURL and AutoDetect are a PAC script and WPAD; recorded,
	// not evaluated by this version.
	AutoConfigURL string
	AutoDetect    bool
	noProxyStyle  bool // Bypass holds NO_PROXY suffixes rather than Windows wildcards
}

// FromFlag reads --proxy: "direct", or a proxy URL (http://[user:pass@]host:port).
func FromFlag(v string) (Settings, error) {
	if strings.EqualFold(v, "direct") {
		return Settings{Source: SourceFlag}, nil
	}
	u, err := parseProxy(v)
	if err != nil {
		return Settings{}, fmt.Errorf("--proxy %q: %w; want direct or http://host:port", v, err)
	}
	return Settings{Source: SourceFlag, Proxy: u}, nil
}

func parseProxy(v string) (*url.URL, error) {
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("scheme %q is not supported (only http proxies take CONNECT)", u.Scheme)
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

// Discover decides the settings in force: --proxy, then (on Windows) the
// user's Internet Settings, then the environment, else direct.
func Discover(flag string, getenv func(string) string, sys facts.System) (Settings, error) {
	if flag != "" {
		return FromFlag(flag)
	}
	if sys.State == facts.SystemRead {
		if s, ok := FromInternetSettings(sys); ok {
			return s, nil
		}
	}
	return FromEnv(getenv), nil
}

// Route says how one host's traffic goes.
type Route struct {
	Proxy  *url.URL // nil: direct
	Source string
	Why    string // "bypass list entry *.corp", "no proxy configured"…
}

// RouteFor decides the way to host.
func (s Settings) RouteFor(host string) Route {
	if s.Proxy == nil {
		why := "no proxy configured"
		if s.Source == SourceFlag {
			why = "--proxy direct"
		}
		return Route{Source: s.Source, Why: why}
	}
	for _, b := range s.Bypass {
		if s.bypasses(b, host) {
			return Route{Source: s.Source, Why: "bypass list entry " + b}
		}
	}
	return Route{Proxy: s.Proxy, Source: s.Source, Why: "proxy from " + s.Source}
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
