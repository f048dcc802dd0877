package checks

import (
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// This file judges what Quick Assist's screen leg needs on the PC: Windows'
// RDP / Desktop Sharing stack ("Quick Assist starts RDP control and
// connects to the RDP Relay service", Microsoft's Quick Assist page,
// 2024-07-01; ../shared/CAUSES.md section 1b), its COM components, and the
// RDP policies that can refuse its encryption.

var (
	titleRDPPolicy      = i18n.Key("RDP's encryption policy lets Desktop Sharing connect")
	titleDesktopSharing = i18n.Key("Windows' Desktop Sharing components are present")
)

// RDP's MinEncryptionLevel and SecurityLayer values (Group Policy "Set
// client connection encryption level" and "Require use of specific
// security layer for remote (RDP) connections"; winstate.KeyRDPPolicy).
const (
	rdpLevelFIPS      = 4 // FIPS Compliant: the level Microsoft KB 811770 names
	rdpLayerNativeRDP = 0 // RDP's own encryption, where the level applies; no TLS
)

// rdpPolicy is what RDP's policy key says, with the FIPS switch beside it.
type rdpPolicy struct {
	level, layer       uint64
	levelSet, layerSet bool
	levelRV, layerRV   facts.RegValue
	covered            bool // the source includes the policy key
	fips               bool // FIPS mode is on
	fipsKnown          bool // the source includes the FIPS switches
}

func rdpPolicyOf(s facts.System) rdpPolicy {
	var p rdpPolicy
	p.level, p.levelRV, p.levelSet = regNumber(s, winstate.KeyRDPPolicy, "MinEncryptionLevel")
	p.layer, p.layerRV, p.layerSet = regNumber(s, winstate.KeyRDPPolicy, "SecurityLayer")
	p.covered = p.levelRV.State != facts.ValueUnknown || p.layerRV.State != facts.ValueUnknown
	p.fips = fipsOn(s)
	en := winstate.Lookup(s, winstate.KeyFIPS, "Enabled")
	old := winstate.Lookup(s, winstate.KeyLsa, "FIPSAlgorithmPolicy")
	p.fipsKnown = en.State != facts.ValueUnknown || old.State != facts.ValueUnknown
	return p
}

// fipsOn reads the FIPS switches: FipsAlgorithmPolicy\Enabled, the MDM's
// MDMEnabled, and the older Lsa\FIPSAlgorithmPolicy (REFERENCE.md "TLS
// registry").
func fipsOn(s facts.System) bool {
	en, _, enSet := regNumber(s, winstate.KeyFIPS, "Enabled")
	mdm, _, mdmSet := regNumber(s, winstate.KeyFIPS, "MDMEnabled")
	old, _, oldSet := regNumber(s, winstate.KeyLsa, "FIPSAlgorithmPolicy")
	return (enSet && en != 0) || (mdmSet && mdm != 0) || (oldSet && old != 0)
}

// fipsLevel says whether RDP's encryption is held to FIPS Compliant: the
// policy sets that level, or FIPS mode is on and the policy forces RDP's
// own encryption layer, where (the encryption policy's text says) the FIPS
// setting is the level. This is the setting of Microsoft KB 811770.
func (p rdpPolicy) fipsLevel() bool {
	return (p.levelSet && p.level == rdpLevelFIPS) || (p.fips && p.layerSet && p.layer == rdpLayerNativeRDP)
}

// evidence shows both policy values with what they mean.
func (p rdpPolicy) evidence(tr *i18n.Printer, st finding.Status) []finding.Evidence {
	level := map[uint64]string{
		1: tr.Sprintf("Low"), 2: tr.Sprintf("Client Compatible"), 3: tr.Sprintf("High"), 4: tr.Sprintf("FIPS Compliant"),
	}
	layer := map[uint64]string{
		0: tr.Sprintf("RDP's own encryption, no TLS"), 1: tr.Sprintf("Negotiate"), 2: tr.Sprintf("SSL (TLS)"),
	}
	say := func(rv facts.RegValue, n uint64, set bool, names map[uint64]string) string {
		if !set {
			return describe(tr, rv)
		}
		name, ok := names[n]
		if !ok {
			name = tr.Sprintf("not a value the policy defines")
		}
		return tr.Sprintf("%s: %s", describe(tr, rv), name)
	}
	levelSt, layerSt := finding.Pass, finding.Pass
	if p.levelSet && p.level == rdpLevelFIPS {
		levelSt = st
	}
	if p.fips && p.layerSet && p.layer == rdpLayerNativeRDP {
		layerSt = st
	}
	return []finding.Evidence{
		{Subject: winstate.KeyRDPPolicy + ` MinEncryptionLevel`, Status: levelSt, Detail: say(p.levelRV, p.level, p.levelSet, level), Facts: p.levelRV},
		{Subject: winstate.KeyRDPPolicy + ` SecurityLayer`, Status: layerSt, Detail: say(p.layerRV, p.layer, p.layerSet, layer), Facts: p.layerRV},
	}
}

// kb811770 is what Microsoft KB 811770 says, for causes: Remote Assistance,
// the same Desktop Sharing stack, cannot connect where RDP's encryption
// level is FIPS Compliant, and the client reports a security error.
func kb811770(tr *i18n.Printer) string {
	return tr.Sprintf("Microsoft KB 811770: where RDP's encryption level is FIPS Compliant, Remote Assistance, which shares the screen with the same Windows Desktop Sharing stack as Quick Assist, cannot connect, and reports a security error.")
}

func judgeRDPPolicy(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	p := rdpPolicyOf(f.System)
	if !p.covered {
		return uncovered(tr, winstate.KeyRDPPolicy)
	}
	if p.layerSet && p.layer == rdpLayerNativeRDP && !p.fipsKnown {
		// RDP's own encryption is FIPS Compliant exactly when FIPS mode is
		// on: a .reg export without the FIPS key cannot say.
		return uncovered(tr, winstate.KeyFIPS)
	}
	if !p.fipsLevel() {
		return finding.Finding{Status: finding.Pass, Evidence: p.evidence(tr, finding.Warn),
			Summary: tr.Sprintf("RDP's policy does not hold its encryption to FIPS Compliant.")}
	}
	fd := finding.Finding{Status: finding.Warn, Reason: "rdp-fips-encryption", Evidence: p.evidence(tr, finding.Warn),
		Summary: tr.Sprintf("RDP's policy requires FIPS-compliant encryption (MinEncryptionLevel=4), the setting Microsoft KB 811770 names."),
		Cause:   tr.Sprintf("%s Microsoft does not say whether this policy applies to Quick Assist's screen sharing; if it does, the code and consent work and the session ends when screen sharing starts.", kb811770(tr)),
		Fix: []string{
			tr.Sprintf(`If the PC does not need it, ask IT to set "Set client connection encryption level" (Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security) to High Level or Not Configured, then try Quick Assist again.`),
		}}
	if !(p.levelSet && p.level == rdpLevelFIPS) {
		fd.Summary = tr.Sprintf("FIPS mode is on and RDP's policy forces RDP's own encryption (SecurityLayer=0), so RDP's encryption is held to FIPS Compliant, the setting Microsoft KB 811770 names.")
		fd.Fix = []string{
			tr.Sprintf(`If the PC does not need it, ask IT to set "Require use of specific security layer for remote (RDP) connections" (same place, Remote Desktop Session Host > Security) to Negotiate or SSL, or Not Configured, then try Quick Assist again.`),
		}
	}
	return fd
}

// desktopSharingClasses are the Desktop Sharing API's COM classes and what
// each does in a session.
var desktopSharingClasses = []struct{ key, name, role string }{
	{winstate.KeyRDPSessionServer, "RDPSession", i18n.Key("shares this PC's screen")},
	{winstate.KeyRDPViewerServer, "RDPViewer", i18n.Key("shows the other PC's screen")},
}

func judgeDesktopSharing(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	var ev []finding.Evidence
	var missing []string
	covered := false
	for _, c := range desktopSharingClasses {
		path, rv := regString(f.System, c.key, "")
		switch rv.State {
		case facts.ValueUnknown:
			continue
		case facts.ValueSet:
			ev = append(ev, finding.Evidence{Subject: c.key, Status: finding.Pass, Facts: rv,
				Detail: tr.Sprintf("%s (%s) is registered: %s", c.name, tr.Text(c.role), path)})
		case facts.ValueAbsent:
			missing = append(missing, c.name)
			ev = append(ev, finding.Evidence{Subject: c.key, Status: finding.Warn, Facts: rv,
				Detail: tr.Sprintf("%s (%s) is not registered", c.name, tr.Text(c.role))})
		default:
			ev = append(ev, finding.Evidence{Subject: c.key, Status: finding.Skip, Facts: rv,
				Detail: tr.Sprintf("%s could not be read: %s", c.name, rv.Error)})
		}
		covered = true
	}
	fileChecked := false
	for _, file := range f.System.Files {
		if !strings.EqualFold(file.Path, winstate.DesktopSharingPath) {
			continue
		}
		covered, fileChecked = true, true
		if file.Exists {
			ev = append(ev, finding.Evidence{Subject: file.Path, Status: finding.Pass, Facts: file, Detail: tr.Sprintf("the file is there")})
		} else {
			missing = append(missing, "rdpencom.dll")
			ev = append(ev, finding.Evidence{Subject: file.Path, Status: finding.Warn, Facts: file, Detail: tr.Sprintf("the file is missing")})
		}
	}
	if !covered {
		return uncovered(tr, winstate.KeyRDPSessionServer, winstate.KeyRDPViewerServer)
	}
	if len(missing) == 0 {
		fd := finding.Finding{Status: finding.Pass, Evidence: ev,
			Summary: tr.Sprintf("Windows' Desktop Sharing components (RDPSession, RDPViewer, rdpencom.dll) are registered and present.")}
		if !fileChecked {
			fd.Summary = tr.Sprintf("Windows' Desktop Sharing components (RDPSession, RDPViewer) are registered; only a run on the PC checks that rdpencom.dll is there.")
		}
		return fd
	}
	return finding.Finding{Status: finding.Warn, Reason: "desktop-sharing-missing", Evidence: ev,
		Summary: tr.Sprintf("Part of Windows' Desktop Sharing is missing: %s.", strings.Join(missing, ", ")),
		Cause:   tr.Sprintf("Quick Assist shares the screen with Windows' own RDP (Microsoft's Quick Assist page), and Microsoft's trace for Quick Assist records its Desktop Sharing component, RDPEnCom, whose COM classes live in rdpencom.dll. They are part of Windows; when they are missing (removed, or Windows' files are damaged), expect the session to end when screen sharing starts."),
		Fix: []string{
			tr.Sprintf("As administrator, repair Windows' system files: DISM /Online /Cleanup-Image /RestoreHealth, then sfc /scannow, and restart."),
			tr.Sprintf("If they are still missing, ask IT to repair Windows (an in-place upgrade keeps apps and files) or to reinstall it from a standard image."),
		}}
}

// quickAssistFloor is the oldest Quick Assist Microsoft's support tool
// accepts: MSRD-Collect warns "An older Quick Assist version is installed
// on this machine. Please consider updating." below $latestQAver, "2.0.30.0"
// in its 2024 releases ("2.0.22.0" in February 2024; MSRDC-Diagnostics.psm1,
// msrdDiagQA; ../shared/CAUSES.md section 1b).
const quickAssistFloor = "2.0.30.0"

// quickAssistOld reports whether a version of the Store app's own
// numbering is below the floor.
func quickAssistOld(version string) bool {
	return appNumbered(version) && compareVersions(version, quickAssistFloor) < 0
}

// appNumbered tells the app's own numbering (2.0.35.0) from the bundles
// images provision, numbered by date (2022.414.1758.0; CAUSES.md C10),
// which are not compared with it.
func appNumbered(version string) bool {
	major, _, _ := strings.Cut(version, ".")
	n, err := strconv.Atoi(major)
	return err == nil && n < 1000
}

// newestVersion returns the highest of the versions in the app's own
// numbering, "" for none.
func newestVersion(vs []string) string {
	best := ""
	for _, v := range vs {
		if appNumbered(v) && (best == "" || compareVersions(v, best) > 0) {
			best = v
		}
	}
	return best
}

// compareVersions compares dotted numeric versions part by part (2.0.9 is
// older than 2.0.30); a missing part is 0 and a part that is not a number
// counts as 0.
func compareVersions(a, b string) int {
	as, bs := strings.Split(strings.TrimSpace(a), "."), strings.Split(strings.TrimSpace(b), ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}
