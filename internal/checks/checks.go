// Package checks judges gathered facts. Each check is a pure function from
// facts to one finding: it never touches the network or the system, so
// every verdict can be tested from recorded facts and a report judged on
// another machine reads the same.
//
// Facts hold codes and values (internal/facts); the judges say them in the
// person's language, through the Printer they are given. The functions in
// phrase.go say the shared vocabularies (what a step waited on, why it did
// not run, why a route goes its way); use them rather than a fact's text.
//
// # Add a check
//
//  1. Pick a stable ID (area.name; IDs are never renamed) and add one row
//     to All, in chain order (Verdict names the first broken step): its
//     title (an i18n.Key), the facts.Needs it reads, Live if only a run on
//     the PC can judge it, PerUser if it reads the signed-in user's
//     settings.
//  2. If the facts it needs are not gathered yet, add them first (the
//     gather package's "Add a fact").
//  3. Write the judge in the file of its area (net, path, tls, clock, os,
//     app): every status it can give, a Reason code for each failure
//     (documented in README.md), the cause in plain words and the fix as
//     steps; every string through tr.Sprintf, so go vet checks the verbs
//     and TestCatalogComplete asks for the Japanese.
//  4. Add the Japanese to internal/i18n/ja.json, and table cases to the
//     area's test (each runs in Japanese too).
//  5. If a repair is safe and documented, give the finding an Action (see
//     internal/fix); else its Fix says what a person must do.
package checks

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Check is one judge: its stable ID, what it needs gathered, and the
// function that judges.
type Check struct {
	ID    string
	Title string
	Needs facts.Needs
	// Live marks checks that only a run on the machine itself can judge
	// (the network, the hosts file); analyze skips them.
	Live bool
	// PerUser marks checks that read the signed-in user's settings (HKCU,
	// the user's packages and proxy): run as SYSTEM (Intune), they see
	// SYSTEM's own profile.
	PerUser bool
	// Keys are the registry keys (with their subtrees) the judge reads: a
	// line of a .reg export under one of them that regedit would skip is
	// shown in the finding's evidence.
	Keys []string
	// Judge writes its finding's text in tr's language.
	Judge func(f *facts.Facts, tr *i18n.Printer) finding.Finding
}

