package proxy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func TestDiscover(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	noEnv := env(nil)
	tests := []struct {
		name   string
		flag   string
		getenv func(string) string
		sys    facts.System
		host   string
		source string
		via    string // proxy host:port, or "" for direct
	}{
		{"nothing", "", noEnv, facts.System{}, "a.test", SourceNone, ""},
		{"flag wins", "http://flag.test:3128", env(map[string]string{"HTTPS_PROXY": "http://env.test:1"}), facts.System{}, "a.test", SourceFlag, "flag.test:3128"},
		{"flag direct", "direct", env(map[string]string{"HTTPS_PROXY": "http://env.test:1"}), facts.System{}, "a.test", SourceFlag, ""},
		{"env", "", env(map[string]string{"HTTPS_PROXY": "env.test:8080"}), facts.System{}, "a.test", SourceEnv, "env.test:8080"},
		{"env NO_PROXY suffix", "", env(map[string]string{"https_proxy": "http://env.test:1", "NO_PROXY": "example.com,.corp"}), facts.System{}, "x.example.com", SourceEnv, ""},
		{"internet settings", "", noEnv, testpeer.InternetSettings(map[string]winstate.Value{"ProxyEnable": winstate.DWORDValue(1), "ProxyServer": winstate.StringValue("corp-proxy:8080")}), "a.test", SourceInternetSettings, "corp-proxy:8080"},
		{"internet settings per protocol", "", noEnv, testpeer.InternetSettings(map[string]winstate.Value{"ProxyEnable": winstate.DWORDValue(1), "ProxyServer": winstate.StringValue("http=h:80;https=s:443")}), "a.test", SourceInternetSettings, "s:443"},
		{"internet settings bypass", "", noEnv, testpeer.InternetSettings(map[string]winstate.Value{"ProxyEnable": winstate.DWORDValue(1), "ProxyServer": winstate.StringValue("p:1"), "ProxyOverride": winstate.StringValue("*.microsoft.com;<local>")}), "login.microsoft.com", SourceInternetSettings, ""},
		{"internet settings <local>", "", noEnv, testpeer.InternetSettings(map[string]winstate.Value{"ProxyEnable": winstate.DWORDValue(1), "ProxyServer": winstate.StringValue("p:1"), "ProxyOverride": winstate.StringValue("<local>")}), "intranet", SourceInternetSettings, ""},
		{"internet settings off falls back to env", "", env(map[string]string{"HTTPS_PROXY": "env.test:2"}), testpeer.InternetSettings(map[string]winstate.Value{"ProxyEnable": winstate.DWORDValue(0), "ProxyServer": winstate.StringValue("p:1")}), "a.test", SourceEnv, "env.test:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.sys.State == "" {
				tt.sys.State = facts.SystemNotWindows
			}
			var flag *Settings
			if tt.flag != "" {
				f, err := FromFlag(tt.flag)
				if err != nil {
					t.Fatal(err)
				}
				flag = &f
			}
			s := Discover(flag, tt.getenv, tt.sys)
			r := s.RouteFor(context.Background(), tt.host)
			got := ""
			if r.Proxy != nil {
				got = r.Proxy.Host
			}
			if s.Source != tt.source || got != tt.via {
				t.Errorf("Discover → source %q, route %q (%s); want %q, %q", s.Source, got, r.Rule, tt.source, tt.via)
			}
		})
	}
	if _, err := FromFlag("socks5://x:1"); err == nil || !strings.Contains(err.Error(), "--proxy") {
		t.Errorf("FromFlag(socks5) = %v; want an error naming --proxy", err)
	}
}

// PAC files shaped like those companies deploy.
const corporatePAC = `
// Corporate PAC: intranet direct, Microsoft 365 direct, the rest through the proxy.
function FindProxyForURL(url, host) {
  if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example")) return "DIRECT";
  if (shExpMatch(host, "*.support.services.microsoft.com") || host == "login.microsoftonline.com") return "DIRECT";
  if (isInNet(dnsResolve(host), "10.0.0.0", "255.0.0.0")) return "DIRECT";
  if (localHostOrDomainIs(host, "www.corp.example")) return "DIRECT";
  return "PROXY proxy.corp.example:8080; DIRECT";
}`

