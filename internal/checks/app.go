package checks

import (
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var (
	titleQuickAssist = i18n.Key("The Quick Assist app from the Microsoft Store is installed")
	titleWebView2    = i18n.Key("The WebView2 runtime Quick Assist is built on is installed")
)

// quickAssistFamily prefixes the package full names of the Store app
// (package family MicrosoftCorporationII.QuickAssist_8wekyb3d8bbwe,
// Store ID 9P7BP5VNWKX5; REFERENCE.md "Quick Assist").
const quickAssistFamily = "MicrosoftCorporationII.QuickAssist_"

// actionInstall reinstalls Quick Assist from the Store with winget
// (REFERENCE.md "WebView2 and the app").
var actionInstall = finding.Action{
	ID:       "quickassist.install",
	Title:    i18n.Key("Install Quick Assist from the Microsoft Store (winget, 9P7BP5VNWKX5)"),
	Commands: [][]string{{"winget", "install", "--id", "9P7BP5VNWKX5", "--source", "msstore", "--accept-package-agreements", "--accept-source-agreements"}},
}

// The guide's app repairs, for `fix --app` (REFERENCE.md "WebView2 and the
// app"): Reset-AppxPackage wipes the app's data and re-registers it
// (Windows 11 has it; on Windows 10 use Settings > Apps > Advanced options
// > Reset); a reinstall removes the package for all users, then installs it
// from the Store.
var (
	ActionResetQuickAssist = finding.Action{
		ID:    "quickassist.reset",
		Title: i18n.Key("Reset Quick Assist (clears its data and re-registers it)"),
		Commands: [][]string{{"powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
			"Get-AppxPackage -Name MicrosoftCorporationII.QuickAssist | Reset-AppxPackage"}},
	}
	ActionReinstallQuickAssist = finding.Action{
		ID:    "quickassist.reinstall",
		Title: i18n.Key("Reinstall Quick Assist (remove it for all users, then install it from the Store)"),
		Commands: append([][]string{{"powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
			"Get-AppxPackage -Name MicrosoftCorporationII.QuickAssist -AllUsers | Remove-AppxPackage -AllUsers"}},
			actionInstall.Commands...),
		Admin: true,
	}
)

// installFix is the reinstall the guide walks people through, as commands.
var installFix = []string{
	i18n.Key("Install it from the Microsoft Store (search \"Quick Assist\"), or as administrator: winget install --id 9P7BP5VNWKX5 --source msstore --accept-package-agreements --accept-source-agreements"),
	i18n.Key("Then start Quick Assist from the Start menu (not C:\\Windows\\System32\\quickassist.exe)."),
}

// packageVersion reads the version out of a package full name:
// Name_Version_Arch_ResourceId_PublisherId.
func packageVersion(fullName string) (version, arch string) {
	parts := strings.Split(fullName, "_")
	if len(parts) >= 3 {
		return parts[1], parts[2]
	}
	return "", ""
}

func judgeQuickAssist(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	var ev []finding.Evidence
	var found, userFound []string // userFound: registered for this user, the one that runs
	covered := false
	for _, l := range f.System.SubKeys {
		if !strings.EqualFold(l.Key, winstate.KeyAppxUserPackages) && !strings.EqualFold(l.Key, winstate.KeyAppxAllUsers) {
			continue
		}
		if l.State != facts.ValueUnknown {
			covered = true
		}
		for _, n := range l.Names {
			if strings.HasPrefix(n, quickAssistFamily) {
				v, arch := packageVersion(n)
				found = append(found, v)
				if strings.EqualFold(l.Key, winstate.KeyAppxUserPackages) {
					userFound = append(userFound, v)
				}
				ev = append(ev, finding.Evidence{Subject: l.Key, Status: finding.Pass, Detail: tr.Sprintf("%s (version %s, %s)", n, v, arch), Facts: n})
			}
		}
	}
	legacy := false
	for _, file := range f.System.Files {
		if strings.EqualFold(file.Path, winstate.LegacyQuickAssistPath) && file.Exists {
			legacy = true
			ev = append(ev, finding.Evidence{Subject: file.Path, Status: finding.Warn, Detail: tr.Sprintf("the retired built-in Quick Assist is still present"), Facts: file})
		}
	}
	if !covered {
		return uncovered(tr, winstate.KeyAppxUserPackages, winstate.KeyAppxAllUsers)
	}
	noStore := ""
	if why, ok := storeUnavailable(tr, f.System); ok {
		noStore = why
		ev = append(ev, finding.Evidence{Subject: StoreSubject, Status: finding.Warn, Detail: why})
	}
	if len(found) == 0 && noStore != "" {
		fd := finding.Finding{Status: finding.Fail, Reason: "quickassist-missing-no-store", Evidence: ev,
			Summary: tr.Sprintf("The Quick Assist app is not installed, and the Microsoft Store it comes from is not available here."),
			Cause:   tr.Sprintf("Quick Assist is a Microsoft Store app: %s, so installing it from the Store (or with winget's msstore source) cannot work.", noStore),
			Fix: []string{
				tr.Sprintf("Ask IT to deploy Quick Assist (Store ID 9P7BP5VNWKX5) with their management tool, or to use the organisation's own remote-help tool (for example Intune Remote Help)."),
			}}
		if legacy {
			fd.Reason = "quickassist-legacy-only"
		}
		return fd
	}
	switch {
	case len(found) > 0 && legacy:
		return finding.Finding{Status: finding.Warn, Reason: "quickassist-legacy-present", Evidence: ev,
			Summary: tr.Sprintf("The Store app is installed (%s), and the retired built-in quickassist.exe is still there.", strings.Join(found, ", ")),
			Cause:   tr.Sprintf("A shortcut to C:\\Windows\\System32\\quickassist.exe starts the retired app, which can no longer connect."),
			Fix:     []string{tr.Sprintf("Start Quick Assist from the Start menu, or remove the old one: Settings > Apps > Optional features (Win+R, then ms-settings:optionalfeatures) > Quick Assist > Uninstall.")}}
	case len(found) > 0:
		if fd, bad := uiAccessBroken(tr, f.System, found, ev); bad {
			return fd
		}
		// The version that runs: this user's registration, else the newest
		// provisioned for all users.
		v := newestVersion(userFound)
		if v == "" {
			v = newestVersion(found)
		}
		if quickAssistOld(v) {
			fd := finding.Finding{Status: finding.Warn, Reason: "quickassist-old", Evidence: ev,
				Summary: tr.Sprintf("Quick Assist %s is installed, older than %s, the version Microsoft's support tool checks for.", v, quickAssistFloor),
				Cause:   tr.Sprintf("Microsoft's MSRD-Collect diagnostics warn \"An older Quick Assist version is installed on this machine. Please consider updating.\" below version %s. The Store normally keeps the app current; an old one suggests its updates are not arriving.", quickAssistFloor),
				Fix: []string{
					tr.Sprintf("Update Quick Assist: Microsoft Store > Library > Get updates, or as administrator: winget upgrade --id 9P7BP5VNWKX5 --source msstore --accept-package-agreements --accept-source-agreements"),
				}}
			if noStore != "" {
				fd.Fix = []string{tr.Sprintf("The Store is not available here (%s): ask IT to deploy the current Quick Assist (Store ID 9P7BP5VNWKX5) with their management tool.", noStore)}
			}
			return fd
		}
		return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("The Store app is installed (version %s).", strings.Join(found, ", "))}
	case legacy:
		return finding.Finding{Status: finding.Fail, Reason: "quickassist-legacy-only", Evidence: ev,
			Summary: tr.Sprintf("Only the retired built-in Quick Assist is installed."),
			Cause:   tr.Sprintf("The built-in Quick Assist was retired; it cannot meet Microsoft's security requirements and ends sessions. The Microsoft Store app replaces it."),
			Fix:     texts(tr, installFix), Actions: []finding.Action{actionInstall}}
	}
	return finding.Finding{Status: finding.Fail, Reason: "quickassist-missing", Evidence: ev,
		Summary: tr.Sprintf("The Quick Assist app is not installed for this user or for all users."),
		Cause:   tr.Sprintf("Without the Microsoft Store app there is no current Quick Assist to connect with. (Run as SYSTEM, for example from Intune, only apps provisioned for all users are seen.)"),
		Fix:     texts(tr, installFix), Actions: []finding.Action{actionInstall}}
}