// All returns every check, in the order of the chain a connection goes
// through: a deliberate block, local overrides, name, route, the clock (which decides whether
// certificates look valid), then TLS, then the system. Verdict relies on
// that order to name the first broken step.
func All() []Check {
	return []Check{
		// A block the organisation set on purpose comes first: it explains
		// every failure after it, and the answer to it is "ask IT".
		{ID: "app.blocked", Title: titleBlocked, Needs: system, Keys: []string{winstate.KeyNRPTPolicy, winstate.KeyNRPTLocal, winstate.KeyAppLockerAppx, winstate.KeyTenantRestrictions}, Judge: judgeBlocked},
		{ID: "net.hosts-file", Title: titleHosts, Needs: facts.Needs{HostsFile: true}, Live: true, Judge: judgeHostsFile},
		{ID: "net.dns", Title: titleDNS, Needs: facts.Needs{DNS: true}, Live: true, Judge: judgeDNS},
		{ID: "net.vpn", Title: titleVPN, Needs: facts.Needs{Network: true}, Live: true, Judge: judgeVPN},
		{ID: "net.proxy", Title: titleProxy, Needs: facts.Needs{TCP: true}, Live: true, PerUser: true, Judge: judgeProxy},
		{ID: "net.reach", Title: titleReach, Needs: facts.Needs{TCP: true}, Live: true, Judge: judgeReach},
		{ID: "clock.offset", Title: titleClockOffset, Needs: facts.Needs{NTP: true, HTTP: true}, Live: true, Judge: judgeClockOffset},
		{ID: "clock.settings", Title: titleClockSettings, Needs: facts.Needs{System: true, ClockSettings: true}, Keys: keysClock, Judge: judgeClockSettings},
		{ID: "tls.interception", Title: titleInterception, Needs: facts.Needs{TLS: true}, Live: true, Judge: judgeInterception},
		{ID: "tls.handshake", Title: titleHandshake, Needs: facts.Needs{TLS: true}, Live: true, Judge: judgeHandshake},
		{ID: "tls.versions", Title: titleVersions, Needs: facts.Needs{Versions: true}, Live: true, Judge: judgeVersions},
		{ID: "net.websocket", Title: titleWebSocket, Needs: facts.Needs{HTTP: true}, Live: true, Judge: judgeWebSocket},
		{ID: "net.relay", Title: titleRelay, Needs: facts.Needs{HTTP: true}, Live: true, Judge: judgeRelay},
		{ID: "tls.os-stack", Title: titleOSStack, Needs: facts.Needs{OSStack: true}, Live: true, Judge: judgeOSStack},
		{ID: "service.health", Title: titleHealth, Needs: facts.Needs{HTTP: true}, Live: true, Judge: judgeHealth},
		// The PC's own browser after qadoctor's probes: where both fail,
		// the probe's finding names the step; where only the browser
		// does, this is the cause.
		{ID: "net.browser", Title: titleBrowser, Needs: facts.Needs{Browser: true}, Live: true, PerUser: true, Judge: judgeBrowser},
		{ID: "os.schannel", Title: titleSchannel, Needs: system, Keys: keysSchannel, Judge: judgeSchannel},
		{ID: "os.winhttp", Title: titleWinHTTP, Needs: system, Keys: []string{winstate.KeyWinHTTP, winstate.KeyWinHTTP32}, Judge: judgeWinHTTP},
		{ID: "os.inet", Title: titleInet, Needs: system, PerUser: true, Keys: []string{winstate.KeyInetPolicyMachine, winstate.KeyInetPolicyUser, winstate.KeyInetUser, winstate.KeyInetMachine}, Judge: judgeInet},
		{ID: "os.dotnet", Title: titleDotNet, Needs: system, Keys: []string{winstate.KeyDotNet4, winstate.KeyDotNet4W, winstate.KeyDotNet2, winstate.KeyDotNet2W}, Judge: judgeDotNet},
		{ID: "os.cipher-policy", Title: titleCipher, Needs: system, Keys: []string{winstate.KeyCipherPolicy, winstate.KeyCipherLocal, winstate.KeySchannelCiphers, winstate.KeySchannelKeyExchanges, winstate.KeySchannelHashes}, Judge: judgeCipherPolicy},
		{ID: "os.fips", Title: titleFIPS, Needs: system, Keys: []string{winstate.KeyLsa, winstate.KeyRDPPolicy}, Judge: judgeFIPS},
		{ID: "os.rdp-policy", Title: titleRDPPolicy, Needs: system, Keys: []string{winstate.KeyRDPPolicy}, Judge: judgeRDPPolicy},
		{ID: "os.desktop-sharing", Title: titleDesktopSharing, Needs: system, Keys: []string{winstate.KeyRDPSessionServer, winstate.KeyRDPViewerServer}, Judge: judgeDesktopSharing},
		{ID: "os.version", Title: titleVersion, Needs: system, Keys: []string{winstate.KeyCurrentVersion, winstate.KeyEnvironment}, Judge: judgeVersion},
		{ID: "app.quickassist", Title: titleQuickAssist, Needs: system, PerUser: true, Keys: []string{winstate.KeyAppxUserPackages, winstate.KeyAppxAllUsers, winstate.KeyStorePolicy, winstate.KeyAppinfo, winstate.KeyPoliciesSystem}, Judge: judgeQuickAssist},
		{ID: "app.webview2", Title: titleWebView2, Needs: system, PerUser: true, Keys: []string{winstate.KeyWebView2Machine, winstate.KeyWebView2Machine64, winstate.KeyWebView2User, winstate.KeyEdgeUpdatePolicy, winstate.KeyWebView2PolicyMachine, winstate.KeyWebView2PolicyUser}, Judge: judgeWebView2},
		// What the PC recorded of the session that failed: after the checks
		// whose causes its records back (corroborate ties them).
		{ID: "app.last-session", Title: titleLastSession, Needs: facts.Needs{Sessions: true}, PerUser: true, Judge: judgeLastSession},
		// Last: a stale list is worth knowing, never the most likely cause.
		{ID: "profile.age", Title: titleProfileAge, Judge: judgeProfileAge},
	}
}

// system is the plan of the checks that read the Windows system state.
var system = facts.Needs{System: true}

var (
	keysClock    = []string{winstate.KeyW32Time, winstate.KeyW32TimePolicy, winstate.KeyTZAutoUpdate, winstate.KeyTimeZone}
	keysSchannel = []string{winstate.KeySchannelProtocols}
)

// IDs lists every check ID, in order.
func IDs() []string {
	var ids []string
	for _, c := range All() {
		ids = append(ids, c.ID)
	}
	return ids
}

