package checks

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// tls.os-stack asks WinHTTP about each leg's endpoint: the RDP relay, whose
// TLS is SCHANNEL's as the screen leg makes it, and the service, which
// says what Windows' own TLS settings allow (WebView2 does not use
// WinHTTP). A relay SCHANNEL cannot reach while qadoctor's own TLS can is
// this PC's settings ending the session when sharing starts.
func TestJudgeOSStackPerLeg(t *testing.T) {
	const (
		serviceURL = "https://remoteassistance.support.services.microsoft.com:443/"
		relayHost  = "rdprelayv3eastusprod-0.support.services.microsoft.com"
		relayURL   = "https://" + relayHost + ":443/"
	)
	service := ep("remoteassistance.support.services.microsoft.com", true)
	relay := ep(relayHost, true, func(e *facts.EndpointFacts) {
		e.Endpoint.Role, e.Endpoint.Step = profile.RoleRDPRelay, leg.Sharing
		e.Endpoint.Purpose = "RDP relay"
	})
	relayGoFailed := ep(relayHost, true, func(e *facts.EndpointFacts) {
		e.Endpoint.Role, e.Endpoint.Step = profile.RoleRDPRelay, leg.Sharing
		e.TLS.Step = facts.Step{State: facts.StepFailed, Kind: "protocol-version"}
		e.TLS.Verified = false
	})
	ok := func(url string, l leg.Leg) facts.OSStack {
		return facts.OSStack{State: facts.OSStackOK, URL: url, StatusCode: 200, SecureChannel: true, Leg: l, DurationMS: 80}
	}
	channelError := func(url string, l leg.Leg) facts.OSStack {
		return facts.OSStack{State: facts.OSStackFailed, URL: url, ErrorCode: 12157, ErrorName: "ERROR_WINHTTP_SECURE_CHANNEL_ERROR",
			Meaning: "SCHANNEL could not build the TLS channel: no protocol version or cipher suite in common (check os.schannel and os.cipher-policy), or the certificate was refused", Leg: l}
	}
	// The relay completed TLS and then closed: no HTTP, as a relay may.
	noHTTP := facts.OSStack{State: facts.OSStackFailed, URL: relayURL, ErrorCode: 12030, ErrorName: "ERROR_WINHTTP_CONNECTION_ERROR",
		Meaning: "the connection was reset or closed, often during the TLS handshake: a protocol or cipher mismatch, or a middlebox cutting it", SecureChannel: true, Leg: leg.Screen}
	noEndpoint := facts.OSStack{State: facts.OSStackNoEndpoint, Leg: leg.Screen}
	tls12Off := winstate.Collect(machine(set(schannel12, "Enabled", winstate.DWORDValue(0)), set(schannel12, "DisabledByDefault", winstate.DWORDValue(1))), "live", "", nil)

	tests := []struct {
		name        string
		web, screen facts.OSStack
		eps         []facts.EndpointFacts
		system      facts.System
		status      finding.Status
		reason      string
		leg         leg.Leg
		step        leg.Step
		cause       []string // in the English cause
		evidence    []string // subjects the evidence names
	}{
		{"both legs reach their endpoint", ok(serviceURL, leg.Web), noHTTP, []facts.EndpointFacts{service, relay}, facts.System{},
			finding.Pass, "", leg.Screen, leg.Sharing, nil, []string{serviceURL, relayHost + ":443"}},
		{"a profile without a relay asks the service alone", ok(serviceURL, leg.Web), noEndpoint, []facts.EndpointFacts{service}, facts.System{},
			finding.Pass, "", leg.None, leg.NoStep, nil, []string{serviceURL}},
		{"SCHANNEL fails the relay that Go's TLS reaches", ok(serviceURL, leg.Web), channelError(relayURL, leg.Screen), []facts.EndpointFacts{service, relay}, facts.System{},
			finding.Fail, "os-stack-secure-channel-error-local", leg.Screen, leg.Sharing,
			[]string{"12157", "the session will end when screen sharing starts", "os.schannel", "os.cipher-policy", "os.fips", "network is fine"}, nil},
		{"the registry value that took TLS 1.2 away is shown", ok(serviceURL, leg.Web), channelError(relayURL, leg.Screen), []facts.EndpointFacts{service, relay}, tls12Off,
			finding.Fail, "os-stack-secure-channel-error-local", leg.Screen, leg.Sharing,
			[]string{"os.schannel finds: TLS 1.2 is off in SCHANNEL"}, []string{`SCHANNEL\Protocols\TLS 1.2\Client`}},
		{"both stacks fail the relay: not only this PC's settings", ok(serviceURL, leg.Web), channelError(relayURL, leg.Screen), []facts.EndpointFacts{service, relayGoFailed}, facts.System{},
			finding.Fail, "os-stack-secure-channel-error", leg.Screen, leg.Sharing, []string{"the session will end when screen sharing starts"}, nil},
		{"the web endpoint fails, the relay passes", channelError(serviceURL, leg.Web), noHTTP, []facts.EndpointFacts{service, relay}, facts.System{},
			finding.Fail, "os-stack-secure-channel-error-local", "", "", []string{"12157", "Windows' TLS settings", "not the web leg"}, nil},
		{"both fail: the relay's failure is the one named", channelError(serviceURL, leg.Web), channelError(relayURL, leg.Screen), []facts.EndpointFacts{service, relay}, facts.System{},
			finding.Fail, "os-stack-secure-channel-error-local", leg.Screen, leg.Sharing, []string{"RDP relay"}, nil},
		{"an optional relay only warns", ok(serviceURL, leg.Web), channelError(relayURL, leg.Screen),
			[]facts.EndpointFacts{service, ep(relayHost, false, func(e *facts.EndpointFacts) { e.Endpoint.Role, e.Endpoint.Step = profile.RoleRDPRelay, leg.Sharing })}, facts.System{},
			finding.Warn, "os-stack-secure-channel-error-local", leg.Screen, leg.Sharing, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &facts.Facts{MinTLS: "1.2", Endpoints: tt.eps, OSStack: tt.web, OSStackScreen: tt.screen, System: tt.system}
			if f.System.State == "" {
				f.System.State = facts.SystemNotSelected
			}
			c := Check{ID: "tls.os-stack", Title: titleOSStack, Judge: judgeOSStack}
			got := Judge(f, []Check{c}, i18n.New(i18n.English))[0]
			if got.Status != tt.status || got.Reason != tt.reason {
				t.Fatalf("status %s, reason %q; want %s %q\n%+v", got.Status, got.Reason, tt.status, tt.reason, got)
			}
			if tt.leg != "" && (got.Leg != tt.leg || got.Step != tt.step) {
				t.Errorf("leg %s, step %s; want %s, %s", got.Leg, got.Step, tt.leg, tt.step)
			}
			for _, w := range tt.cause {
				if !strings.Contains(got.Cause, w) {
					t.Errorf("cause %q; want it to say %q", got.Cause, w)
				}
			}
			subjects := map[string]string{}
			for _, e := range got.Evidence {
				subjects[e.Subject] = e.Detail
			}
			for _, w := range tt.evidence {
				if _, ok := subjects[w]; !ok {
					t.Errorf("evidence %v; want one for %s", subjects, w)
				}
			}
			// Each endpoint's evidence says which leg it tells about.
			for _, e := range got.Evidence {
				switch {
				case e.Subject == serviceURL && !strings.Contains(e.Detail, "WebView2") && !strings.Contains(e.Detail, "does not use WinHTTP"):
					t.Errorf("the service's evidence %q should say WebView2 does not use WinHTTP", e.Detail)
				case strings.HasPrefix(e.Subject, relayHost) && !strings.Contains(e.Detail, "the screen leg's TLS, as Windows makes it"):
					t.Errorf("the relay's evidence %q should say it is the screen leg's TLS, as Windows makes it", e.Detail)
				}
			}
			ja := judgeOSStack(f, i18n.New(i18n.Japanese))
			assertJapanese(t, ja)
			if ja.Status != got.Status || ja.Reason != got.Reason {
				t.Errorf("in Japanese: %s %q; want %s %q", ja.Status, ja.Reason, got.Status, got.Reason)
			}
		})
	}
}

