package gather

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/browser"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
)

// The browser is asked for the web leg's HTTPS and WebSocket endpoints,
// each URL written as Chromium writes it in its NetLog; the RDP relay,
// TURN and names Chromium would rewrite are left out.
func TestBrowserAsks(t *testing.T) {
	p := &profile.Profile{Endpoints: []profile.Endpoint{
		{Host: "*.Support.Services.Microsoft.com", Probe: "RemoteAssistance.support.services.microsoft.com", Port: 443},
		{Host: "go.trouter.skype.com", Port: 443, Role: profile.RoleWebSocket, Path: "/v4/c"},
		{Host: "a.test", Port: 8443},
		{Host: "ws.test", Port: 443, Role: profile.RoleWebSocket, Path: "/a b?c"},
		{Host: "relay.test", Port: 443, Role: profile.RoleRDPRelay},
		{Host: "turn.test", Port: 443, Role: profile.RoleTURN},
		{Host: "tls.test", Port: 443, Role: profile.RoleTLS},
		{Host: "bücher.test", Port: 443},
		{Host: "a.test\nb", Port: 443},
		{Host: "-x.test", Port: 443},
		{Host: "a.test", Port: 70000},
		{Host: "dots.test", Port: 443, Role: profile.RoleWebSocket, Path: "/v4/./c"},
		{Host: "127.1", Port: 443},
		{Host: "0x7f.0.0.1", Port: 443},
		{Host: "127.0.0.1", Port: 8443},
		{Host: "::1", Port: 8443},
		{Host: "0:0::1", Port: 443},
		{Host: "trailing.test.", Port: 443},
		{Host: "::ffff:127.0.0.1", Port: 443},
	}}
	asks, addrs, notAsked := browserAsks(p)
	want := []browser.Ask{
		{URL: "https://remoteassistance.support.services.microsoft.com/"},
		{URL: "wss://go.trouter.skype.com/v4/c", WebSocket: true},
		{URL: "https://a.test:8443/"},
		{URL: "https://127.0.0.1:8443/"},
		{URL: "https://[::1]:8443/"},
		{URL: "https://[::1]/"},
		{URL: "https://trailing.test./"},
	}
	if !reflect.DeepEqual(asks, want) {
		t.Errorf("asks %+v\nwant %+v", asks, want)
	}
	wantAddrs := []string{"RemoteAssistance.support.services.microsoft.com:443", "go.trouter.skype.com:443", "a.test:8443", "127.0.0.1:8443", "[::1]:8443", "[0:0::1]:443", "trailing.test.:443"}
	if !reflect.DeepEqual(addrs, wantAddrs) {
		t.Errorf("addresses %q, want %q", addrs, wantAddrs)
	}
	wantNot := []string{"ws.test:443", "bücher.test:443", "a.test\nb:443", "-x.test:443", "a.test:70000", "dots.test:443", "127.1:443", "0x7f.0.0.1:443", "[::ffff:127.0.0.1]:443"}
	if !reflect.DeepEqual(notAsked, wantNot) {
		t.Errorf("not asked %q, want %q", notAsked, wantNot)
	}
	// Every URL reads back as itself: the NetLog's URL is this string.
	for _, a := range asks {
		u, err := url.Parse(a.URL)
		if err != nil || u.String() != a.URL {
			t.Errorf("%s does not read back as itself (%v)", a.URL, err)
		}
	}
}

// --proxy and --pac are handed to the browser; without them it keeps the
// system's own settings.
func TestBrowserWay(t *testing.T) {
	mustFlag := func(v string) *proxy.Settings {
		s, err := proxy.FromFlag(v)
		if err != nil {
			t.Fatal(err)
		}
		return &s
	}
	pacFile := proxy.FromPACFlag("/tmp/x.pac", []byte(`function FindProxyForURL(u, h) { return "DIRECT"; }`))
	pacURL := proxy.FromPACFlag("http://127.0.0.1:8080/x.pac", nil)
	huge := proxy.FromPACFlag("/tmp/huge.pac", make([]byte, maxPACDataURL+1))
	for _, tc := range []struct {
		name string
		s    *proxy.Settings
		want browser.Options
		ok   bool
	}{
		{"the system's", nil, browser.Options{}, true},
		{"discovered settings stay the browser's own", &proxy.Settings{Source: "registry", AutoConfigURL: "http://wpad/wpad.dat"}, browser.Options{}, true},
		{"direct", mustFlag("direct"), browser.Options{Direct: true}, true},
		{"a proxy, without its password", mustFlag("http://alice:s3cret@proxy.test:3128"), browser.Options{ProxyServer: "http://proxy.test:3128"}, true},
		{"a PAC URL", &pacURL, browser.Options{PACURL: "http://127.0.0.1:8080/x.pac"}, true},
		{"a PAC file, as a data: URL", &pacFile, browser.Options{PACURL: "data:application/x-ns-proxy-autoconfig;base64,ZnVuY3Rpb24gRmluZFByb3h5Rm9yVVJMKHUsIGgpIHsgcmV0dXJuICJESVJFQ1QiOyB9"}, true},
		{"a PAC file too large for a command line", &huge, browser.Options{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o browser.Options
			ok := browserWay(tc.s, &o)
			if ok != tc.ok || !reflect.DeepEqual(o, tc.want) {
				t.Errorf("got %+v, %v; want %+v, %v", o, ok, tc.want, tc.ok)
			}
		})
	}
}

// The browser runs beside the other sources and is told when they have
// all ended; --no-browser never starts it.
func TestBrowserFollowsTheOthers(t *testing.T) {
	p := &profile.Profile{Schema: 1, Version: "t", MinTLS: "1.2", Endpoints: []profile.Endpoint{{Host: "a.test", Port: 443, Required: true}}}
	hostsDone := make(chan struct{})
	var told time.Duration
	start := time.Now()
	env := Env{
		Browser: func(ctx context.Context, o browser.Options, asks []browser.Ask) facts.Browser {
			select {
			case <-o.ProbesDone:
				told = time.Since(start)
			case <-ctx.Done():
			}
			return facts.Browser{State: facts.BrowserRan, Endpoints: []facts.BrowserEndpoint{{URL: asks[0].URL, NetError: facts.BrowserNoAnswer}}}
		},
		System: func() facts.System { <-hostsDone; return facts.System{} },
	}
	go func() { time.Sleep(200 * time.Millisecond); close(hostsDone) }()
	f := Run(context.Background(), Options{Profile: p, Timeout: 20 * time.Second, Needs: facts.Needs{Browser: true, System: true}, Env: env})
	if f.Browser.State != facts.BrowserRan || len(f.Browser.Endpoints) != 1 || f.Browser.Endpoints[0].Address != "a.test:443" {
		t.Fatalf("browser facts %+v", f.Browser)
	}
	// Not before the others' 200 ms; told at all, not left to the 20 s
	// deadline.
	if told < 200*time.Millisecond || told >= 20*time.Second {
		t.Errorf("the browser was told the probes ended after %v; want after the other sources' 200 ms, before the deadline", told)
	}
	called := false
	env.Browser = func(context.Context, browser.Options, []browser.Ask) facts.Browser {
		called = true
		return facts.Browser{}
	}
	f = Run(context.Background(), Options{Profile: p, Timeout: 5 * time.Second, Needs: facts.Needs{Browser: true}, NoBrowser: true, Env: env})
	if called || f.Browser.State != facts.BrowserSkippedRun || f.Browser.Skipped != facts.BrowserSkipFlag {
		t.Errorf("--no-browser: called %v, facts %+v", called, f.Browser)
	}
}
