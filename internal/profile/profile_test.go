package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatalf("built-in profile: %v", err)
	}
	if p.MinTLS != "1.2" {
		t.Errorf("min_tls = %q; want 1.2 (Quick Assist traffic is TLS 1.2, REFERENCE.md)", p.MinTLS)
	}
	var primary *Endpoint
	for i, e := range p.Endpoints {
		if e.Port != 443 {
			t.Errorf("%s: port %d; Quick Assist uses 443 only", e.Host, e.Port)
		}
		if e.IsWildcard() && !e.Covers(e.Probe) {
			t.Errorf("%s: probe %q is not under the wildcard", e.Host, e.Probe)
		}
		if e.ProbeHost() == "remoteassistance.support.services.microsoft.com" {
			primary = &p.Endpoints[i]
		}
	}
	if primary == nil || !primary.Required || primary.Host != "*.support.services.microsoft.com" {
		t.Errorf("the Remote Assistance Service must be a required endpoint under its wildcard; got %+v", primary)
	}
}

const valid = `{
  "schema": 1,
  "version": "t1",
  "source": {"title": "t", "url": "https://example.test/", "date": "2026-01-02"},
  "min_tls": "1.2",
  "endpoints": [
    {"host": "*.example.test", "probe": "a.example.test", "port": 443, "required": true, "purpose": "p", "issuers": ["X"]}
  ]
}`