// uiAccessBroken looks at what Windows needs to start a uiAccess app such
// as Quick Assist: the Application Information service not disabled, and
// UAC on ("some Universal Windows Platform apps may not work when UAC is
// disabled", windows-itpro-docs; ../shared/CAUSES.md C18).
func uiAccessBroken(tr *i18n.Printer, s facts.System, found []string, ev []finding.Evidence) (finding.Finding, bool) {
	start, startRV, startSet := regNumber(s, winstate.KeyAppinfo, "Start")
	lua, luaRV, luaSet := regNumber(s, winstate.KeyPoliciesSystem, "EnableLUA")
	switch {
	case startSet && start == 4:
		ev = append(ev, finding.Evidence{Subject: winstate.KeyAppinfo, Status: finding.Fail, Detail: tr.Sprintf("%s: the Application Information service is disabled", describe(tr, startRV)), Facts: startRV})
		return finding.Finding{Status: finding.Fail, Reason: "appinfo-disabled", Evidence: ev,
			Summary: tr.Sprintf("The Store app is installed (%s), but the Application Information service it starts through is disabled.", strings.Join(found, ", ")),
			Cause:   tr.Sprintf("Quick Assist asks for uiAccess, and Windows starts such apps through the Application Information (Appinfo) service. Tuning tools disable it; then Quick Assist does not start."),
			Fix: []string{
				tr.Sprintf(`As administrator: sc config Appinfo start= demand (the Windows default, Manual), then start Quick Assist again.`),
			}}, true
	case luaSet && lua == 0:
		ev = append(ev, finding.Evidence{Subject: winstate.KeyPoliciesSystem, Status: finding.Warn, Detail: tr.Sprintf("%s: User Account Control is off", describe(tr, luaRV)), Facts: luaRV})
		return finding.Finding{Status: finding.Warn, Reason: "uac-off", Evidence: ev,
			Summary: tr.Sprintf("The Store app is installed (%s), but User Account Control is off.", strings.Join(found, ", ")),
			Cause:   tr.Sprintf("Microsoft says some Store apps may not work when UAC is off, and Quick Assist is a Store app that asks for uiAccess."),
			Fix:     []string{tr.Sprintf("Turn UAC back on (EnableLUA=1, the Windows default; Control Panel > User Accounts > Change User Account Control settings), restart, and try again.")}}, true
	}
	return finding.Finding{}, false
}

