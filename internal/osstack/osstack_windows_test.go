package osstack

import (
	"context"
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
		trust  bool // accept the test CA (Wine's root store takes no additions)
		state  string
		status int
		codes  []uint32 // acceptable WinHTTP error codes
	}{
		{"server answering 204", local(ok), true, facts.OSStackOK, 204, nil},
		// An HTTP error still proves the secure channel works.
		{"server answering 503", local(unavailable), true, facts.OSStackOK, 503, nil},
		// Windows says 12175 for a rejected certificate; Wine 8 says 12157.
		{"untrusted certificate", local(ok), false, facts.OSStackFailed, 0, []uint32{12175, 12157}},
		{"nothing listens", "https://" + testpeer.ClosedPort(t) + "/", false, facts.OSStackFailed, 0, []uint32{12029}},
		{"not https", "http://localhost/", false, facts.OSStackFailed, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r := requestWith(ctx, tt.url, options{ignoreUnknownCA: tt.trust})
			if r.State != tt.state || r.StatusCode != tt.status {
				t.Fatalf("Request(%s) = %+v; want state %s, HTTP %d", tt.url, r, tt.state, tt.status)
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