func TestParseErrors(t *testing.T) {
	// edit returns the valid profile with old replaced by new.
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("test profile lacks " + old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	tests := []struct {
		name  string
		input string
		want  []string // substrings of the error
	}{
		{"empty", "", []string{"p.json", "empty"}},
		{"truncated", valid[:60], []string{"p.json:", "truncated"}},
		{"syntax", edit(`"schema": 1,`, `"schema": 1,,`), []string{"p.json:2:15", "invalid JSON"}},
		{"wrong type", edit(`"port": 443`, `"port": "443"`), []string{"p.json:7:", "endpoints.port", "got a JSON string, want a whole number 1–65535"}},
		// A port is a whole number: a fraction or an exponent is refused
		// saying so, not "want a number" (it is one).
		{"fractional port", edit(`"port": 443`, `"port": 1.5`), []string{"p.json:7:", "endpoints.port", "got a JSON number 1.5, want a whole number 1–65535, written in digits"}},
		{"port missing", edit(`"port": 443, `, ``), []string{"endpoints[0].port", "missing (or 0); want a whole number 1–65535"}},
		{"port with an exponent", edit(`"port": 443`, `"port": 1e30`), []string{"endpoints.port", "got a JSON number 1e30, want a whole number 1–65535"}},
		{"whole port with an exponent", edit(`"port": 443`, `"port": 4.43e2`), []string{"endpoints.port", "want a whole number 1–65535, written in digits (such as 443)"}},
		{"fractional udp port", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "turn", "udp_port": 3478.5}`), []string{"endpoints.udp_port", "got a JSON number 3478.5, want a whole number 1–65535"}},
		{"fractional schema", edit(`"schema": 1`, `"schema": 1.5`), []string{"schema", "got a JSON number 1.5, want the whole number 1"}},
		{"unknown field", edit(`"port": 443`, `"prot": 443`), []string{"p.json:7:59:", `unknown field "prot"`}},
		{"trailing data", valid + "{}", []string{"p.json:9:", "one JSON object"}},
		{"schema", edit(`"schema": 1`, `"schema": 2`), []string{"schema: is 2", "reads schema 1"}},
		{"no version", edit(`"version": "t1"`, `"version": ""`), []string{"version: missing"}},
		{"bad date", edit(`"2026-01-02"`, `"Jan 2"`), []string{"source.date", "YYYY-MM-DD"}},
		{"bad min_tls", edit(`"min_tls": "1.2"`, `"min_tls": "1.4"`), []string{"min_tls", `"1.4"`}},
		{"no endpoints", edit(`[
    {"host": "*.example.test", "probe": "a.example.test", "port": 443, "required": true, "purpose": "p", "issuers": ["X"]}
  ]`, `[]`), []string{"endpoints: empty"}},
		{"wildcard without probe", edit(`"probe": "a.example.test", `, ``), []string{"endpoints[0].probe: missing"}},
		{"probe outside wildcard", edit(`"a.example.test"`, `"a.other.test"`), []string{"endpoints[0].probe", "not under *.example.test"}},
		{"bad host", edit(`"*.example.test"`, `"exa mple.test"`), []string{"endpoints[0].host", "not a valid host"}},
		{"port range", edit(`"port": 443`, `"port": 70000`), []string{"endpoints[0].port", "70000 is out of range; want a whole number 1–65535"}},
		{"negative port", edit(`"port": 443`, `"port": -1`), []string{"endpoints[0].port", "-1 is out of range; want a whole number 1–65535"}},
		{"no purpose", edit(`"purpose": "p"`, `"purpose": " "`), []string{"endpoints[0].purpose: missing"}},
		{"empty issuer", edit(`["X"]`, `["X", ""]`), []string{"endpoints[0].issuers[1]"}},
		{"unknown role", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "stun"}`), []string{"endpoints[0].role", `"stun" is not a role`}},
		{"path on a web endpoint", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "path": "/v4/c"}`), []string{"endpoints[0].path", "only a websocket endpoint"}},
		{"path with a space", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "websocket", "path": "/a b"}`), []string{"endpoints[0].path", "not a request path"}},
		{"path with CRLF", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "websocket", "path": "/a\r\nX-Injected: 1"}`), []string{"endpoints[0].path", "not a request path"}},
		{"relative path", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "websocket", "path": "v4/c"}`), []string{"endpoints[0].path", "starting with /"}},
		{"udp port on a web endpoint", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "udp_port": 3478}`), []string{"endpoints[0].udp_port", "only a turn endpoint"}},
		{"udp port range", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "role": "turn", "udp_port": 70000}`), []string{"endpoints[0].udp_port", "out of range; want a whole number 1–65535"}},
		{"bad reviewed date", edit(`"min_tls": "1.2",`, `"min_tls": "1.2", "reviewed": "last week",`), []string{"reviewed", "YYYY-MM-DD"}},
		{"endpoint source without a url", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "source": {"title": "t", "date": "2026-03-24"}}`), []string{"endpoints[0].source.url", "missing"}},
		{"endpoint source with a bad date", edit(`"issuers": ["X"]}`, `"issuers": ["X"], "source": {"url": "https://example.test/", "date": "March 2026"}}`), []string{"endpoints[0].source.date", "YYYY-MM-DD"}},
		{"bad ntp server", edit(`"min_tls": "1.2",`, `"min_tls": "1.2", "ntp_servers": ["ok.test", "bad host"],`), []string{"ntp_servers[1]", `"bad host"`}},
		{"bad ntp port", edit(`"min_tls": "1.2",`, `"min_tls": "1.2", "ntp_servers": ["ok.test:99999"],`), []string{"ntp_servers[0]", "bad port", "1–65535"}},
		{"bad skew", edit(`"min_tls": "1.2",`, `"min_tls": "1.2", "max_clock_skew": "five minutes",`), []string{"max_clock_skew", "positive duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.json", []byte(tt.input))
			if err == nil {
				t.Fatalf("Parse(%q) = nil error; want one mentioning %q", tt.input, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse error = %q; want it to contain %q", err, w)
				}
			}
		})
	}
}

// Every role the profile can name parses, and the built-in profile asks
// the relay TURN and the notification channel for an upgrade.
func TestRoles(t *testing.T) {
	for _, role := range Roles {
		in := strings.Replace(valid, `"issuers": ["X"]}`, `"issuers": ["X"], "role": "`+string(role)+`"}`, 1)
		p, err := Parse("p.json", []byte(in))
		if err != nil {
			t.Fatalf("role %s: %v", role, err)
		}
		if got := p.Endpoints[0].Kind(); got != role {
			t.Errorf("Kind() = %s; want %s", got, role)
		}
	}
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]Role{}
	for _, e := range p.Endpoints {
		roles[e.Host] = e.Kind()
	}
	for host, want := range map[string]Role{"turn.azure.com": RoleTURN, "*.trouter.skype.com": RoleWebSocket, "login.microsoftonline.com": RoleHTTPS} {
		if roles[host] != want {
			t.Errorf("built-in %s role = %s; want %s", host, roles[host], want)
		}
	}
}

// Every entry of the built-in profile names the page that lists it and
// that page's date, and the list says when it was last checked.
func TestBuiltInSources(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if p.Reviewed == "" {
		t.Error("the built-in profile has no reviewed date")
	}
	for _, e := range p.Endpoints {
		if e.Source == nil || e.Source.URL == "" || e.Source.Date == "" {
			t.Errorf("%s has no source with a date", e.Host)
		}
		// Every built-in endpoint says where a person sees it fail, so a
		// finding about it can say so (package leg).
		if e.Step == "" || !e.Step.Valid() {
			t.Errorf("%s has step %q; want one of leg.Steps or none", e.Host, e.Step)
		}
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse("p.json", []byte(`{"schema": 3, "version": "", "source": {}, "min_tls": "x", "endpoints": []}`))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 6 {
		t.Fatalf("Parse = %v; want 6 validation errors", err)
	}
}

// TestDuplicateEndpoints: one DNS name spelled two ways is one endpoint.
// Names compare without ASCII case (RFC 4343) and "host." is the fully
// qualified "host" (RFC 1034 section 3.1), so each pair here is refused
// as a duplicate, and names that differ are not.
func TestDuplicateEndpoints(t *testing.T) {
	second := func(host, probe string, port int) string {
		e := fmt.Sprintf(`{"host": %q, "port": %d, "required": true, "purpose": "p", "issuers": ["X"]}`, host, port)
		if probe != "" {
			e = fmt.Sprintf(`{"host": %q, "probe": %q, "port": %d, "required": true, "purpose": "p", "issuers": ["X"]}`, host, probe, port)
		}
		return strings.Replace(valid, `"issuers": ["X"]}`, `"issuers": ["X"]},
    `+e, 1)
	}
	tests := []struct {
		name        string
		host, probe string
		port        int
		dup         bool
	}{
		{"same name", "a.example.test", "", 443, true},
		{"trailing dot", "a.example.test.", "", 443, true},
		{"capitals", "A.Example.TEST", "", 443, true},
		{"capitals and a trailing dot", "A.EXAMPLE.test.", "", 443, true},
		{"another wildcard with the same probe, spelled differently", "*.Example.Test.", "A.example.test.", 443, true},
		{"another port", "a.example.test", "", 8443, false},
		{"another name", "b.example.test", "", 443, false},
		{"a longer name", "a.example.test.x", "", 443, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := second(tt.host, tt.probe, tt.port)
			_, err := Parse("p.json", []byte(in))
			isDup := err != nil && strings.Contains(err.Error(), "endpoints[1].host") && strings.Contains(err.Error(), "is already endpoints[0]")
			if isDup != tt.dup {
				t.Errorf("Parse with a second endpoint %q (probe %q) port %d: err = %v; want duplicate %v", tt.host, tt.probe, tt.port, err, tt.dup)
			}
			if !tt.dup && err != nil {
				t.Errorf("Parse: unexpected error %v", err)
			}
		})
	}
}

func TestCanonicalName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"host.example", "host.example"},
		{"Host.Example.", "host.example"},
		{"HOST.EXAMPLE", "host.example"},
		{"host.example..", "host.example."},  // one dot only: ".." is no name
		{"ſ.example", "ſ.example"},           // DNS folds ASCII only (RFC 4343)
		{"\u212A.example", "\u212A.example"}, // the Kelvin sign is not k
		{"0:0::1", "::1"},
		{"127.0.0.1", "127.0.0.1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CanonicalName(tt.in); got != tt.want {
			t.Errorf("CanonicalName(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestCovers(t *testing.T) {
	wild := Endpoint{Host: "*.live.com", Probe: "login.live.com"}
	exact := Endpoint{Host: "turn.azure.com"}
	wildDot := Endpoint{Host: "*.Live.COM.", Probe: "login.live.com."}
	exactDot := Endpoint{Host: "Turn.Azure.com."}
	tests := []struct {
		e    Endpoint
		name string
		want bool
	}{
		{wild, "login.live.com", true},
		{wild, "LOGIN.Live.com.", true},
		{wild, "a.b.live.com", true},
		{wild, "live.com", false},
		{wild, "notlive.com", false},
		{exact, "turn.azure.com", true},
		{exact, "x.turn.azure.com", false},
		{exact, "TURN.azure.com.", true},
		// The profile's own spelling does not matter either.
		{wildDot, "login.live.com", true},
		{wildDot, "a.b.LIVE.com.", true},
		{wildDot, "live.com", false},
		{exactDot, "turn.azure.com", true},
		{exactDot, "turn.azure.com.", true},
		{exact, "turn.azure.com..", false},
		// DNS folds ASCII letters only: the Kelvin sign is not k.
		{Endpoint{Host: "*.skype.com", Probe: "edge.skype.com"}, "edge.s\u212Aype.com", false},
	}
	for _, tt := range tests {
		if got := tt.e.Covers(tt.name); got != tt.want {
			t.Errorf("%s.Covers(%q) = %v; want %v", tt.e.Host, tt.name, got, tt.want)
		}
	}
}

// FuzzParse checks that Parse never panics, that every error names the
// file, and that an accepted profile survives a round trip.
// Seeds: the built-in profile and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(Embedded())
	f.Add([]byte(valid))
	f.Add([]byte(`{"schema":1,"endpoints":[{"port":1e99}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "profile fuzz.json") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse("again.json", out); err != nil {
			t.Fatalf("re-encoded profile does not parse: %v\n%s", err, out)
		}
	})
}