// Facts from before the relay was asked (no os_stack_screen), and runs
// that could not ask, still judge as they did.
func TestJudgeOSStackOldAndNotAsked(t *testing.T) {
	tests := []struct {
		name        string
		web, screen facts.OSStack
		status      finding.Status
		summary     string
	}{
		{"recorded before the relay was asked", facts.OSStack{State: facts.OSStackOK, URL: "https://a.test:443/", StatusCode: 204}, facts.OSStack{},
			finding.Pass, "got an HTTP answer (204)"},
		{"not Windows", facts.OSStack{State: facts.OSStackNotWindows, Leg: leg.Web}, facts.OSStack{State: facts.OSStackNotWindows, Leg: leg.Screen},
			finding.Skip, "Windows only"},
		{"not selected", facts.OSStack{State: facts.OSStackNotSelected}, facts.OSStack{State: facts.OSStackNotSelected}, finding.Skip, "Not checked"},
		{"cut off at the deadline", facts.OSStack{State: facts.OSStackTimeout, URL: "https://a.test:443/", CutOff: true}, facts.OSStack{},
			finding.Fail, "no answer before the run's deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := judgeOSStack(&facts.Facts{OSStack: tt.web, OSStackScreen: tt.screen}, i18n.New(i18n.English))
			if got.Status != tt.status || !strings.Contains(got.Summary, tt.summary) {
				t.Errorf("judgeOSStack = %s %q; want %s, saying %q", got.Status, got.Summary, tt.status, tt.summary)
			}
		})
	}
}