// StoreSubject is the evidence subject that says the Microsoft Store is
// not available, so a reinstall from it cannot work (fix --app reads it).
const StoreSubject = "Microsoft Store"

// storeUnavailable says why the Store cannot install apps here: turned off
// by policy (RemoveWindowsStore, DisableStoreApps; Group Policy "Turn off
// the Store application"), or an LTSC edition, which has no Store.
func storeUnavailable(tr *i18n.Printer, s facts.System) (string, bool) {
	if n, rv, set := regNumber(s, winstate.KeyStorePolicy, "RemoveWindowsStore"); set && n != 0 {
		return tr.Sprintf("the Store is turned off by policy (%s)", describe(tr, rv)), true
	}
	if n, rv, set := regNumber(s, winstate.KeyStorePolicy, "DisableStoreApps"); set && n != 0 {
		return tr.Sprintf("Store apps are turned off by policy (%s)", describe(tr, rv)), true
	}
	if b := buildOf(s); kindOf(b) == "ltsc" {
		return tr.Sprintf("%s is an LTSC edition, which has no Microsoft Store", b.Name(tr)), true
	}
	return "", false
}

// StoreUnavailable reports whether the findings say the Store cannot
// install Quick Assist here, and why: fix --app reinstall refuses then.
func StoreUnavailable(fs []finding.Finding) (string, bool) {
	for _, f := range fs {
		if f.ID != "app.quickassist" {
			continue
		}
		for _, e := range f.Evidence {
			if e.Subject == StoreSubject {
				return e.Detail, true
			}
		}
	}
	return "", false
}

