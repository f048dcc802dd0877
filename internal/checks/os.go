package checks

import (
	"cmp"
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var (
	titleSchannel = i18n.Key("SCHANNEL lets Windows use TLS 1.2")
	titleWinHTTP  = i18n.Key("WinHTTP's default protocols include TLS 1.2")
	titleInet     = i18n.Key("Internet Settings allow TLS 1.2")
	titleDotNet   = i18n.Key(".NET Framework uses the system's TLS versions")
	titleCipher   = i18n.Key("SCHANNEL keeps a TLS suite Microsoft accepts")
	titleFIPS     = i18n.Key("FIPS mode")
	titleVersion  = i18n.Key("This Windows version is supported")
)

// systemSkip returns a finding for a check that has no system state to
// judge, or nil when there is state.
func systemSkip(tr *i18n.Printer, f *facts.Facts) *finding.Finding {
	s := f.System
	switch s.State {
	case facts.SystemRead:
		return nil
	case facts.SystemNotWindows:
		return &finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not Windows: run qadoctor on the Windows PC, or analyze a snapshot or .reg export from it.")}
	case facts.SystemError:
		return &finding.Finding{Status: finding.Error, Reason: "system-unreadable", Summary: tr.Sprintf("Could not read the system state."), Cause: systemProblem(tr, s)}
	}
	return &finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
}

// uncovered is the finding for a .reg export that lacks the keys a check
// reads.
func uncovered(tr *i18n.Printer, keys ...string) finding.Finding {
	return finding.Finding{
		Status:  finding.Skip,
		Summary: tr.Sprintf("The export does not include %s.", strings.Join(keys, tr.Sprintf(" or "))),
		Fix:     []string{tr.Sprintf("Export the key with regedit (File > Export, selected branch) or run qadoctor collect on the PC, and analyze that file.")},
	}
}

// regValue reads a recorded value as a number; ok is false when it is not
// set (or is not a number, which rv.Display then shows).
func regNumber(s facts.System, key, name string) (n uint64, rv facts.RegValue, ok bool) {
	rv = winstate.Lookup(s, key, name)
	v, set := winstate.FromFact(rv)
	if !set {
		return 0, rv, false
	}
	n, err := v.Uint()
	return n, rv, err == nil
}

func regString(s facts.System, key, name string) (string, facts.RegValue) {
	rv := winstate.Lookup(s, key, name)
	v, set := winstate.FromFact(rv)
	if !set {
		return "", rv
	}
	return v.String(), rv
}

// describe says how a value reads in evidence: "Enabled=0x0" or "Enabled not set".
func describe(tr *i18n.Printer, rv facts.RegValue) string {
	switch rv.State {
	case facts.ValueSet:
		if v, ok := winstate.FromFact(rv); ok {
			if n, err := v.Uint(); err == nil && (rv.Type == "REG_DWORD" || rv.Type == "REG_QWORD") {
				return tr.Sprintf("%s=0x%x", rv.Name, n)
			}
		}
		return tr.Sprintf("%s=%q", rv.Name, rv.Display)
	case facts.ValueUnknown:
		return tr.Sprintf("%s not in the export", rv.Name)
	case facts.ValueError:
		return tr.Sprintf("%s unreadable: %s", rv.Name, rv.Error)
	}
	return tr.Sprintf("%s not set", rv.Name)
}

// windowsBuild is what the checks need to know of the Windows version.
type windowsBuild struct {
	Known   bool
	Build   int
	UBR     uint64
	Server  bool   // InstallationType Server or Server Core
	Edition string // EditionID
	Product string // ProductName (says "Windows 10" on Windows 11)
	Display string // DisplayVersion (20H2 and later)
	Covered bool   // the source includes CurrentVersion
}

// buildOf reads the build from HKLM\...\Windows NT\CurrentVersion.
func buildOf(s facts.System) windowsBuild {
	k := winstate.KeyCurrentVersion
	var b windowsBuild
	num, rv := regString(s, k, "CurrentBuildNumber")
	b.Covered = rv.State != facts.ValueUnknown
	if n, err := strconv.Atoi(strings.TrimSpace(num)); err == nil {
		b.Known, b.Build = true, n
	}
	b.UBR, _, _ = regNumber(s, k, "UBR")
	it, _ := regString(s, k, "InstallationType")
	b.Server = strings.HasPrefix(it, "Server")
	b.Edition, _ = regString(s, k, "EditionID")
	b.Product, _ = regString(s, k, "ProductName")
	b.Display, _ = regString(s, k, "DisplayVersion")
	return b
}

// Name is how people know this build: ProductName corrected for Windows
// 11, whose ProductName still says Windows 10 (build 22000 and later).
func (b windowsBuild) Name(tr *i18n.Printer) string {
	if !b.Known {
		return tr.Sprintf("an unknown Windows build")
	}
	name := b.Product
	if !b.Server && b.Build >= 22000 {
		name = strings.Replace(name, "Windows 10", "Windows 11", 1)
	}
	if name == "" {
		name = "Windows"
	}
	s := tr.Sprintf("%s build %d", name, b.Build)
	if b.UBR > 0 {
		s += fmt.Sprintf(".%d", b.UBR)
	}
	if b.Display != "" {
		s += fmt.Sprintf(" (%s)", b.Display)
	}
	return s
}

// schannelDefault is a protocol's state when its registry values are
// absent, by build (learn.microsoft.com/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp-):
// TLS 1.2 on from Windows 8 / Server 2012 (build 9200); TLS 1.3 only on
// Windows 11 (22000) and Server 2022 (20348) and later; TLS 1.0 and 1.1 on;
// SSL 3.0 off on every supported build.
func schannelDefault(version string, b windowsBuild) (on bool, why string) {
	switch version {
	case "SSL 3.0":
		return false, i18n.Key("off by default")
	case "TLS 1.0", "TLS 1.1":
		return true, i18n.Key("on by default (deprecated)")
	case "TLS 1.2":
		if b.Known && b.Build < 9200 {
			return false, i18n.Key("off by default before Windows 8 / Server 2012")
		}
		return true, i18n.Key("on by default")
	case "TLS 1.3":
		switch {
		case !b.Known:
			return false, i18n.Key("on by default on Windows 11 and Server 2022 and later")
		case b.Server && b.Build >= 20348, !b.Server && b.Build >= 22000:
			return true, i18n.Key("on by default")
		}
		return false, i18n.Key("not supported by this build (Windows 11 and Server 2022 and later have it)")
	}
	return false, ""
}

func judgeSchannel(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	b := buildOf(f.System)
	var ev []finding.Evidence
	// Only TLS 1.2 and TLS 1.3 decide: what the export says of older
	// versions, or leaves out, is shown but changes nothing.
	var decided []finding.Status
	tls12Known := false
	tls12 := ""
	for _, ver := range winstate.SchannelVersions {
		key := winstate.KeySchannelProtocols + `\` + ver + `\Client`
		en, enRV, enSet := regNumber(f.System, key, "Enabled")
		dbd, dbdRV, dbdSet := regNumber(f.System, key, "DisabledByDefault")
		if ver == "TLS 1.2" && (enRV.State != facts.ValueUnknown || dbdRV.State != facts.ValueUnknown) {
			tls12Known = true
		}
		def, defWhy := schannelDefault(ver, b)
		// Enabled=0: never. Enabled≠0 and DisabledByDefault≠0: only for
		// callers that ask for it. Absent: the build's default
		// (learn.microsoft.com/windows-server/security/tls/tls-registry-settings).
		// state is English, kept for the comparisons below; shown through tr.
		var state string
		switch {
		case enRV.State == facts.ValueUnknown && dbdRV.State == facts.ValueUnknown:
			state = i18n.Key("unknown (not in the export)")
		case enSet && en == 0:
			state = i18n.Key("off")
		case dbdSet && dbd != 0:
			state = i18n.Key("only for apps that ask for it explicitly")
		case enSet:
			state = i18n.Key("on")
		case def:
			state = i18n.Key("on (Windows default)")
		default:
			state = i18n.Key("off (Windows default)")
		}
		st := finding.Pass
		switch {
		case ver == "TLS 1.2" && (state == "off" || strings.HasPrefix(state, "only") || state == "off (Windows default)"):
			st = finding.Fail
			tls12 = state
		case ver == "TLS 1.3" && def && (state == "off" || strings.HasPrefix(state, "only")):
			st = finding.Warn
		case strings.HasPrefix(state, "unknown"):
			st = finding.Skip
		}
		if (ver == "TLS 1.2" || ver == "TLS 1.3") && st != finding.Skip {
			decided = append(decided, st)
		}
		ev = append(ev, finding.Evidence{
			Subject: `SCHANNEL\Protocols\` + ver + `\Client`,
			Status:  st,
			Detail:  tr.Sprintf("%s, %s: %s (%s for %s)", describe(tr, enRV), describe(tr, dbdRV), tr.Text(state), tr.Text(defWhy), b.Name(tr)),
			Facts:   []facts.RegValue{enRV, dbdRV},
		})
	}
	if !tls12Known {
		fd := uncovered(tr, winstate.KeySchannelProtocols+`\TLS 1.2\Client`)
		fd.Evidence = ev
		return fd
	}
	fd := finding.Finding{Status: finding.Worst(decided...), Evidence: ev}
	switch fd.Status {
	case finding.Fail:
		key := winstate.KeySchannelProtocols + `\TLS 1.2\Client`
		fd.Reason = "schannel-tls12-off"
		fd.Summary = tr.Sprintf("TLS 1.2 is %s in SCHANNEL.", tr.Text(tls12))
		// The screen leg: "Quick Assist starts RDP control and connects to
		// the RDP Relay service ... over https (port 443)" (Microsoft's
		// Quick Assist page, 2024-07-01), and Windows' RDP stack takes its
		// TLS from SCHANNEL; WebView2, which carries the rest, does not.
		fd.Cause = tr.Sprintf("SCHANNEL, the TLS of Windows itself, has TLS 1.2 %s. Quick Assist sends the screen through Windows' RDP stack to Microsoft's RDP relay over TLS on port 443, and that stack takes its TLS from SCHANNEL: sign-in, the code and consent work (they run in WebView2, which does not use SCHANNEL), then the session ends when screen sharing starts.", tr.Text(tls12))
		if strings.HasSuffix(tls12, "(Windows default)") {
			fd.Cause += tr.Sprintf(" This Windows build predates TLS 1.2 as a default.")
		} else {
			fd.Cause += tr.Sprintf(" Someone set this in the registry or a legacy group policy.")
		}
		fd.Actions = []finding.Action{{
			ID:    "schannel.tls12-on",
			Title: tr.Sprintf("Turn TLS 1.2 on for SCHANNEL clients (Enabled=1, DisabledByDefault=0)"),
			Registry: []finding.RegChange{
				{Key: key, Name: "Enabled", Type: "REG_DWORD", Value: "1"},
				{Key: key, Name: "DisabledByDefault", Type: "REG_DWORD", Value: "0"},
			},
			Admin: true, Restart: true,
		}}
		fd.Fix = []string{
			tr.Sprintf(`As administrator: reg add "%s" /v Enabled /t REG_DWORD /d 1 /f`, key),
			tr.Sprintf(`As administrator: reg add "%s" /v DisabledByDefault /t REG_DWORD /d 0 /f`, key),
			tr.Sprintf("Restart Windows (SCHANNEL reads these values at start)."),
			tr.Sprintf("If a group policy sets them, they come back: ask IT to change the policy."),
		}
	case finding.Warn:
		fd.Reason = "schannel-tls13-off"
		fd.Summary = tr.Sprintf("TLS 1.2 is on; TLS 1.3 is switched off although this build supports it.")
		fd.Cause = tr.Sprintf("TLS 1.3 is turned off in SCHANNEL. Quick Assist works with TLS 1.2, but Microsoft is moving services to TLS 1.3.")
		fd.Fix = []string{tr.Sprintf(`Remove the Enabled and DisabledByDefault values under %s\TLS 1.3\Client to get the Windows default.`, winstate.KeySchannelProtocols)}
	default:
		fd.Summary = tr.Sprintf("TLS 1.2 is on in SCHANNEL for %s.", b.Name(tr))
	}
	if !b.Known {
		fd.Summary += " " + tr.Sprintf("The export does not say which Windows this is: judged as for Windows 10 and Server 2016, the oldest builds Microsoft supports.")
	}
	return fd
}

// Protocol bits of WinHTTP's DefaultSecureProtocols and Internet Settings'
// SecureProtocols (Microsoft KB3140245).
var protocolBits = []struct {
	bit  uint64
	name string
}{
	{0x8, "SSL 2.0"}, {0x20, "SSL 3.0"}, {0x80, "TLS 1.0"}, {0x200, "TLS 1.1"}, {0x800, "TLS 1.2"}, {0x2000, "TLS 1.3"},
}

const bitTLS12 = 0x800

func decodeProtocols(tr *i18n.Printer, mask uint64) string {
	var on []string
	for _, p := range protocolBits {
		if mask&p.bit != 0 {
			on = append(on, p.name)
		}
	}
	if len(on) == 0 {
		return tr.Sprintf("no protocol")
	}
	return strings.Join(on, ", ")
}

// maskSource is one place a protocol mask can be set.
type maskSource struct {
	key, name, label string
}

func judgeWinHTTP(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	b := buildOf(f.System)
	sources := []maskSource{
		{winstate.KeyWinHTTP, "DefaultSecureProtocols", i18n.Key("64-bit apps")},
		{winstate.KeyWinHTTP32, "DefaultSecureProtocols", i18n.Key("32-bit apps (Wow6432Node)")},
	}
	var ev []finding.Evidence
	var bad []string
	var changes []finding.RegChange
	// Microsoft KB3140245: 0xA00 is TLS 1.1 and 1.2; Windows 11 and Server
	// 2022 add TLS 1.3 (0x2000).
	want := uint64(0xA00)
	if b.Known && ((!b.Server && b.Build >= 22000) || (b.Server && b.Build >= 20348)) {
		want = 0x2A00
	}
	nativeKnown := false
	var decided []finding.Status
	for i, src := range sources {
		mask, rv, set := regNumber(f.System, src.key, src.name)
		st, detail := finding.Pass, ""
		switch {
		case rv.State == facts.ValueUnknown:
			st, detail = finding.Skip, tr.Sprintf("not in the export")
		case set && mask&bitTLS12 == 0:
			st, detail = finding.Fail, tr.Sprintf("0x%x = %s: TLS 1.2 is missing", mask, decodeProtocols(tr, mask))
			bad = append(bad, tr.Text(src.label))
			changes = append(changes, finding.RegChange{Key: src.key, Name: src.name, Type: "REG_DWORD", Value: fmt.Sprint(mask | want)})
		case set:
			detail = tr.Sprintf("0x%x = %s", mask, decodeProtocols(tr, mask))
		case b.Known && b.Build < 9600:
			// Before Windows 8.1 WinHTTP defaults to SSL 3.0 and TLS 1.0 (KB3140245).
			st, detail = finding.Fail, tr.Sprintf("not set: this build's default is SSL 3.0 and TLS 1.0 only")
			bad = append(bad, tr.Text(src.label))
			changes = append(changes, finding.RegChange{Key: src.key, Name: src.name, Type: "REG_DWORD", Value: fmt.Sprint(want)})
		default:
			detail = tr.Sprintf("not set: the Windows default, which includes TLS 1.2")
		}
		// Quick Assist is a native app: the native view decides; the 32-bit
		// view fails the check when it is known to lack TLS 1.2, and is only
		// shown when the export leaves it out.
		if i == 0 && rv.State != facts.ValueUnknown {
			nativeKnown = true
		}
		if st != finding.Skip {
			decided = append(decided, st)
		}
		ev = append(ev, finding.Evidence{Subject: fmt.Sprintf("%s %s (%s)", src.key, src.name, tr.Text(src.label)), Status: st, Detail: detail, Facts: rv})
	}
	if !nativeKnown && finding.Worst(decided...) != finding.Fail {
		fd := uncovered(tr, winstate.KeyWinHTTP)
		fd.Evidence = ev
		return fd
	}
	fd := finding.Finding{Status: finding.Worst(decided...), Evidence: ev}
	if fd.Status != finding.Fail {
		fd.Summary = tr.Sprintf("WinHTTP's default protocols include TLS 1.2.")
		return fd
	}
	// Neither leg of a session uses WinHTTP's defaults: WebView2 has its
	// own network stack, and Windows' RDP stack takes its TLS from SCHANNEL
	// (os.schannel). Other Windows parts do, so this warns.
	fd.Status = finding.Warn
	fd.Reason = "winhttp-no-tls12"
	fd.Actions = []finding.Action{{ID: "winhttp.tls12-on", Title: tr.Sprintf("Add TLS 1.2 to WinHTTP's DefaultSecureProtocols (0x%x)", want),
		Registry: changes, Admin: true}}
	fd.Summary = tr.Sprintf("WinHTTP's DefaultSecureProtocols leaves out TLS 1.2 for %s.", strings.Join(bad, tr.Sprintf(" and ")))
	fd.Cause = tr.Sprintf("Windows components that use WinHTTP with the default protocols (updates, services, the retired built-in Quick Assist) cannot speak TLS 1.2, which Microsoft's services require. Neither leg of a Quick Assist session uses this setting: the web pages run in WebView2, which has its own TLS, and the screen goes through Windows' RDP stack, which follows SCHANNEL (os.schannel).")
	fd.Fix = []string{
		tr.Sprintf(`As administrator: reg add "%s" /v DefaultSecureProtocols /t REG_DWORD /d 0xA00 /f`, winstate.KeyWinHTTP),
		tr.Sprintf(`As administrator: reg add "%s" /v DefaultSecureProtocols /t REG_DWORD /d 0xA00 /f`, winstate.KeyWinHTTP32),
		tr.Sprintf("0xA00 is TLS 1.1 and TLS 1.2 (Microsoft KB3140245); on Windows 11 use 0x2A00 to add TLS 1.3. Restart the app afterwards."),
	}
	return fd
}

func judgeInet(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	// The first set value in this order is the one WinINet uses: machine
	// policy, user policy, then the user's own setting, then the machine's.
	sources := []maskSource{
		{winstate.KeyInetPolicyMachine, "SecureProtocols", i18n.Key("machine policy")},
		{winstate.KeyInetPolicyUser, "SecureProtocols", i18n.Key("user policy")},
		{winstate.KeyInetUser, "SecureProtocols", i18n.Key("this user")},
		{winstate.KeyInetMachine, "SecureProtocols", i18n.Key("this machine")},
	}
	var ev []finding.Evidence
	var effective *maskSource
	var effMask uint64
	inEffect := -1 // the evidence of the value in effect
	covered := false
	for i, src := range sources {
		mask, rv, set := regNumber(f.System, src.key, src.name)
		if rv.State != facts.ValueUnknown {
			covered = true
		}
		detail := describe(tr, rv)
		if set {
			detail = tr.Sprintf("0x%x = %s", mask, decodeProtocols(tr, mask))
			if effective == nil {
				effective, effMask, inEffect = &sources[i], mask, i
				detail += tr.Sprintf(" (in effect)")
			} else {
				detail += tr.Sprintf(" (overridden by the %s)", tr.Text(effective.label))
			}
		}
		ev = append(ev, finding.Evidence{Subject: src.key + ` ` + src.name + ` (` + src.label + `)`, Status: finding.Pass, Detail: detail, Facts: rv})
	}
	if !covered {
		return uncovered(tr, winstate.KeyInetMachine, winstate.KeyInetUser)
	}
	switch {
	case effective == nil:
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("SecureProtocols is not set anywhere: the Windows default, which includes TLS 1.2."), Evidence: ev}
	case effMask&bitTLS12 != 0:
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("SecureProtocols (%s) allows %s.", tr.Text(effective.label), decodeProtocols(tr, effMask)), Evidence: ev}
	}
	ev[inEffect].Status = finding.Fail
	fix := []string{tr.Sprintf("Open Internet Options > Advanced and tick \"Use TLS 1.2\" (and \"Use TLS 1.3\"), then restart the app.")}
	var actions []finding.Action
	if strings.Contains(effective.label, "policy") {
		// A policy is IT's to change: an instruction, never a silent edit.
		fix = []string{tr.Sprintf("The setting comes from a group policy (\"Turn off encryption support\"): ask IT to allow TLS 1.2 in it.")}
	} else {
		actions = []finding.Action{{ID: "inet.tls12-on", Title: tr.Sprintf("Add TLS 1.2 to Internet Settings' SecureProtocols (%s)", tr.Text(effective.label)),
			Registry: []finding.RegChange{{Key: effective.key, Name: effective.name, Type: "REG_DWORD", Value: fmt.Sprint(effMask | 0xA00)}},
			Admin:    strings.HasPrefix(effective.key, "HKLM")}}
	}
	return finding.Finding{
		Actions:  actions,
		Status:   finding.Warn, // neither leg of a session uses WinINet's protocols
		Reason:   "inet-no-tls12",
		Summary:  tr.Sprintf("SecureProtocols (%s) allows only %s.", tr.Text(effective.label), decodeProtocols(tr, effMask)),
		Cause:    tr.Sprintf("Internet Settings leave out TLS 1.2, so Windows components that use WinINet (older sign-in windows and apps) cannot reach Microsoft's services. Neither leg of a Quick Assist session uses this setting: Edge and WebView2, which carry its web pages, have their own TLS, and the screen goes through Windows' RDP stack, which follows SCHANNEL (os.schannel)."),
		Fix:      fix,
		Evidence: ev,
	}
}

func judgeDotNet(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	var ev []finding.Evidence
	var statuses []finding.Status
	var changes []finding.RegChange
	covered := false
	for _, k := range []string{winstate.KeyDotNet4, winstate.KeyDotNet4W, winstate.KeyDotNet2, winstate.KeyDotNet2W} {
		for _, name := range []string{"SchUseStrongCrypto", "SystemDefaultTlsVersions"} {
			n, rv, set := regNumber(f.System, k, name)
			if rv.State == facts.ValueUnknown {
				continue
			}
			covered = true
			st := finding.Pass
			detail := tr.Sprintf("%s: the default for apps built for .NET 4.7 and later", describe(tr, rv))
			if set {
				detail = describe(tr, rv)
				if n != 1 {
					st = finding.Warn
					detail += tr.Sprintf(": older TLS for .NET apps (recommended 1)")
					changes = append(changes, finding.RegChange{Key: k, Name: name, Type: "REG_DWORD", Value: "1"})
				}
			}
			statuses = append(statuses, st)
			ev = append(ev, finding.Evidence{Subject: k + ` ` + name, Status: st, Detail: detail, Facts: rv})
		}
	}
	if !covered {
		return uncovered(tr, winstate.KeyDotNet4)
	}
	fd := finding.Finding{Status: finding.Worst(statuses...), Evidence: ev}
	if fd.Status == finding.Pass {
		fd.Summary = tr.Sprintf(".NET Framework is not held to old TLS versions.")
		return fd
	}
	fd.Reason = "dotnet-old-tls"
	fd.Actions = []finding.Action{{ID: "dotnet.strong-crypto", Title: tr.Sprintf("Let .NET Framework use the system's TLS versions (set the values to 1)"), Registry: changes, Admin: true}}
	fd.Summary = tr.Sprintf(".NET Framework is told to avoid the system's TLS versions.")
	fd.Cause = tr.Sprintf("A value set to 0 keeps .NET Framework apps (some helpdesk and remote-support tools) on TLS 1.0. Quick Assist itself does not use .NET, so this does not end its sessions.")
	fd.Fix = []string{tr.Sprintf("Set SchUseStrongCrypto and SystemDefaultTlsVersions to 1 in all four places Microsoft lists (learn.microsoft.com/dotnet/framework/network-programming/tls).")}
	return fd
}

// modernSuite matches a TLS 1.2 ECDHE suite with AES-GCM, which Microsoft's
// services accept; older Windows builds append the curve (_P256).
var modernSuite = regexp.MustCompile(`^TLS_ECDHE_(RSA|ECDSA)_WITH_AES_(128|256)_GCM_SHA(256|384)(_P(256|384|521))?$`)

// usableCurves are curves Microsoft's endpoints offer for ECDHE.
var usableCurves = map[string]bool{"curve25519": true, "nistp256": true, "nistp384": true}

// maxFunctionsLength is the Group Policy limit on the Functions string
// (learn.microsoft.com/windows-server/security/tls/manage-tls).
const maxFunctionsLength = 1023

// schannelSwitch is one SCHANNEL algorithm switch as the export has it.
type schannelSwitch struct {
	name  string
	rv    facts.RegValue
	off   bool // Enabled=0
	known bool
}

func readSwitch(s facts.System, key, name string) schannelSwitch {
	n, rv, set := regNumber(s, key+`\`+name, "Enabled")
	return schannelSwitch{name: name, rv: rv, off: set && n == 0, known: rv.State != facts.ValueUnknown}
}

// judgeCipherPolicy asks whether SCHANNEL keeps a TLS 1.2 ECDHE suite
// with AES-GCM and a usable curve: the cipher-suite order (the policy, or
// else the local order the TLS cmdlets edit), the curve order, and the
// algorithm switches under SCHANNEL (Ciphers, KeyExchangeAlgorithms,
// Hashes; learn.microsoft.com/windows-server/security/tls/tls-registry-settings,
// and "Demystifying Schannel" on Microsoft's Core Infrastructure and
// Security blog for what a switch removes). A fail or a warning from what
// the export holds stands; a pass needs every key that decides it in the
// source, and a .reg export that leaves one out is a skip naming it.
func judgeCipherPolicy(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	k := winstate.KeyCipherPolicy
	funcs, fRV := regString(f.System, k, "Functions")
	cRV := winstate.Lookup(f.System, k, "EccCurves")
	localRV := winstate.Lookup(f.System, winstate.KeyCipherLocal, "Functions")
	var switches []schannelSwitch
	anySwitch := false
	for _, a := range winstate.SchannelAlgorithms {
		sw := readSwitch(f.System, a.Key, a.Name)
		anySwitch = anySwitch || sw.known
		switches = append(switches, sw)
	}
	if fRV.State == facts.ValueUnknown && cRV.State == facts.ValueUnknown && localRV.State == facts.ValueUnknown && !anySwitch {
		return uncovered(tr, k, `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL`)
	}
	var curves []string
	if v, ok := winstate.FromFact(cRV); ok {
		curves = v.Strings()
	}
	ev := []finding.Evidence{
		{Subject: k + ` Functions`, Status: finding.Pass, Detail: describe(tr, fRV), Facts: fRV},
		{Subject: k + ` EccCurves`, Status: finding.Pass, Detail: describe(tr, cRV), Facts: cRV},
	}
	var problems []string
	var status finding.Status
	worsen := func(i int, st finding.Status, problem string) {
		ev[i].Status = finding.Worst(ev[i].Status, st)
		status = finding.Worst(status, st)
		problems = append(problems, problem)
	}
	// The suite list in effect: the policy's, else the local order's.
	list, listRow := "", -1
	if fRV.State == facts.ValueSet {
		list, listRow = funcs, 0
	} else if v, ok := winstate.FromFact(localRV); ok {
		list = strings.Join(v.Strings(), ",")
		ev = append(ev, finding.Evidence{Subject: winstate.KeyCipherLocal + ` Functions`, Status: finding.Pass, Detail: describe(tr, localRV), Facts: localRV})
		listRow = len(ev) - 1
	}
	if listRow >= 0 {
		var modern []string
		n := len(strings.Split(list, ","))
		for _, s := range strings.Split(list, ",") {
			if modernSuite.MatchString(strings.TrimSpace(s)) {
				modern = append(modern, strings.TrimSpace(s))
			}
		}
		if len(modern) == 0 {
			ev[listRow].Detail = tr.Sprintf("%d suites, none of them TLS 1.2 ECDHE with AES-GCM", n)
			worsen(listRow, finding.Fail, tr.Sprintf("the suite order lists no TLS 1.2 ECDHE suite with AES-GCM, the kind Microsoft's services accept"))
		} else {
			ev[listRow].Detail = tr.Sprintf("%d suites, including %s", n, strings.Join(modern, ", "))
		}
		if listRow == 0 && len(funcs) > maxFunctionsLength {
			worsen(0, finding.Warn, tr.Sprintf("the list is %d characters; Group Policy cuts it at %d", len(funcs), maxFunctionsLength))
		}
	}
	if cRV.State == facts.ValueSet {
		ok := false
		for _, c := range curves {
			ok = ok || usableCurves[strings.ToLower(c)]
		}
		ev[1].Detail = fmt.Sprintf("EccCurves = %s", strings.Join(curves, ", "))
		if !ok {
			worsen(1, finding.Fail, tr.Sprintf("the curve list has none of curve25519, NistP256 or NistP384, so no ECDHE key exchange can be made"))
		}
	}
	// The algorithm switches: one row each, in SchannelAlgorithms order.
	first := len(ev)
	for _, sw := range switches {
		st, detail := finding.Pass, tr.Sprintf("%s: on (Windows default)", describe(tr, sw.rv))
		switch {
		case !sw.known:
			st, detail = finding.Skip, tr.Sprintf("not in the export")
		case sw.off:
			detail = tr.Sprintf("%s: off", describe(tr, sw.rv))
		case sw.rv.State == facts.ValueSet:
			detail = tr.Sprintf("%s: on", describe(tr, sw.rv))
		}
		ev = append(ev, finding.Evidence{Subject: `SCHANNEL\` + schannelGroup(sw) + `\` + sw.name, Status: st, Detail: detail, Facts: sw.rv})
	}
	aes128, aes256, ecdh, sha256, sha384 := switches[0], switches[1], switches[2], switches[5], switches[6]
	if ecdh.off {
		worsen(first+2, finding.Fail, tr.Sprintf("the ECDH key exchange is switched off (KeyExchangeAlgorithms\\ECDH Enabled=0), which removes every ECDHE suite"))
	}
	if aes128.off && aes256.off {
		ev[first].Status = finding.Fail
		worsen(first+1, finding.Fail, tr.Sprintf("both AES ciphers are switched off (Ciphers\\AES 128/128 and AES 256/256 Enabled=0), which removes every AES-GCM suite"))
	}
	if sha256.off && sha384.off {
		ev[first+5].Status = finding.Warn
		worsen(first+6, finding.Warn, tr.Sprintf("the SHA-256 and SHA-384 hashes are switched off, which can remove the TLS 1.2 suites built on them"))
	}
	// What the source leaves out that could still remove every suite
	// Microsoft accepts. The order in effect is the policy's Functions
	// when set, else the local order, else Windows' default
	// (learn.microsoft.com/windows-server/security/tls/manage-tls). A live
	// read or a snapshot knows an absent key ("not configured", the
	// default); a .reg export that does not include a key says nothing of
	// it, so the policy key, and the local order when the policy sets no
	// Functions, must be in it for a pass.
	var missing, missingKeys []string
	if fRV.State != facts.ValueSet && (fRV.State == facts.ValueUnknown || localRV.State == facts.ValueUnknown) {
		missing = append(missing, tr.Sprintf("the cipher-suite order"))
		if fRV.State == facts.ValueUnknown {
			missingKeys = append(missingKeys, k)
		}
		if localRV.State == facts.ValueUnknown {
			missingKeys = append(missingKeys, winstate.KeyCipherLocal)
		}
	}
	// The AES switches remove AES-GCM only both together: one known to be
	// on settles them.
	aesKnown := (aes128.known && !aes128.off) || (aes256.known && !aes256.off) || (aes128.off && aes256.off)
	if !aesKnown || !ecdh.known {
		missing = append(missing, tr.Sprintf("the SCHANNEL algorithm switches"))
		if !aesKnown {
			missingKeys = append(missingKeys, winstate.KeySchannelCiphers)
		}
		if !ecdh.known {
			missingKeys = append(missingKeys, winstate.KeySchannelKeyExchanges)
		}
	}
	if status == finding.Pass {
		if len(missingKeys) > 0 {
			// Nothing in the export removes the suites, but what it
			// leaves out could: the verdict is not known.
			fd := uncovered(tr, missingKeys...)
			fd.Evidence = ev
			return fd
		}
		fd := finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("SCHANNEL keeps a TLS 1.2 ECDHE suite with AES-GCM and a curve Microsoft accepts."), Evidence: ev}
		if fRV.State != facts.ValueSet && cRV.State != facts.ValueSet && localRV.State != facts.ValueSet && !anyOff(switches) {
			fd.Summary = tr.Sprintf("No cipher-suite order policy and no algorithm switched off: Windows uses its default suites.")
		}
		return fd
	}
	fix := tr.Sprintf("Ask IT to add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (and the 256-bit ones) and the curves NistP256 and curve25519 to the policy, or remove the policy to get the Windows default; restart afterwards.")
	fixes := []string{fix}
	if ecdh.off || (aes128.off && aes256.off) || (sha256.off && sha384.off) {
		fixes = append([]string{tr.Sprintf(`Remove the Enabled values that are 0 under %s\Ciphers, \KeyExchangeAlgorithms and \Hashes (a hardening tool such as IIS Crypto writes them), or set them to 0xffffffff; restart Windows.`, `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL`)}, fixes...)
	}
	summary := tr.Sprintf("SCHANNEL: %s.", problems[0])
	if status == finding.Warn && len(missing) > 0 {
		// A warning is what the export shows; what it leaves out could
		// make it worse.
		summary += " " + tr.Sprintf("The export leaves out %s, which could still remove suites.", strings.Join(missing, tr.Sprintf(" and ")))
	}
	return finding.Finding{
		Status:   status,
		Reason:   "cipher-policy-no-modern-suite",
		Summary:  summary,
		Cause:    tr.Sprintf("SCHANNEL can only offer the suites its settings leave: %s. Microsoft's services accept TLS 1.2 only with ECDHE and AES-GCM. Quick Assist sends the screen through Windows' RDP stack to Microsoft's RDP relay, and that stack takes its TLS from SCHANNEL, so the session ends when screen sharing starts (the web pages, in WebView2, are not affected).", strings.Join(problems, "; ")),
		Fix:      fixes,
		Evidence: ev,
	}
}

func anyOff(ss []schannelSwitch) bool {
	for _, s := range ss {
		if s.off {
			return true
		}
	}
	return false
}

// schannelGroup names a switch's SCHANNEL subkey (Ciphers, Hashes…).
func schannelGroup(sw schannelSwitch) string {
	k := sw.rv.Key
	k = strings.TrimSuffix(k, `\`+sw.name)
	return k[strings.LastIndexByte(k, '\\')+1:]
}

func judgeFIPS(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	en, enRV, enSet := regNumber(f.System, winstate.KeyFIPS, "Enabled")
	mdm, mdmRV, mdmSet := regNumber(f.System, winstate.KeyFIPS, "MDMEnabled")
	old, oldRV, oldSet := regNumber(f.System, winstate.KeyLsa, "FIPSAlgorithmPolicy")
	if enRV.State == facts.ValueUnknown && oldRV.State == facts.ValueUnknown {
		return uncovered(tr, winstate.KeyFIPS)
	}
	on := (enSet && en != 0) || (mdmSet && mdm != 0) || (oldSet && old != 0)
	ev := []finding.Evidence{
		{Subject: winstate.KeyFIPS + ` Enabled`, Detail: describe(tr, enRV), Facts: enRV},
		{Subject: winstate.KeyFIPS + ` MDMEnabled`, Detail: describe(tr, mdmRV), Facts: mdmRV},
		{Subject: winstate.KeyLsa + ` FIPSAlgorithmPolicy`, Detail: describe(tr, oldRV), Facts: oldRV},
	}
	if !on {
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("FIPS mode is off."), Evidence: ev}
	}
	for i := range ev {
		ev[i].Status = finding.Warn
	}
	// With RDP's encryption held to FIPS Compliant as well, this is the
	// case of Microsoft KB 811770 (screen.go).
	if p := rdpPolicyOf(f.System); p.covered {
		if p.fipsLevel() {
			return finding.Finding{
				Status:   finding.Fail,
				Reason:   "fips-rdp",
				Summary:  tr.Sprintf("FIPS mode is on, and RDP's encryption is held to FIPS Compliant: the case of Microsoft KB 811770."),
				Cause:    tr.Sprintf("%s Quick Assist's screen sharing runs on that stack, so expect the code and consent to work and the session to end when screen sharing starts (Microsoft does not document Quick Assist under these policies).", kb811770(tr)),
				Fix:      []string{tr.Sprintf(`Ask IT to leave RDP's encryption at High Level or Not Configured ("Set client connection encryption level") and its security layer at Negotiate or SSL; if the PC does not have to be FIPS-compliant, also to turn FIPS mode off. Then try Quick Assist again.`)},
				Evidence: append(ev, p.evidence(tr, finding.Fail)...),
			}
		}
		ev = append(ev, p.evidence(tr, finding.Warn)...)
	}
	return finding.Finding{
		Status:   finding.Warn,
		Reason:   "fips-on",
		Summary:  tr.Sprintf("FIPS mode is on (\"System cryptography: Use FIPS compliant algorithms\")."),
		Cause:    tr.Sprintf("FIPS mode limits Windows to FIPS-approved algorithms. TLS 1.2 with ECDHE and AES-GCM stays allowed, so it rarely ends Quick Assist sessions on its own, but together with a cipher-suite policy it can leave nothing Microsoft accepts."),
		Fix:      []string{tr.Sprintf("If the PC does not have to be FIPS-compliant, ask IT to turn the policy off; otherwise check os.cipher-policy.")},
		Evidence: ev,
	}
}

