package probe

import (
	"strings"
	"testing"
)

// The schemes of a 407, however proxies spell their challenges (RFC 9110
// section 11.3; the examples are squid's, Windows' and the RFC's own).
func TestAuthSchemes(t *testing.T) {
	tests := []struct {
		values []string
		want   string
	}{
		{[]string{`Basic realm="Squid proxy-caching web server"`}, "Basic"},
		{[]string{"Negotiate", "NTLM"}, "Negotiate NTLM"},
		{[]string{`Negotiate, NTLM, Basic realm="corp"`}, "Negotiate NTLM Basic"},
		{[]string{`Digest realm="qadoctor", nonce="a,b", qop="auth", stale=false`}, "Digest"},
		{[]string{`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`}, "Newauth Basic"},
		{[]string{"Negotiate YIIGhgYGKwYBBQUCoII=", "negotiate"}, "Negotiate"},
		{[]string{"", " , ,", `realm="x"`}, ""},
		{[]string{"Bearer error=\"invalid\\\"token\", error_description=\"x, y\""}, "Bearer"},
	}
	for _, tt := range tests {
		if got := strings.Join(AuthSchemes(tt.values), " "); got != tt.want {
			t.Errorf("AuthSchemes(%q) = %q; want %q", tt.values, got, tt.want)
		}
	}
}

// FuzzAuthSchemes: every scheme returned is an HTTP token, at most
// MaxAuthSchemes of them, and none twice.
func FuzzAuthSchemes(f *testing.F) {
	f.Add(`Negotiate, NTLM, Basic realm="a,b"`)
	f.Add(`Digest realm="x", nonce="\"", qop=auth`)
	f.Fuzz(func(t *testing.T, v string) {
		got := AuthSchemes([]string{v})
		if len(got) > MaxAuthSchemes {
			t.Fatalf("%d schemes", len(got))
		}
		seen := map[string]bool{}
		for _, s := range got {
			if !isToken(s) || seen[strings.ToLower(s)] {
				t.Fatalf("AuthSchemes(%q) = %q", v, got)
			}
			seen[strings.ToLower(s)] = true
		}
	})
}