// webView2Missing lists the pv values the WebView2 documentation says mean
// "not installed" ("Detect if a WebView2 Runtime is already installed").
func webView2Missing(pv string) bool {
	pv = strings.TrimSpace(pv)
	return pv == "" || pv == "null" || pv == "0.0.0.0"
}

func judgeWebView2(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	if fd := systemSkip(tr, f); fd != nil {
		return *fd
	}
	var ev []finding.Evidence
	var version string // the newest of the places that have one
	covered := false
	// The three places MSRD-Collect reads (winstate.KeyWebView2Machine):
	// each one's pv is evidence; one that is missing, empty or 0.0.0.0
	// means "not installed there".
	for _, k := range []string{winstate.KeyWebView2Machine, winstate.KeyWebView2Machine64, winstate.KeyWebView2User} {
		pv, rv := regString(f.System, k, "pv")
		if rv.State == facts.ValueUnknown {
			continue
		}
		covered = true
		e := finding.Evidence{Subject: k + ` pv`, Status: finding.Pass, Detail: describe(tr, rv), Facts: rv}
		if webView2Missing(pv) {
			e.Status = finding.Skip
			if rv.State == facts.ValueSet {
				e.Detail = tr.Sprintf("%s: not installed here", describe(tr, rv))
			}
		} else if version == "" || compareVersions(pv, version) > 0 {
			version = strings.TrimSpace(pv)
		}
		ev = append(ev, e)
	}
	installBlocked, updatesOff, policyEv := edgeUpdatePolicy(tr, f.System)
	overrides := loaderOverrides(tr, f.System)
	ev = append(append(ev, policyEv...), overrides...)
	if !covered {
		fd := uncovered(tr, winstate.KeyWebView2Machine)
		if len(policyEv)+len(overrides) > 0 {
			fd.Evidence = ev
		}
		return fd
	}
	if version != "" {
		fd := finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("WebView2 runtime %s is installed.", version)}
		switch {
		case len(overrides) > 0:
			fd.Status, fd.Reason = finding.Warn, "webview2-loader-override"
			fd.Summary = tr.Sprintf("WebView2 runtime %s is installed, but a policy tells the WebView2 loader to do otherwise for Quick Assist.", version)
			fd.Cause = tr.Sprintf("A WebView2 loader policy (Administrative Templates > Microsoft Edge WebView2) points Quick Assist at another runtime folder, channel or command line. A fixed runtime there can be old, missing, or started with switches that change how it connects.")
			fd.Fix = []string{tr.Sprintf(`Ask IT to remove the policy for Quick Assist (the values named in the evidence, under %s or %s), then start Quick Assist again.`, winstate.KeyWebView2PolicyMachine, winstate.KeyWebView2PolicyUser)}
		case updatesOff:
			fd.Status, fd.Reason = finding.Warn, "webview2-updates-off"
			fd.Summary = tr.Sprintf("WebView2 runtime %s is installed, but a policy turns its updates off.", version)
			fd.Cause = tr.Sprintf("Microsoft Edge Update's policy keeps the WebView2 runtime at this version; Microsoft says that can cause compatibility problems for apps built on it, and Quick Assist updates itself from the Store.")
			fd.Fix = []string{tr.Sprintf(`Ask IT to allow WebView2 updates: the policy "Update policy override" under Microsoft Edge Update > Microsoft Edge WebView (%s, Update%s), or UpdateDefault.`, winstate.KeyEdgeUpdatePolicy, winstate.WebView2AppID)}
		}
		return fd
	}
	b := buildOf(f.System)
	fd := finding.Finding{Evidence: ev, Reason: "webview2-missing",
		Summary: tr.Sprintf("The WebView2 runtime is not installed."),
		Fix: []string{
			tr.Sprintf("Install the Evergreen WebView2 runtime: winget install --id Microsoft.EdgeWebView2Runtime, or the bootstrapper from Microsoft's WebView2 page."),
			tr.Sprintf("Then start Quick Assist again."),
		}}
	if installBlocked {
		fd.Status, fd.Reason = finding.Fail, "webview2-install-blocked"
		fd.Summary = tr.Sprintf("The WebView2 runtime is not installed, and a policy forbids installing it.")
		fd.Cause = tr.Sprintf("Quick Assist is built on WebView2. Microsoft Edge Update's policy \"Allow installation\" for Microsoft Edge WebView is off, so neither Quick Assist nor the user can install the runtime.")
		fd.Fix = []string{tr.Sprintf(`Ask IT to allow the WebView2 runtime (Microsoft Edge Update > Microsoft Edge WebView > Allow installation: %s, Install%s), or to deploy it.`, winstate.KeyEdgeUpdatePolicy, winstate.WebView2AppID)}
		return fd
	}
	if b.Known && !b.Server && b.Build >= 22000 {
		fd.Status = finding.Fail
		fd.Cause = tr.Sprintf("Windows 11 ships WebView2 built in; its absence means it was removed or is broken, and Quick Assist, which is built on it, cannot run.")
		return fd
	}
	fd.Status = finding.Warn
	fd.Cause = tr.Sprintf("Quick Assist is built on WebView2. On Windows 10 it installs the runtime at first start; if that is blocked (no admin rights, a blocked download), it cannot run.")
	return fd
}