func TestPAC(t *testing.T) {
	pac, err := ParsePAC("corporate.pac", []byte(corporatePAC))
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(h string) string {
		if h == "files.intra" {
			return "10.1.2.3"
		}
		return "192.0.2.1"
	}
	tests := []struct{ host, want string }{
		{"intranet", "DIRECT"},
		{"wiki.corp.example", "DIRECT"},
		{"remoteassistance.support.services.microsoft.com", "DIRECT"},
		{"login.microsoftonline.com", "DIRECT"},
		{"files.intra", "DIRECT"},
		{"turn.azure.com", "PROXY proxy.corp.example:8080; DIRECT"},
	}
	for _, tt := range tests {
		got, err := pac.FindProxy(context.Background(), "https://"+tt.host+"/", tt.host, resolve)
		if err != nil || got != tt.want {
			t.Errorf("FindProxyForURL(%s) = %q, %v; want %q", tt.host, got, err, tt.want)
		}
	}
}

func TestPACErrors(t *testing.T) {
	if _, err := ParsePAC("broken.pac", []byte("function FindProxyForURL(url, host) {\n  return 'DIRECT'\n")); err == nil || !strings.Contains(err.Error(), "broken.pac") || !strings.Contains(err.Error(), "3:") {
		t.Errorf("ParsePAC of an unclosed function = %v; want an error naming the file and line", err)
	}
	tests := []struct{ name, src, says string }{
		{"no function", "var x = 1;", "no FindProxyForURL"},
		{"throws", "function FindProxyForURL(u, h) { throw new Error('boom'); }", "boom"},
		{"loops forever", "function FindProxyForURL(u, h) { while (true) {} }", "too long"},
	}
	for _, tt := range tests {
		pac, err := ParsePAC(tt.name+".pac", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = pac.FindProxy(context.Background(), "https://a.test/", "a.test", func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: err = %v; want it to say %q", tt.name, err, tt.says)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s: evaluation was not cut off", tt.name)
		}
	}
	for answer, want := range map[string]string{"DIRECT": "", "PROXY p:1; DIRECT": "p:1", "SOCKS s:1; PROXY p:2": "p:2", "HTTP h:3": "h:3",
		"HTTPS proxy.corp:443": "https://proxy.corp:443"} {
		if got, err := firstChoice(answer); err != nil || got != want {
			t.Errorf("first choice of %q = %q, %v; want %q", answer, got, err, want)
		}
	}
	if _, err := firstChoice("SOCKS5 s:1"); err == nil {
		t.Error("the first choice of a SOCKS-only answer should fail")
	}
	// Every usable entry, in order, for fallback.
	cs, err := Choices("PROXY a:8080; SOCKS5 s:1; HTTPS b:443;DIRECT")
	var got []string
	for _, c := range cs {
		if c.Direct() {
			got = append(got, "DIRECT")
		} else {
			got = append(got, c.Proxy.String())
		}
	}
	if err != nil || strings.Join(got, " ") != "http://a:8080 https://b:443 DIRECT" {
		t.Errorf("Choices = %v, %v", got, err)
	}
	if cs, _ := Choices(strings.Repeat("PROXY a:1;", 100)); len(cs) != MaxChoices {
		t.Errorf("%d choices from 100; want %d", len(cs), MaxChoices)
	}
}

// firstChoice is a PAC answer's first way: "" for DIRECT, host:port for
// an HTTP proxy, the URL for an HTTPS one.
func firstChoice(answer string) (string, error) {
	cs, err := Choices(answer)
	switch {
	case err != nil:
		return "", err
	case cs[0].Direct():
		return "", nil
	case cs[0].Proxy.Scheme == "https":
		return cs[0].Proxy.String(), nil
	}
	return cs[0].Proxy.Host, nil
}

