package profile

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/leg"
)

// The built-in profile carries both legs of a session (../shared/CAUSES.md
// section 1b): the RDP relay the screen goes through, and every other
// endpoint in the web leg, graded and placed as Microsoft's lists say.
func TestBuiltInLegs(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	byHost := map[string]Endpoint{}
	var screen []Endpoint
	for _, e := range p.Endpoints {
		byHost[e.Host] = e
		if e.Leg() == leg.Screen {
			screen = append(screen, e)
		}
	}

	// The relay Microsoft named (Intune endpoint list, 2025-01-09): the
	// screen goes through it, so it is required and met when sharing
	// starts; it is under the service's own wildcard.
	const relayHost = "rdprelayv3eastusprod-0.support.services.microsoft.com"
	relay, ok := byHost[relayHost]
	switch {
	case !ok:
		t.Fatalf("the built-in profile has no %s", relayHost)
	case len(screen) != 1 || screen[0].Host != relayHost:
		t.Errorf("screen-leg endpoints = %v; want only %s", screen, relayHost)
	case relay.Kind() != RoleRDPRelay || relay.Step != leg.Sharing || !relay.Required || relay.Port != 443:
		t.Errorf("%s = role %s, step %s, required %v, port %d; want rdp-relay, sharing, required, 443", relayHost, relay.Kind(), relay.Step, relay.Required, relay.Port)
	case relay.Source == nil || !strings.Contains(relay.Source.URL, "intune/fundamentals/endpoints.md") || relay.Source.Date != "2025-01-09":
		t.Errorf("%s source = %+v; want the Intune endpoint list of 2025-01-09", relayHost, relay.Source)
	case len(relay.Issuers) == 0:
		t.Errorf("%s has no issuers: interception of the relay would go unseen", relayHost)
	case !byHost["*.support.services.microsoft.com"].Covers(relayHost):
		t.Errorf("%s is not under *.support.services.microsoft.com", relayHost)
	}

	// turn.azure.com is Azure Communication Services' media relay, not
	// the screen.
	turn := byHost["turn.azure.com"]
	if turn.Leg() != leg.Web || !strings.Contains(turn.Purpose, "Azure Communication Services") || !strings.Contains(turn.Purpose, "not the screen") {
		t.Errorf("turn.azure.com: leg %s, purpose %q; want the web leg, said to be ACS's media relay and not the screen", turn.Leg(), turn.Purpose)
	}

	// The Intune list's additions of 2025: warned about, never failed.
	for _, host := range []string{"teams.microsoft.com", "remoteassistanceprodacseu.communication.azure.com"} {
		e, ok := byHost[host]
		if !ok || e.Required || e.Step == "" || e.Source == nil {
			t.Errorf("%s = %+v (listed %v); want an entry that is not required, with a step and a source", host, e, ok)
		}
	}
	if e := byHost["remoteassistanceprodacseu.communication.azure.com"]; !strings.Contains(e.Purpose, "EU") {
		t.Errorf("the EU host's purpose %q should say it is only for EU customers", e.Purpose)
	}

	// The trouter hosts of 2026-03 launch Intune Remote Help, not Quick
	// Assist: nothing a Quick Assist user sees.
	n := 0
	for _, e := range p.Endpoints {
		if !strings.HasSuffix(e.Host, "trouter.communications.svc.cloud.microsoft") {
			continue
		}
		n++
		if e.Required || e.Step != leg.NoStep || !strings.Contains(e.Purpose, "Remote Help") || !strings.Contains(e.Purpose, "not Quick Assist") {
			t.Errorf("%s: required %v, step %s, purpose %q; want not required, step none, said to be Remote Help's and not Quick Assist's", e.Host, e.Required, e.Step, e.Purpose)
		}
	}
	if n != 3 {
		t.Errorf("%d trouter.communications.svc.cloud.microsoft entries; want 3 (go-amer via the wildcard, go-apac, go-eu)", n)
	}
}