// edgeUpdatePolicy reads Microsoft Edge Update's policies for the WebView2
// runtime: the app's own value wins over the default
// (learn.microsoft.com/deployedge/microsoft-edge-update-policies: 0 =
// installation or updates not allowed).
func edgeUpdatePolicy(tr *i18n.Printer, s facts.System) (installBlocked, updatesOff bool, ev []finding.Evidence) {
	read := func(app, def string) (off bool) {
		n, rv, set := regNumber(s, winstate.KeyEdgeUpdatePolicy, app)
		if set {
			if n == 0 {
				ev = append(ev, finding.Evidence{Subject: winstate.KeyEdgeUpdatePolicy, Status: finding.Warn, Detail: tr.Sprintf("%s: not allowed by policy", describe(tr, rv)), Facts: rv})
			}
			return n == 0
		}
		n, rv, set = regNumber(s, winstate.KeyEdgeUpdatePolicy, def)
		if set && n == 0 {
			ev = append(ev, finding.Evidence{Subject: winstate.KeyEdgeUpdatePolicy, Status: finding.Warn, Detail: tr.Sprintf("%s: not allowed by policy", describe(tr, rv)), Facts: rv})
		}
		return set && n == 0
	}
	installBlocked = read("Install"+winstate.WebView2AppID, "InstallDefault")
	updatesOff = read("Update"+winstate.WebView2AppID, "UpdateDefault")
	return installBlocked, updatesOff, ev
}

// loaderOverrides lists the WebView2 loader policies that apply to Quick
// Assist: a value named by its AUMID, its exe or * under one of the
// policy keys, machine or user.
func loaderOverrides(tr *i18n.Printer, s facts.System) []finding.Evidence {
	var ev []finding.Evidence
	for _, root := range []string{winstate.KeyWebView2PolicyMachine, winstate.KeyWebView2PolicyUser} {
		for _, p := range winstate.WebView2Policies {
			for _, id := range winstate.WebView2AppIDs {
				v, rv := regString(s, root+`\`+p, id)
				if rv.State != facts.ValueSet {
					continue
				}
				ev = append(ev, finding.Evidence{Subject: root + `\` + p, Status: finding.Warn,
					Detail: tr.Sprintf("%s for %s: %q", p, id, v), Facts: rv})
			}
		}
	}
	return ev
}