func TestClockDefaults(t *testing.T) {
	p := &Profile{}
	if got := p.NTPServerList(); len(got) != 1 || got[0] != "time.windows.com:123" {
		t.Errorf("NTPServerList() = %v; want [time.windows.com:123]", got)
	}
	if p.MaxSkew() != 5*time.Minute {
		t.Errorf("MaxSkew() = %v; want 5m", p.MaxSkew())
	}
	p = &Profile{NTPServers: []string{"127.0.0.1:11123", "ntp.test"}, MaxClockSkew: "90s"}
	if got := p.NTPServerList(); got[0] != "127.0.0.1:11123" || got[1] != "ntp.test:123" {
		t.Errorf("NTPServerList() = %v", got)
	}
	if p.MaxSkew() != 90*time.Second {
		t.Errorf("MaxSkew() = %v; want 90s", p.MaxSkew())
	}
}

// A step names where a person sees the endpoint fail; anything else is
// refused, naming the field and the steps there are.
func TestParseStep(t *testing.T) {
	base := `{"schema": 1, "version": "1", "name": "t", "source": {"title": "t", "url": "https://x.example", "date": "2026-01-01"}, "min_tls": "1.2",
	"endpoints": [{"host": "a.example", "port": 443, "required": true, "purpose": "t", "issuers": [], %s}]}`
	for _, tt := range []struct {
		field string
		ok    bool
	}{
		{`"step": "sharing", "role": "rdp-relay"`, true},
		{`"step": "none"`, true},
		{`"step": "opens"`, true},
		{`"step": "when-it-feels-like-it"`, false},
		{`"step": "Sharing\u2028"`, false},
		{`"role": "rdp"`, false},
	} {
		p, err := Parse("p.json", []byte(fmt.Sprintf(base, tt.field)))
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: %v", tt.field, err)
		case !tt.ok && err == nil:
			t.Errorf("%s: accepted; want refused", tt.field)
		case !tt.ok && !strings.Contains(err.Error(), "want one of"):
			t.Errorf("%s: %v; want the choices named", tt.field, err)
		case tt.ok && strings.Contains(tt.field, "rdp-relay") && p.Endpoints[0].Leg() != "screen":
			t.Errorf("%s: leg %s; want screen", tt.field, p.Endpoints[0].Leg())
		}
	}
}