//go:embed windows-lifecycle.json
var lifecycleJSON []byte

type release struct {
	Build         int    `json:"build"`
	Kind          string `json:"kind"` // client, ltsc, server
	Name          string `json:"name"`
	End           string `json:"end"`
	EndEnterprise string `json:"end_enterprise"`
	ESU           string `json:"esu"`
}

type lifecycle struct {
	Source   string    `json:"source"`
	Date     string    `json:"date"`
	Releases []release `json:"releases"`
}

// loadLifecycle parses the embedded table; a test proves it parses, so an
// error here is a broken build.
func loadLifecycle() (lifecycle, error) {
	l, err := loadData[lifecycle](lifecycleJSON)
	sort.Slice(l.Releases, func(i, j int) bool { return l.Releases[i].Build < l.Releases[j].Build })
	return l, err
}

// kindOf says which servicing channel a build's edition follows.
func kindOf(b windowsBuild) string {
	switch {
	case b.Server:
		return "server"
	case strings.HasSuffix(b.Edition, "EnterpriseS"), strings.HasSuffix(b.Edition, "EnterpriseSN"):
		return "ltsc"
	}
	return "client"
}

func judgeVersion(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	b := buildOf(f.System)
	if !b.Covered {
		return uncovered(tr, winstate.KeyCurrentVersion)
	}
	if !b.Known {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("CurrentBuildNumber is not set or not a number.")}
	}
	arch, _ := regString(f.System, winstate.KeyEnvironment, "PROCESSOR_ARCHITECTURE")
	if arch == "" {
		arch = tr.Sprintf("unknown architecture")
	}
	ev := []finding.Evidence{{Subject: winstate.KeyCurrentVersion, Status: finding.Pass,
		Detail: tr.Sprintf("%s, edition %s, %s", b.Name(tr), cmp.Or(b.Edition, tr.Sprintf("not recorded")), arch)}}
	if b.Build < 10240 {
		ev[0].Status = finding.Fail
		return finding.Finding{
			Status: finding.Fail, Reason: "os-too-old", Evidence: ev,
			Summary: tr.Sprintf("%s is older than Windows 10.", b.Name(tr)),
			Cause:   tr.Sprintf("The current Quick Assist is a Microsoft Store app for Windows 10 and 11; this Windows cannot run it, and its TLS defaults predate TLS 1.2."),
			Fix:     []string{tr.Sprintf("Upgrade to a supported Windows 11 release.")},
		}
	}
	l, err := loadLifecycle()
	if err != nil {
		return finding.Finding{Status: finding.Error, Summary: tr.Sprintf("The built-in lifecycle table is broken: %v", err)}
	}
	kind := kindOf(b)
	var row *release
	newest := 0
	for i, r := range l.Releases {
		if r.Kind == kind {
			newest = max(newest, r.Build)
			if r.Build == b.Build {
				row = &l.Releases[i]
			}
		}
	}
	now := f.Started
	if now.IsZero() {
		now = time.Now()
	}
	switch {
	case row == nil && b.Build > newest:
		return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("%s is newer than the lifecycle table (dated %s).", b.Name(tr), l.Date)}
	case row == nil:
		return finding.Finding{Status: finding.Warn, Reason: "os-unsupported", Evidence: ev,
			Summary: tr.Sprintf("%s is an older release that Microsoft no longer services.", b.Name(tr)),
			Cause:   tr.Sprintf("An unserviced Windows misses the security and root-certificate updates Microsoft's services expect."),
			Fix:     []string{tr.Sprintf("Install the latest feature update from Settings > Windows Update.")}}
	}
	end := row.End
	if row.EndEnterprise != "" && (strings.HasPrefix(b.Edition, "Enterprise") || strings.HasPrefix(b.Edition, "Education") || strings.HasPrefix(b.Edition, "IoTEnterprise")) {
		end = row.EndEnterprise
	}
	endDate, err := time.Parse(time.DateOnly, end)
	if err != nil || now.Before(endDate.AddDate(0, 0, 1)) {
		ev[0].Detail += tr.Sprintf(": %s, serviced until %s", row.Name, end)
		return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("%s (%s) is serviced until %s.", row.Name, b.Name(tr), end)}
	}
	ev[0].Status = finding.Warn
	ev[0].Detail += tr.Sprintf(": %s, servicing ended %s", row.Name, end)
	fd := finding.Finding{Status: finding.Warn, Reason: "os-unsupported", Evidence: ev,
		Summary: tr.Sprintf("%s reached the end of servicing on %s.", row.Name, end),
		Cause:   tr.Sprintf("An unserviced Windows misses the security and root-certificate updates Microsoft's services expect; Quick Assist problems on it are not fixed by Microsoft."),
		Fix:     []string{tr.Sprintf("Install the latest feature update from Settings > Windows Update, or upgrade to Windows 11.")},
	}
	if row.ESU != "" {
		fd.Cause += tr.Sprintf(" Devices enrolled in %s still receive security updates.", row.ESU)
	}
	return fd
}

// systemProblem says why the system state could not be read.
func systemProblem(tr *i18n.Printer, s facts.System) string {
	if s.CutOff {
		return tr.Sprintf("Reading the registry did not finish before the run's deadline.")
	}
	return s.Error
}
