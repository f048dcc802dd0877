package gather

import (
	"context"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/browser"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// maxPACDataURL bounds a --pac file handed to the browser as a data: URL
// (a command line holds 32,767 characters on Windows).
const maxPACDataURL = 16 << 10

// browserAsks are the web leg's endpoints a browser can request: HTTPS
// services (a GET) and the WebSocket channels (an upgrade). The RDP relay
// is the screen leg (not WebView2's), and a TURN relay speaks no HTTP.
// Each URL is written as Chromium writes it in its NetLog (WHATWG's
// canonical form: lower case, no :443, an IP address in its one
// spelling), so the log's requests are found by their URL; an endpoint
// whose URL Chromium would rewrite otherwise (dot segments, a query,
// 127.1 for 127.0.0.1) is not asked, and named in notAsked.
func browserAsks(p *profile.Profile) (asks []browser.Ask, addrs, notAsked []string) {
	for _, e := range p.Endpoints {
		kind := e.Kind()
		if kind != profile.RoleHTTPS && kind != profile.RoleWebSocket {
			continue
		}
		host, ok := canonicalHost(e.ProbeHost())
		if !ok || e.Port <= 0 || e.Port > 65535 {
			notAsked = append(notAsked, e.Address())
			continue
		}
		u := url.URL{Scheme: "https", Host: host, Path: "/"}
		if e.Port != 443 {
			u.Host = net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(e.Port))
		}
		ws := kind == profile.RoleWebSocket
		if ws {
			u.Scheme = "wss"
			p := e.UpgradePath()
			if !plainPath.MatchString(p) || dotSegment.MatchString(p) {
				notAsked = append(notAsked, e.Address())
				continue
			}
			u.Path = p
		}
		asks = append(asks, browser.Ask{URL: u.String(), WebSocket: ws})
		addrs = append(addrs, e.Address())
	}
	return asks, addrs, notAsked
}

// canonicalHost is host as a URL's canonical form writes it, when that
// is host itself but for case and IPv6 brackets: a name of letters,
// digits, dashes and dots (one trailing dot kept, as Chromium keeps it),
// an IPv4 address in dotted-quad form, an IPv6 address as RFC 5952
// writes it. A name whose last label is numeric is an IPv4 address to
// WHATWG's URL parser (127.1, 0x7f.1): unless it is a plain dotted quad,
// Chromium would rewrite it.
func canonicalHost(host string) (string, bool) {
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
		// Chromium writes an IPv4-mapped address in hex (::ffff:7f00:1).
		return "[" + a.String() + "]", a.Zone() == "" && !a.Is4In6()
	}
	host = strings.ToLower(host)
	if !plainHost.MatchString(host) {
		return "", false
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		a, err := netip.ParseAddr(host)
		return host, err == nil && a.Is4() && a.String() == host
	}
	return host, true
}

var (
	plainHost  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$`)
	plainPath  = regexp.MustCompile(`^/[A-Za-z0-9/._~-]*$`)
	dotSegment = regexp.MustCompile(`(^|/)\.{1,2}(/|$)`)
)

// browserWay tells the browser the way --proxy or --pac set; with
// neither it keeps the system's own settings, as WebView2 does. It
// returns false when the way cannot be handed over.
func browserWay(s *proxy.Settings, o *browser.Options) bool {
	if s == nil || s.Source != proxy.SourceFlag {
		return true
	}
	switch {
	case s.PACScript != nil:
		if len(s.PACScript) > maxPACDataURL {
			return false
		}
		o.PACURL = "data:application/x-ns-proxy-autoconfig;base64," + base64.StdEncoding.EncodeToString(s.PACScript)
	case s.AutoConfigURL != "":
		o.PACURL = s.AutoConfigURL
	case s.Proxy != nil:
		// Without the user name and password: Chromium takes none on its
		// command line (it would ask), so a proxy that wants them says
		// so.
		o.ProxyServer = s.Proxy.Scheme + "://" + s.Proxy.Host
	default:
		o.Direct = true
	}
	return true
}

// startBrowser has the PC's own browser request the web leg's endpoints,
// beside qadoctor's own probes, and tells it when those have all ended
// (browser.Options.ProbesDone).
func startBrowser(r *run) job {
	asks, addrs, notAsked := browserAsks(r.opts.Profile)
	var g guarded[*facts.Browser]
	return job{
		follows: true,
		gather: func(ctx context.Context) {
			o := browser.Options{}
			b := facts.Browser{}
			switch {
			case r.opts.NoBrowser:
				b = facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipFlag}
			case len(asks) == 0:
				b = facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipEndpoint}
			case r.opts.Proxy != nil && r.opts.Proxy.Source == proxy.SourceFlag && r.opts.Proxy.Proxy != nil && r.opts.Proxy.Proxy.User != nil:
				// The browser would be given the proxy without them and
				// fail where Quick Assist, signing in, might not.
				b = facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipCredentials}
			case !browserWay(r.opts.Proxy, &o):
				b = facts.Browser{State: facts.BrowserSkippedRun, Skipped: facts.BrowserSkipPAC}
			default:
				o.ProbesDone = r.othersDone
				b = r.opts.Env.Browser(ctx, o, asks)
			}
			for i := range b.Endpoints {
				if i < len(addrs) {
					b.Endpoints[i].Address = addrs[i]
				}
			}
			if b.State == facts.BrowserRan {
				b.NotAsked = notAsked
			}
			g.set(&b)
			// A skip is no failure of the run's.
			r.progress.finished("browser", b.State == facts.BrowserRan || b.State == facts.BrowserSkippedRun, false)
		},
		record: func(f *facts.Facts) {
			if b := g.get(); b != nil {
				f.Browser = *b
				return
			}
			f.Browser = facts.Browser{State: facts.BrowserCutOff, DurationMS: r.elapsedMS()}
		},
	}
}