// FuzzPAC: whatever the script, the evaluation returns within the
// sandbox's time bound, and an answer it gives is within MaxPACAnswer.
func FuzzPAC(f *testing.F) {
	f.Add(corporatePAC)
	f.Add("function FindProxyForURL(u,h){return shExpMatch(h,'*.[a')?'DIRECT':'PROXY x:1';}")
	f.Add("function FindProxyForURL(u,h){return /^(?=(a+)+$)\\1b/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!') ? 'DIRECT' : dateRange(1, 'JUN', 15, 'AUG') + myIpAddressEx();}")
	f.Fuzz(func(t *testing.T, src string) {
		pac, err := ParsePAC("fuzz.pac", []byte(src))
		if err != nil {
			return
		}
		start := time.Now()
		answer, err := pac.FindProxy(context.Background(), "https://a.test/", "a.test", func(string) string { return "" })
		if took := time.Since(start); took > pacTimeout+time.Second {
			t.Fatalf("the evaluation took %s; the bound is %s", took, pacTimeout)
		}
		if err == nil && len(answer) > MaxPACAnswer {
			t.Fatalf("an answer of %d bytes passed the cap", len(answer))
		}
		if err == nil {
			if cs, _ := Choices(answer); len(cs) > MaxChoices {
				t.Fatalf("%d choices", len(cs))
			}
		}
	})
}

// blob builds a settings blob: version, counter, flags, proxy, bypass.
func blob(version, flags uint32, proxy, bypass string) []byte {
	b := make([]byte, 12)
	b[0], b[8] = byte(version), byte(flags)
	for _, s := range []string{proxy, bypass} {
		n := len(s)
		b = append(b, byte(n), byte(n>>8), 0, 0)
		b = append(b, s...)
	}
	return b
}

func TestConnectionBlobs(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		winhttp string
		detect  bool
	}{
		// `netsh winhttp reset proxy`: direct.
		{"direct", blob(0x18, blobDirect, "", ""), "direct", false},
		// `netsh winhttp set proxy proxy.corp:8080 "<local>"`.
		{"proxy with bypass", blob(0x28, blobDirect|blobProxy, "proxy.corp:8080", "<local>"), "proxy.corp:8080 (bypass <local>)", false},
		// Internet Options with "Automatically detect settings" ticked.
		{"auto-detect", blob(0x46, blobDirect|blobAutoDetect, "", ""), "direct", true},
		{"cut off", blob(0x28, blobProxy, "proxy.corp:8080", "")[:20], "unreadable: the proxy is 15 bytes but only 4 remain", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := winstate.NewHive()
			h.Set(winstate.KeyConnectionsMachine, "WinHttpSettings", winstate.Value{Type: winstate.TypeBinary, Data: tt.data})
			h.Set(winstate.KeyConnectionsUser, "DefaultConnectionSettings", winstate.Value{Type: winstate.TypeBinary, Data: tt.data})
			sys := winstate.Collect(h, "live", "", nil)
			if got := WinHTTPProxy(sys); got != tt.winhttp {
				t.Errorf("WinHTTPProxy = %q; want %q", got, tt.winhttp)
			}
			if got := AutoDetect(sys); got != tt.detect {
				t.Errorf("AutoDetect = %v; want %v", got, tt.detect)
			}
		})
	}
}

// FuzzConnectionBlob: never a panic, whatever the registry holds.
func FuzzConnectionBlob(f *testing.F) {
	f.Add(blob(0x28, 3, "p:1", "<local>"))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConnectionBlob(b)
		if err == nil && len(c.Proxy)+len(c.Bypass) > len(b) {
			t.Fatalf("parsed more text than the blob holds")
		}
	})
}

