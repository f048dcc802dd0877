// Package leg names the two legs a Quick Assist session travels and the
// steps at which a person sees one break, so every finding can say what
// the user will see ("the session ends when screen sharing starts").
//
// The web leg (sign-in, the code, consent, chat, telemetry) runs in
// WebView2: Chromium's network stack and TLS, which ignore SCHANNEL. The
// screen leg is Windows' own RDP / Desktop Sharing stack to the RDP relay
// on 443, with SCHANNEL's TLS ("Quick Assist starts RDP control and
// connects to the RDP Relay service", Microsoft's Quick Assist page,
// 2024-07-01; ../shared/CAUSES.md section 1b).
//
// To add a step: a Step constant in the order a session meets it, its
// phrase in steps (and its Japanese in internal/i18n/ja.json); the reason
// table (internal/checks/reasons.go) and the profile's endpoints use it.
package leg

import (
	"fmt"
	"strings"

	"github.com/qadoctor/qadoctor/internal/i18n"
)

// Leg is the part of a session a finding breaks.
type Leg string

const (
	Web    Leg = "web"    // WebView2: sign-in, code, consent, chat, telemetry (Chromium's TLS)
	Screen Leg = "screen" // Windows' RDP / Desktop Sharing through the RDP relay (SCHANNEL's TLS)
	Both   Leg = "both"   // both legs: the network, the clock, a blocked service
	None   Leg = "none"   // neither: qadoctor's own state (a stale endpoint list), Windows parts Quick Assist does not use
)

// Legs lists the legs in the order the docs give them.
var Legs = []Leg{Web, Screen, Both, None}

// Of joins the legs of several failures: one leg, or Both.
func Of(legs ...Leg) Leg {
	var out Leg
	for _, l := range legs {
		switch {
		case l == "" || l == None:
		case out == "":
			out = l
		case out != l:
			out = Both
		}
	}
	if out == "" {
		return None
	}
	return out
}

// Step is where in a session a person sees a leg break, in the order a
// session meets them.
type Step string

const (
	Opens   Step = "opens"   // Quick Assist does not open, or spins without connecting
	SignIn  Step = "sign-in" // the helper cannot sign in
	Code    Step = "code"    // the security code is refused or the session does not start
	Sharing Step = "sharing" // the session ends when screen sharing starts
	Slow    Step = "slow"    // it works, but slowly or choppily
	NoStep  Step = "none"    // nothing a person sees
)

// Steps lists the steps in session order; --symptom takes these names.
var Steps = []Step{Opens, SignIn, Code, Sharing, Slow}

// steps phrase each step as what the person sees: the clause that ends a
// cause ("…, so <clause>") and the answer in the symptom question.
var steps = map[Step]struct{ clause, seen string }{
	Opens:   {i18n.Key("Quick Assist will not open, or will spin without connecting"), i18n.Key("Quick Assist does not open, or spins without connecting")},
	SignIn:  {i18n.Key("the helper will not be able to sign in"), i18n.Key("the helper cannot sign in")},
	Code:    {i18n.Key("the security code will be refused or the session will not start"), i18n.Key("the code is refused, or the session does not start")},
	Sharing: {i18n.Key("the session will end when screen sharing starts"), i18n.Key("the session ends when screen sharing starts (the security message)")},
	Slow:    {i18n.Key("the session will work, but slowly or choppily"), i18n.Key("it works, but slowly or choppily")},
}

// Clause says what a person will see when this step breaks, for the end of
// a cause ("…, so the session will end when screen sharing starts"); "" for
// NoStep.
func (s Step) Clause(tr *i18n.Printer) string {
	p, ok := steps[s]
	if !ok {
		return ""
	}
	return tr.Text(p.clause)
}

// Seen is the step as a person reports it, for the symptom question.
func (s Step) Seen(tr *i18n.Printer) string {
	p, ok := steps[s]
	if !ok {
		return ""
	}
	return tr.Text(p.seen)
}

// Index is the step's place in a session (0 first); NoStep and unknown
// steps come after every real one.
func (s Step) Index() int {
	for i, x := range Steps {
		if x == s {
			return i
		}
	}
	return len(Steps)
}

// First is the earliest of steps in a session: what a person sees first
// when several break.
func First(ss ...Step) Step {
	best := NoStep
	for _, s := range ss {
		if s.Index() < best.Index() {
			best = s
		}
	}
	return best
}

// ParseStep reads a step name (--symptom, a profile's step); "" and
// "unknown" are the zero Step, "don't know".
func ParseStep(s string) (Step, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "unknown" {
		return "", nil
	}
	for _, x := range Steps {
		if string(x) == s {
			return x, nil
		}
	}
	names := make([]string, len(Steps))
	for i, x := range Steps {
		names[i] = string(x)
	}
	return "", fmt.Errorf("%q is not a step; want one of %s, or unknown", s, strings.Join(names, ", "))
}

// Valid reports a step a finding or an endpoint may carry.
func (s Step) Valid() bool { return s == NoStep || s.Index() < len(Steps) }
