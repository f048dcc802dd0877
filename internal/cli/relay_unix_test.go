//go:build !windows

package cli

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The RDP relay, probed as the screen leg meets it, against real servers
// nobody here wrote: openssl s_server speaking only TLS 1.2 stands in for
// the relay. Direct, every check passes and says the screen leg is what
// it guards; behind squid's ssl-bump the interception is found on the
// relay, and the finding says the session will end when sharing starts.
func TestRDPRelayAgainstOpenSSLAndSquid(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	relay := testpeer.OpenSSLServer(t, pki, "-tls1_2")
	e := issuedEndpoint(t, relay)
	e.Role, e.Step, e.Purpose = "rdp-relay", "sharing", "RDP relay stand-in"
	prof := testpeer.WriteProfile(t, e)
	checks := []string{"--only", "net.reach,tls.interception,tls.handshake,tls.versions,net.relay,net.websocket,service.health", "--timeout", "8s"}

	t.Run("direct", func(t *testing.T) {
		_, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile}, checks...)...)
		for _, id := range []string{"net.reach", "tls.interception", "tls.handshake", "tls.versions"} {
			if f := want(t, r, id, finding.Pass, ""); f.Leg != leg.Screen || f.Step != leg.Sharing {
				t.Errorf("%s guards %s/%s; want screen/sharing (the relay)", id, f.Leg, f.Step)
			}
		}
		// The relay is asked nothing after TLS: no HTTP, no TURN, no upgrade.
		for _, id := range []string{"net.relay", "net.websocket", "service.health"} {
			want(t, r, id, finding.Skip, "")
		}
		v := want(t, r, "tls.versions", finding.Pass, "")
		if !strings.Contains(evidenceText(v), "1.2") {
			t.Errorf("tls.versions evidence %q; want TLS 1.2 accepted", evidenceText(v))
		}
	})
	t.Run("behind squid ssl-bump", func(t *testing.T) {
		px := testpeer.Squid(t, testpeer.SquidOptions{BumpCA: inspector(t)})
		_, r := diagnoseJSON(t, gather.Env{}, append([]string{"--profile", prof, "--ca-file", pki.CAFile, "--proxy", "http://" + px}, checks...)...)
		f := byID(t, r, "tls.interception")
		if f.Status != finding.Fail || !strings.HasPrefix(f.Reason, "interception-") || f.Leg != leg.Screen || f.Step != leg.Sharing {
			t.Fatalf("tls.interception = %s %s, %s/%s (%s); want fail interception-*, screen/sharing", f.Status, f.Reason, f.Leg, f.Step, f.Summary)
		}
		if r.Verdict == nil || r.Verdict.Leg != leg.Screen || !strings.Contains(r.Verdict.Cause, "so the session will end when screen sharing starts") {
			t.Errorf("verdict %+v; want the screen leg, ending when sharing starts", r.Verdict)
		}
	})
}