func TestWPAD(t *testing.T) {
	got := strings.Join(WPADCandidates("Branch.Corp.Example.com."), " ")
	want := "http://wpad.branch.corp.example.com/wpad.dat http://wpad.corp.example.com/wpad.dat http://wpad.example.com/wpad.dat"
	if got != want {
		t.Errorf("WPADCandidates = %s; want %s", got, want)
	}
	if c := WPADCandidates("localdomain"); len(c) != 0 {
		t.Errorf("WPADCandidates(single label) = %v; want none", c)
	}
	// The network offers wpad.dat one level up; the PAC it holds decides.
	fetch := func(_ context.Context, u string) ([]byte, error) {
		if u == "http://wpad.example.com/wpad.dat" {
			return []byte(`function FindProxyForURL(u, h) { return "PROXY wpad-proxy.example.com:3128"; }`), nil
		}
		return nil, errors.New("no such host")
	}
	s := Settings{Source: SourceNone, AutoDetect: true, WPADSuffix: "corp.example.com"}
	s.LoadPAC(context.Background(), fetch)
	r := s.RouteFor(context.Background(), "turn.azure.com")
	if s.Source != SourcePAC || r.Proxy == nil || r.Proxy.Host != "wpad-proxy.example.com:3128" {
		t.Errorf("after WPAD: source %q, route %+v; want the PAC's proxy", s.Source, r)
	}
	if len(s.WPADTried) != 1 || s.WPADTried[0] != "http://wpad.corp.example.com/wpad.dat" {
		t.Errorf("WPADTried = %v; want the first candidate, which had nothing", s.WPADTried)
	}
	// No wpad.dat anywhere: direct, as Windows falls back.
	s = Settings{Source: SourceNone, AutoDetect: true, WPADSuffix: "corp.example.com"}
	s.LoadPAC(context.Background(), func(context.Context, string) ([]byte, error) { return nil, errors.New("no such host") })
	if r := s.RouteFor(context.Background(), "turn.azure.com"); r.Proxy != nil || r.Err != nil || len(s.WPADTried) != 2 {
		t.Errorf("WPAD with nothing found: route %+v, tried %v; want direct after two tries", r, s.WPADTried)
	}
}

// PAC files shaped like those in the field, from testdata/.
func TestRealWorldPACs(t *testing.T) {
	tests := []struct {
		file, host, ip, want string
	}{
		{"zscaler-style.pac", "remoteassistance.support.services.microsoft.com", "13.107.4.50", ""},
		{"zscaler-style.pac", "turn.azure.com", "20.202.0.1", "gateway.zscaler.net:80"},
		{"zscaler-style.pac", "fileserver.corp", "10.1.1.1", ""},
		{"zscaler-style.pac", "printer", "", ""},
		{"m365-direct.pac", "login.microsoftonline.com", "", ""},
		{"m365-direct.pac", "login.live.com", "", ""},
		{"m365-direct.pac", "remoteassistance.support.services.microsoft.com", "", "10.10.10.10:8080"},
		{"m365-direct.pac", "localhost", "", ""},
		// A labelled function declaration (Annex B.3.2), as a public
		// administration's PAC has it: browsers run it, so it works.
		{"wpad-label.pac", "intranet", "", ""},
		{"wpad-label.pac", "portal.verwaltung.example", "", ""},
		{"wpad-label.pac", "remoteassistance.support.services.microsoft.com", "", "proxy.verwaltung.example:8080"},
	}
	for _, tt := range tests {
		src, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		pac, err := ParsePAC(tt.file, src)
		if err != nil {
			t.Fatal(err)
		}
		answer, err := pac.FindProxy(context.Background(), "https://"+tt.host+"/", tt.host, func(string) string { return tt.ip })
		if err != nil {
			t.Fatalf("%s for %s: %v", tt.file, tt.host, err)
		}
		got, err := firstChoice(answer)
		if err != nil || got != tt.want {
			t.Errorf("%s for %s: %q → %q, %v; want %q", tt.file, tt.host, answer, got, err, tt.want)
		}
	}
}

// A password typed into --proxy never comes back in the error.
func TestFromFlagKeepsPasswordsOut(t *testing.T) {
	for _, v := range []string{"http://alice:s3cret@proxy:bad", "socks5://alice:s3cret@proxy:1080", "alice:s3cret@proxy:bad", "http://alice:s3cret@"} {
		_, err := FromFlag(v)
		if err == nil {
			t.Errorf("FromFlag(%q) = nil; want an error", v)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("FromFlag(%q) = %q; the password is in the error", v, err)
		}
	}
}
