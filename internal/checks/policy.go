package checks

import (
	"net/netip"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var titleBlocked = i18n.Key("No policy on this PC blocks Quick Assist on purpose")

// blockableNames are the names an organisation blocks to turn Quick Assist
// off: the main endpoint is Microsoft's documented way to disable it
// (REFERENCE.md "Quick Assist"); the others carry its sessions.
var blockableNames = []string{
	"remoteassistance.support.services.microsoft.com",
	"remoteassistanceprodacs.communication.azure.com",
	"turn.azure.com",
	"edge.skype.com",
	"login.microsoftonline.com",
}

// nrptCovers reports whether an NRPT namespace covers host: ".suffix"
// covers the names below it (and the suffix itself), a plain name only
// itself ([MS-GPNRPT] 2.2.1, the Name value).
// Both are compared in profile.CanonicalName form: case and a trailing
// dot ("contoso.com.", as an FQDN is often written) make no difference.
func nrptCovers(namespace, host string) bool {
	ns := strings.TrimSpace(namespace)
	if ns == "" || ns == "." {
		return false
	}
	host = profile.CanonicalName(host)
	if strings.HasPrefix(ns, ".") {
		suffix := profile.CanonicalName(ns[1:])
		return strings.HasSuffix(host, "."+suffix) || host == suffix
	}
	return host == profile.CanonicalName(ns)
}

// sinkhole reports whether an NRPT rule's DNS servers answer nothing
// useful: only unspecified or loopback addresses. A rule with no generic
// servers (a DirectAccess rule) is not one.
func sinkhole(servers string) bool {
	n := 0
	for _, s := range strings.FieldsFunc(servers, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		n++
		a, err := netip.ParseAddr(s)
		if err != nil || !(a.IsUnspecified() || a.IsLoopback()) {
			return false
		}
	}
	return n > 0
}

// judgeBlocked looks for an organisation's deliberate block: an NRPT rule
// that sends Quick Assist's names to a sinkhole or to its own DNS, an
// AppLocker packaged-app rule denying the app, tenant restrictions v2.
// A deliberate block is reported as such, with "ask IT", and never gets a
// repair: qadoctor does not route around an organisation's policy.
func judgeBlocked(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	var ev []finding.Evidence
	var status finding.Status
	var causes []string
	reason := ""
	known := false
	note := func(st finding.Status, r, cause string) {
		if st > status {
			status, reason = st, r
		}
		causes = append(causes, cause)
	}
	s := f.System
	for _, root := range []string{winstate.KeyNRPTPolicy, winstate.KeyNRPTLocal} {
		rules, ok := subKeys(s, root)
		known = known || ok
		for _, rule := range rules {
			key := root + `\` + rule
			nameRV := winstate.Lookup(s, key, "Name")
			v, set := winstate.FromFact(nameRV)
			if !set {
				continue
			}
			servers, _ := regString(s, key, "GenericDNSServers")
			var hits []string
			for _, ns := range v.Strings() {
				for _, h := range blockableNames {
					if nrptCovers(ns, h) {
						hits = append(hits, h)
					}
				}
			}
			if len(hits) == 0 {
				continue
			}
			st, detail := finding.Warn, tr.Sprintf("NRPT rule %s sends %s to the DNS server %s", rule, strings.Join(hits, ", "), servers)
			if sinkhole(servers) {
				st, detail = finding.Fail, tr.Sprintf("NRPT rule %s answers %s from nowhere (DNS servers %q): the names are blocked", rule, strings.Join(hits, ", "), servers)
				note(st, "blocked-by-organisation", tr.Sprintf("an NRPT rule (%s) set by your organisation sinkholes %s", rule, strings.Join(hits, ", ")))
			} else {
				note(st, "nrpt-rule", tr.Sprintf("an NRPT rule (%s) sends %s to your organisation's DNS server %s, which decides whether they resolve", rule, strings.Join(hits, ", "), servers))
			}
			ev = append(ev, finding.Evidence{Subject: key, Status: st, Detail: detail, Facts: nameRV})
		}
	}
	rules, ok := subKeys(s, winstate.KeyAppLockerAppx)
	known = known || ok
	mode, modeRV, modeSet := regNumber(s, winstate.KeyAppLockerAppx, "EnforcementMode")
	for _, rule := range rules {
		xml, rv := regString(s, winstate.KeyAppLockerAppx+`\`+rule, "Value")
		if !strings.Contains(xml, `Action="Deny"`) || !(strings.Contains(xml, "QuickAssist") || strings.Contains(xml, `ProductName="*"`)) {
			continue
		}
		if modeSet && mode == 0 {
			ev = append(ev, finding.Evidence{Subject: winstate.KeyAppLockerAppx + `\` + rule, Status: finding.Warn,
				Detail: tr.Sprintf("an AppLocker packaged-app rule denies Quick Assist, in audit mode only (%s)", describe(tr, modeRV)), Facts: rv})
			note(finding.Warn, "applocker-audit", tr.Sprintf("an AppLocker rule would deny Quick Assist; it only audits now"))
			continue
		}
		ev = append(ev, finding.Evidence{Subject: winstate.KeyAppLockerAppx + `\` + rule, Status: finding.Fail,
			Detail: tr.Sprintf("an AppLocker packaged-app rule denies Quick Assist"), Facts: rv})
		note(finding.Fail, "blocked-by-organisation", tr.Sprintf("an AppLocker rule set by your organisation denies the Quick Assist app"))
	}
	for _, l := range s.SubKeys {
		if !strings.EqualFold(l.Key, winstate.KeyTenantRestrictions) {
			continue
		}
		if l.State != facts.ValueUnknown {
			known = true
		}
		if l.State == facts.ValueSet {
			ev = append(ev, finding.Evidence{Subject: winstate.KeyTenantRestrictions, Status: finding.Warn,
				Detail: tr.Sprintf("tenant restrictions v2 are on (Group Policy \"Cloud Policy Details\")"), Facts: l})
			note(finding.Warn, "tenant-restrictions", tr.Sprintf("tenant restrictions v2 are on: a helper signing in with an account from a tenant your organisation does not allow is refused"))
		}
	}
	if !known {
		return uncovered(tr, winstate.KeyNRPTPolicy, winstate.KeyAppLockerAppx)
	}
	ev = append(ev, finding.Evidence{Subject: tr.Sprintf("App Control for Business (WDAC)"), Status: finding.Skip,
		Detail: tr.Sprintf("its policies are binary files under C:\\Windows\\System32\\CodeIntegrity\\CiPolicies that qadoctor does not read; if Quick Assist does not start at all, ask IT whether one blocks it")})
	if status == finding.Pass {
		return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("No NRPT rule, AppLocker rule or tenant restriction aimed at Quick Assist.")}
	}
	fd := finding.Finding{Status: status, Reason: reason, Evidence: ev,
		Cause: tr.Sprintf("This is a setting, not a fault: %s.", strings.Join(causes, "; ")),
		Fix: []string{
			tr.Sprintf("Ask your IT department: the block is on purpose (organisations turn Quick Assist off because attackers abuse it). qadoctor does not work around it."),
			tr.Sprintf("If your organisation supports remote help, it has a tool of its own (for example Intune Remote Help): use that one."),
		}}
	if status == finding.Fail {
		fd.Summary = tr.Sprintf("Your organisation blocks Quick Assist on purpose: %s.", causes[0])
	} else {
		fd.Summary = tr.Sprintf("A policy here can stop Quick Assist: %s.", causes[0])
	}
	return fd
}

// subKeys returns the recorded subkey names of key, and whether the
// source knew them (set or absent).
func subKeys(s facts.System, key string) ([]string, bool) {
	for _, l := range s.SubKeys {
		if strings.EqualFold(l.Key, key) {
			return l.Names, l.State == facts.ValueSet || l.State == facts.ValueAbsent
		}
	}
	return nil, false
}