// PerUserIDs lists the checks that read the signed-in user's settings.
func PerUserIDs() []string {
	var ids []string
	for _, c := range All() {
		if c.PerUser {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// UnknownCheckError is an ID that names no check.
type UnknownCheckError struct{ ID string }

func (e *UnknownCheckError) Error() string {
	return fmt.Sprintf("unknown check %q; known checks: %s", e.ID, strings.Join(IDs(), ", "))
}

// ErrNoneSelected says --only and --skip left no check.
var ErrNoneSelected = errors.New("--only and --skip leave no check to run")

// Select returns the checks named by only (all when empty) less those in
// skip. An unknown ID is an error that lists the known ones.
func Select(only, skip []string) ([]Check, error) {
	all := All()
	known := map[string]bool{}
	for _, c := range all {
		known[c.ID] = true
	}
	for _, id := range append(append([]string(nil), only...), skip...) {
		if !known[id] {
			return nil, &UnknownCheckError{ID: id}
		}
	}
	in := func(list []string, id string) bool {
		for _, x := range list {
			if x == id {
				return true
			}
		}
		return false
	}
	var sel []Check
	for _, c := range all {
		if (len(only) == 0 || in(only, c.ID)) && !in(skip, c.ID) {
			sel = append(sel, c)
		}
	}
	if len(sel) == 0 {
		return nil, ErrNoneSelected
	}
	return sel, nil
}

// NeedsOf is what the checks need gathered.
func NeedsOf(cs []Check) facts.Needs {
	var p facts.Needs
	for _, c := range cs {
		p = p.Union(c.Needs)
	}
	return p
}

// Judge runs the checks over the facts, in order, and writes the findings
// in tr's language.
func Judge(f *facts.Facts, cs []Check, tr *i18n.Printer) []finding.Finding {
	out := make([]finding.Finding, 0, len(cs))
	for _, c := range cs {
		var fd finding.Finding
		if c.Live && f.Analyzed != "" {
			fd = finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Only a live run on the PC can check this; %s is a recording.", f.Analyzed)}
		} else {
			fd = c.Judge(f, tr)
			fd.Evidence = append(fd.Evidence, skippedEvidence(tr, f, c.Keys)...)
		}
		fd.ID, fd.Title = c.ID, tr.Text(c.Title)
		fd.Leg, fd.Step = legAndStep(f, c, fd)
		fd.Actions = slices.Clone(fd.Actions) // shared tables stay untouched
		for i := range fd.Actions {
			fd.Actions[i].Title = tr.Text(fd.Actions[i].Title)
		}
		out = append(out, fd)
	}
	trustBrowser(out, f, tr)
	corroborate(out, f, tr)
	return out
}

// Verdict picks the most likely cause: a failing finding the PC's record
// of its last session backs (finding.Record), else that record's own
// finding when it fails, else the first failing finding in chain order (a
// broken name lookup explains everything after it), else the first error,
// else the first warning. It returns nil when all passed. A record of the
// failure itself beats any re-creation of it.
//
// symptom is the step at which the person saw the session break (""
// when they do not know): a finding met at that step comes first, since
// the steps before it evidently worked for them; the others stay in the
// report, in their order.
func Verdict(fs []finding.Finding, symptom leg.Step) *finding.Finding {
	// A cause the PC's record of the failed session backs comes first,
	// then that record itself when no check of today explains it.
	for i := range fs {
		if fs[i].Status == finding.Fail && fs[i].Record != "" {
			return &fs[i]
		}
	}
	for i := range fs {
		if fs[i].ID == "app.last-session" && fs[i].Status == finding.Fail {
			return &fs[i]
		}
	}
	if symptom != "" {
		for _, want := range []finding.Status{finding.Fail, finding.Error, finding.Warn} {
			for i := range fs {
				if fs[i].Status == want && fs[i].Step == symptom {
					return &fs[i]
				}
			}
		}
	}
	for _, want := range []finding.Status{finding.Fail, finding.Error, finding.Warn} {
		for i := range fs {
			if fs[i].Status == want {
				return &fs[i]
			}
		}
	}
	return nil
}

// severity is how much an endpoint's failure weighs: a required endpoint
// ends sessions, an optional one only degrades them.
func severity(e facts.EndpointFacts) finding.Status {
	if e.Endpoint.Required {
		return finding.Fail
	}
	return finding.Warn
}

// subject names an endpoint in evidence: the probed host and port, with
// the wildcard it stands for.
func subject(e facts.EndpointFacts) string {
	s := e.Endpoint.Address()
	if e.Endpoint.IsWildcard() {
		s += " (" + e.Endpoint.Host + ")"
	}
	return s
}

// judged collects per-endpoint evidence and sums it up into a status.
type judged struct {
	evidence []finding.Evidence
	statuses []finding.Status // of the endpoints the check could judge
	failed   []facts.EndpointFacts
}

func (j *judged) add(e facts.EndpointFacts, st finding.Status, detail string, raw any) {
	j.evidence = append(j.evidence, finding.Evidence{Subject: subject(e), Status: st, Detail: detail, Facts: raw})
	if st != finding.Skip {
		j.statuses = append(j.statuses, st)
	}
	if st == finding.Fail || st == finding.Warn {
		j.failed = append(j.failed, e)
	}
}

// status is the worst status seen, or Skip when nothing could be judged.
func (j *judged) status() finding.Status { return finding.Worst(j.statuses...) }

// counts returns how many were judged and how many of those did not pass.
func (j *judged) counts() (judgedN, bad int) {
	return len(j.statuses), len(j.failed)
}

// finish turns the evidence into a finding. When no endpoint could be
// judged, or none failed, the finding is complete (done); otherwise the
// caller explains the failures, which come back required ones first.
// allPassed says the summary for n endpoints that all passed.
func (j *judged) finish(tr *i18n.Printer, allPassed func(n int) string) (fd finding.Finding, failed []facts.EndpointFacts, done bool) {
	n, bad := j.counts()
	fd = finding.Finding{Status: j.status(), Evidence: j.evidence}
	switch {
	case n == 0:
		fd.Summary = notChecked(tr, j.evidence)
		return fd, nil, true
	case bad == 0:
		fd.Summary = allPassed(n)
		return fd, nil, true
	}
	return fd, j.ordered(), false
}

// ordered returns the failed endpoints, required ones first.
func (j *judged) ordered() []facts.EndpointFacts {
	out := append([]facts.EndpointFacts(nil), j.failed...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Endpoint.Required && !out[b].Endpoint.Required })
	return out
}

// hostList names up to four endpoints and counts the rest.
func hostList(tr *i18n.Printer, es []facts.EndpointFacts) string {
	var names []string
	for i, e := range es {
		if i == 4 {
			names = append(names, tr.Sprintf("and %d more", len(es)-4))
			break
		}
		names = append(names, e.Endpoint.ProbeHost())
	}
	return strings.Join(names, ", ")
}

// blockedBy explains an endpoint a later check could not judge.
func blockedBy(tr *i18n.Printer, s facts.Step) string {
	return tr.Sprintf("not checked: %s", notRunWhy(tr, s))
}

func fmtMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

// notChecked sums up a check that could judge no endpoint, with the reason
// its evidence gives when every endpoint shares it.
func notChecked(tr *i18n.Printer, ev []finding.Evidence) string {
	if len(ev) == 0 {
		return tr.Sprintf("Not checked.")
	}
	for _, e := range ev[1:] {
		if e.Detail != ev[0].Detail {
			return tr.Sprintf("Not checked: an earlier step failed for every endpoint.")
		}
	}
	d := ev[0].Detail
	r, n := utf8.DecodeRuneInString(d)
	return tr.Sprintf("%s.", string(unicode.ToUpper(r))+d[n:])
}

// loadData decodes one of the embedded data tables (lifecycle, interceptor
// CAs, VPN adapters). Tests prove each decodes, so an error here is a
// broken build, reported as an error finding rather than a panic.
func loadData[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// texts translates messages stored with i18n.Key.
func texts(tr *i18n.Printer, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = tr.Text(k)
	}
	return out
}

// skippedEvidence shows the lines of a .reg export under keys that regedit
// would not import: the export is not clean, and a value on such a line
// is not what the verdict saw.
func skippedEvidence(tr *i18n.Printer, f *facts.Facts, keys []string) []finding.Evidence {
	var ev []finding.Evidence
	for _, l := range f.System.RegSkipped {
		if !underKeys(l, keys) {
			continue
		}
		ev = append(ev, finding.Evidence{
			Subject: tr.Sprintf("%s line %d", f.System.File, l.Line),
			Status:  finding.Warn,
			Detail:  tr.Sprintf("regedit skips this line (%s): %s", regSkipWhy(tr, l.Reason), l.Text),
			Facts:   l,
		})
	}
	return ev
}

// underKeys reports whether a skipped line belongs to one of keys: it is
// in the section of one of them or below, or it is a key line naming a
// parent of one (a rejected [HKLM\...\SCHANNEL] hides all of it).
func underKeys(l facts.RegSkip, keys []string) bool {
	lk := strings.ToLower(l.Key)
	if lk == "" {
		return false
	}
	for _, k := range keys {
		k = strings.ToLower(k)
		if lk == k || strings.HasPrefix(lk, k+`\`) || (l.KeyRow && strings.HasPrefix(k, lk+`\`)) {
			return true
		}
	}
	return false
}
