package gather_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The RDP relay is probed as the other endpoints are: a name lookup, TCP
// and a verified handshake, then nothing (Windows' RDP inside TLS is no
// exchange of ours), with no ALPN offered.
func TestRunProbesTheRDPRelay(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	p := localProfile(t, addr)
	p.Endpoints[0].Role, p.Endpoints[0].Step = profile.RoleRDPRelay, leg.Sharing
	f := gather.Run(context.Background(), gather.Options{
		Profile: p, Timeout: 5 * time.Second, Needs: facts.Needs{TLS: true, HTTP: true}, Roots: roots(pki),
	})
	e := f.Endpoints[0]
	if e.DNS.State != facts.StepOK || e.TCP.State != facts.StepOK || e.TLS.State != facts.StepOK || !e.TLS.Verified {
		t.Fatalf("relay chain = DNS %s, TCP %s, TLS %s verified %v; want each ok and verified", e.DNS.State, e.TCP.State, e.TLS.State, e.TLS.Verified)
	}
	if e.TLS.ALPN != "" {
		t.Errorf("ALPN %q negotiated; want none offered to the RDP relay", e.TLS.ALPN)
	}
	for name, s := range map[string]facts.Step{"HTTP": e.HTTP.Step, "TURN": e.Relay.Step, "STUN": e.RelayUDP.Step} {
		if s.State != facts.StepNotRun || s.Kind != facts.KindNotForRole {
			t.Errorf("%s exchange = %+v; want not run, not for the role", name, s)
		}
	}
}

// tls.os-stack asks WinHTTP about each leg's endpoint: the service (first
// required web endpoint) and the RDP relay, side by side, each recorded
// with its leg; a leg the profile has no endpoint for says so.
func TestRunAsksTheOSStackPerLeg(t *testing.T) {
	web := profile.Endpoint{Host: "*.support.test", Probe: "service.support.test", Port: 443, Required: true, Purpose: "service"}
	optional := profile.Endpoint{Host: "optional.test", Port: 443, Purpose: "optional"}
	relay := profile.Endpoint{Host: "relay.support.test", Port: 443, Required: true, Purpose: "relay", Role: profile.RoleRDPRelay, Step: leg.Sharing}
	tests := []struct {
		name        string
		endpoints   []profile.Endpoint
		asked       []string // sorted
		web, screen string   // the states recorded
	}{
		{"both legs", []profile.Endpoint{optional, web, relay}, []string{"https://relay.support.test:443/", "https://service.support.test:443/"}, facts.OSStackOK, facts.OSStackOK},
		{"no relay", []profile.Endpoint{web}, []string{"https://service.support.test:443/"}, facts.OSStackOK, facts.OSStackNoEndpoint},
		{"only a relay", []profile.Endpoint{relay}, []string{"https://relay.support.test:443/"}, facts.OSStackNoEndpoint, facts.OSStackOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var asked []string
			winhttp := func(_ context.Context, url string) facts.OSStack {
				mu.Lock()
				asked = append(asked, url)
				mu.Unlock()
				return facts.OSStack{State: facts.OSStackOK, URL: url, StatusCode: 200, SecureChannel: true}
			}
			p := &profile.Profile{Schema: 1, Version: "test", MinTLS: "1.2", Endpoints: tt.endpoints}
			opts := gather.Options{Profile: p, Timeout: 5 * time.Second, Needs: facts.Needs{OSStack: true}, Env: gather.Env{OSStack: winhttp}}
			if got := gather.MakePlan(opts); got.Tasks != len(tt.asked) {
				t.Errorf("MakePlan tasks = %d; want %d, one per leg asked", got.Tasks, len(tt.asked))
			}
			f := gather.Run(context.Background(), opts)
			slices.Sort(asked)
			if !reflect.DeepEqual(asked, tt.asked) {
				t.Errorf("WinHTTP asked %v; want %v", asked, tt.asked)
			}
			if f.OSStack.State != tt.web || f.OSStack.Leg != leg.Web || f.OSStackScreen.State != tt.screen || f.OSStackScreen.Leg != leg.Screen {
				t.Errorf("recorded web %s (%s), screen %s (%s); want %s (web), %s (screen)", f.OSStack.State, f.OSStack.Leg, f.OSStackScreen.State, f.OSStackScreen.Leg, tt.web, tt.screen)
			}
		})
	}
}
