package osstack

import (
	"context"
	"crypto/tls"
	"strconv"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestRequestThroughWinHTTP(t *testing.T) {
	pki := testpeer.LocalPKI(t) // a CA no Windows root store holds
	ok := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{Status: 204})
	unavailable := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{Status: 503})
	local := func(addr string) string { return "https://localhost:" + strconv.Itoa(testpeer.Port(t, addr)) + "/" }
	tests := []struct {
		name   string
		url    string
		trust  bool // accept the test CA, which no root store here holds (cmd/qadoctor's TestRelaySchannelUnderWine puts one in Wine's)
		state  string
		status int
		codes  []uint32 // acceptable WinHTTP error codes
		secure bool     // SCHANNEL made the channel
	}{
		{"server answering 204", local(ok), true, facts.OSStackOK, 204, nil, true},
		// An HTTP error still proves the secure channel works.
		{"server answering 503", local(unavailable), true, facts.OSStackOK, 503, nil, true},
		// Windows says 12175 for a rejected certificate; Wine 8 says 12157.
		{"untrusted certificate", local(ok), false, facts.OSStackFailed, 0, []uint32{12175, 12157}, false},
		{"nothing listens", "https://" + testpeer.ClosedPort(t) + "/", false, facts.OSStackFailed, 0, []uint32{12029}, false},
		{"not https", "http://localhost/", false, facts.OSStackFailed, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := requestWith(ctx, tt.url, options{ignoreUnknownCA: tt.trust})
			if r.State != tt.state || r.StatusCode != tt.status || r.SecureChannel != tt.secure {
				t.Fatalf("Request(%s) = %+v; want state %s, HTTP %d, secure channel %v", tt.url, r, tt.state, tt.status, tt.secure)
			}
			if tt.codes != nil && r.DurationMS <= 0 {
				t.Errorf("Request(%s) took %v ms; want the time it took", tt.url, r.DurationMS)
			}
			if tt.codes == nil {
				return
			}
			ok := false
			for _, c := range tt.codes {
				ok = ok || r.ErrorCode == c
			}
			if !ok || r.ErrorName == "" || r.Meaning == "" {
				t.Errorf("Request(%s) error %d %s (%s); want one of %v, named and explained", tt.url, r.ErrorCode, r.ErrorName, r.Meaning, tt.codes)
			}
		})
	}
}

func TestRequestEndsAtDeadline(t *testing.T) {
	silent := testpeer.SilentServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	r := Request(ctx, "https://localhost:"+strconv.Itoa(testpeer.Port(t, silent))+"/")
	if r.State != facts.OSStackTimeout {
		t.Errorf("Request to a silent server = %+v; want a timeout", r)
	}
}

// The RDP relay speaks RDP inside TLS, not HTTP: SCHANNEL's handshake is
// what counts. A server that completes TLS and then never answers, or
// closes, is a secure channel made; WinHTTP waits at most AnswerBound for
// an answer, not the caller's whole deadline.
func TestRequestToAServerThatIsNoWebServer(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	tests := []struct {
		name string
		addr string
	}{
		{"silent after TLS", testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{Mute: true})},
		{"silent after TLS 1.2", testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{Mute: true, MaxVersion: tls.VersionTLS12})},
		{"closes after TLS", testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*AnswerBound)
			defer cancel()
			start := time.Now()
			url := "https://localhost:" + strconv.Itoa(testpeer.Port(t, tt.addr)) + "/"
			r := requestWith(ctx, url, options{ignoreUnknownCA: true})
			took := time.Since(start)
			if !r.SecureChannel || r.State == facts.OSStackOK {
				t.Errorf("Request(%s) = %+v; want the secure channel made and no HTTP answer", url, r)
			}
			if took > AnswerBound+2*time.Second {
				t.Errorf("Request(%s) took %s; want at most AnswerBound (%s) after the handshake", url, took, AnswerBound)
			}
		})
	}
}
