package checks

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// The screen leg's checks (screen.go) and the version and WebView2 reads
// of app.quickassist and app.webview2. Each case is judged from every
// source the system state has: the in-memory registry as a live run
// collects it, and the snapshot collect writes from it, read back as
// analyze reads it; the .reg source is TestScreenLegFromRegExport.

var (
	rdpKey = winstate.KeyRDPPolicy
	qaUser = winstate.KeyAppxUserPackages + `\MicrosoftCorporationII.QuickAssist_`
)

// desktopSharing registers the Desktop Sharing classes as Windows does:
// InprocServer32's default value, REG_EXPAND_SZ.
func desktopSharing(h *winstate.Hive) {
	dll := winstate.Value{Type: winstate.TypeExpandSZ, Data: winstate.EncodeUTF16(`%SystemRoot%\system32\rdpencom.dll` + "\x00")}
	h.Set(winstate.KeyRDPSessionServer, "", dll)
	h.Set(winstate.KeyRDPViewerServer, "", dll)
}

// quickAssistAt replaces the user's Quick Assist with one at version v.
func quickAssistAt(v string) func(*winstate.Hive) {
	return func(h *winstate.Hive) {
		h.Remove(winstate.KeyAppxUserPackages)
		h.Set(qaUser+v+`_x64__8wekyb3d8bbwe`, "", winstate.StringValue(""))
	}
}

// judgeSources judges the checks from the registry as a live run collects
// it and from the snapshot written of it, and returns both, keyed by ID.
// dll says whether rdpencom.dll exists; nil records no files, as from a
// .reg export.
func judgeSources(t *testing.T, h *winstate.Hive, dll *bool, ids []string) map[string]map[string]finding.Finding {
	t.Helper()
	var exists func(string) bool
	if dll != nil {
		exists = func(p string) bool { return p == winstate.DesktopSharingPath && *dll }
	}
	live := winstate.Collect(h, "live", "", exists)
	var b bytes.Buffer
	if err := winstate.WriteSnapshot(&b, &winstate.Snapshot{Schema: winstate.SnapshotSchema, Tool: "test", Collected: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), System: live}); err != nil {
		t.Fatal(err)
	}
	snap, reg, err := winstate.ReadSnapshot("snap.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	fromSnap := winstate.Collect(reg, "snapshot", "snap.json", nil)
	fromSnap.Files = snap.System.Files // files are recorded, not re-read
	cs, err := Select(ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]finding.Finding{}
	for name, sys := range map[string]facts.System{"live": live, "snapshot": fromSnap} {
		out[name] = map[string]finding.Finding{}
		for _, fd := range Judge(&facts.Facts{System: sys, MinTLS: "1.2"}, cs, nil) {
			out[name][fd.ID] = fd
		}
		for _, fd := range Judge(&facts.Facts{System: sys, MinTLS: "1.2"}, cs, i18n.New(i18n.Japanese)) {
			assertJapanese(t, fd)
		}
	}
	return out
}

// verdict spells a finding as its status and reason: "warn fips-on".
func verdict(fd finding.Finding) string {
	return strings.TrimSpace(fd.Status.String() + " " + fd.Reason)
}

func TestScreenLegChecks(t *testing.T) {
	yes, no := true, false
	fipsOnMod := set(winstate.KeyFIPS, "Enabled", winstate.DWORDValue(1))
	ids := []string{"os.fips", "os.rdp-policy", "os.desktop-sharing", "app.quickassist", "app.webview2"}
	tests := []struct {
		name string
		mods []func(*winstate.Hive)
		dll  *bool
		want map[string]string // check ID -> "status" or "status reason"
		in   map[string]string // check ID -> text the summary or cause must hold
	}{
		{"healthy", []func(*winstate.Hive){desktopSharing}, &yes,
			map[string]string{"os.fips": "pass", "os.rdp-policy": "pass", "os.desktop-sharing": "pass", "app.quickassist": "pass", "app.webview2": "pass"},
			map[string]string{"os.desktop-sharing": "rdpencom.dll) are registered and present"}},
		// KB 811770's setting alone: a warning that says it is unverified.
		{"MinEncryptionLevel FIPS, FIPS mode off", []func(*winstate.Hive){desktopSharing, set(rdpKey, "MinEncryptionLevel", winstate.DWORDValue(4))}, &yes,
			map[string]string{"os.fips": "pass", "os.rdp-policy": "warn rdp-fips-encryption"},
			map[string]string{"os.rdp-policy": "KB 811770"}},
		// FIPS mode with it: the case KB 811770 describes, a failure.
		{"MinEncryptionLevel FIPS and FIPS mode on", []func(*winstate.Hive){desktopSharing, fipsOnMod, set(rdpKey, "MinEncryptionLevel", winstate.DWORDValue(4)), set(rdpKey, "SecurityLayer", winstate.DWORDValue(2))}, &yes,
			map[string]string{"os.fips": "fail fips-rdp", "os.rdp-policy": "warn rdp-fips-encryption"},
			map[string]string{"os.fips": "KB 811770"}},
		// FIPS mode and RDP's own encryption layer: the level is FIPS Compliant.
		{"FIPS mode with SecurityLayer RDP", []func(*winstate.Hive){desktopSharing, fipsOnMod, set(rdpKey, "SecurityLayer", winstate.DWORDValue(0))}, &yes,
			map[string]string{"os.fips": "fail fips-rdp", "os.rdp-policy": "warn rdp-fips-encryption"},
			map[string]string{"os.rdp-policy": "SecurityLayer=0"}},
		// FIPS mode with TLS as the layer: the level does not apply.
		{"FIPS mode with SecurityLayer TLS", []func(*winstate.Hive){desktopSharing, fipsOnMod, set(rdpKey, "SecurityLayer", winstate.DWORDValue(2))}, &yes,
			map[string]string{"os.fips": "warn fips-on", "os.rdp-policy": "pass"}, nil},
		{"FIPS mode alone stays a warning", []func(*winstate.Hive){desktopSharing, fipsOnMod}, &yes,
			map[string]string{"os.fips": "warn fips-on", "os.rdp-policy": "pass"}, nil},
		{"FIPS mode by the old value, MinEncryptionLevel FIPS", []func(*winstate.Hive){desktopSharing, set(winstate.KeyLsa, "FIPSAlgorithmPolicy", winstate.DWORDValue(1)), set(rdpKey, "MinEncryptionLevel", winstate.DWORDValue(4))}, &yes,
			map[string]string{"os.fips": "fail fips-rdp"}, nil},
		{"High level and RDP's own layer without FIPS", []func(*winstate.Hive){desktopSharing, set(rdpKey, "MinEncryptionLevel", winstate.DWORDValue(3)), set(rdpKey, "SecurityLayer", winstate.DWORDValue(0))}, &yes,
			map[string]string{"os.fips": "pass", "os.rdp-policy": "pass"}, nil},
		// Policies written by hand are sometimes strings.
		{"MinEncryptionLevel as a string", []func(*winstate.Hive){desktopSharing, set(rdpKey, "MinEncryptionLevel", winstate.StringValue("4"))}, &yes,
			map[string]string{"os.rdp-policy": "warn rdp-fips-encryption"}, nil},
		{"RDPSession not registered", []func(*winstate.Hive){desktopSharing, without(`HKLM\SOFTWARE\Classes\CLSID\{9B78F0E6-3E05-4A5B-B2E8-E743A8956B65}`)}, &yes,
			map[string]string{"os.desktop-sharing": "warn desktop-sharing-missing"},
			map[string]string{"os.desktop-sharing": "RDPSession"}},
		{"rdpencom.dll missing", []func(*winstate.Hive){desktopSharing}, &no,
			map[string]string{"os.desktop-sharing": "warn desktop-sharing-missing"},
			map[string]string{"os.desktop-sharing": "rdpencom.dll"}},
		{"nothing registered", nil, &yes,
			map[string]string{"os.desktop-sharing": "warn desktop-sharing-missing"},
			map[string]string{"os.desktop-sharing": "RDPSession, RDPViewer"}},
		// Without a live run the file is not known: the registry decides.
		{"registered, file not recorded", []func(*winstate.Hive){desktopSharing}, nil,
			map[string]string{"os.desktop-sharing": "pass"},
			map[string]string{"os.desktop-sharing": "only a run on the PC"}},
		// MSRD-Collect's floor, $latestQAver 2.0.30.0: below warns, at passes.
		{"Quick Assist 2.0.22.0", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.22.0")}, &yes,
			map[string]string{"app.quickassist": "warn quickassist-old"},
			map[string]string{"app.quickassist": "2.0.30.0"}},
		{"Quick Assist 2.0.30.0", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.30.0")}, &yes,
			map[string]string{"app.quickassist": "pass"}, nil},
		// Numbers, not text: 2.0.9 is older than 2.0.30, 2.0.100 newer.
		{"Quick Assist 2.0.9.0", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.9.0")}, &yes,
			map[string]string{"app.quickassist": "warn quickassist-old"}, nil},
		{"Quick Assist 2.0.100.0", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.100.0")}, &yes,
			map[string]string{"app.quickassist": "pass"}, nil},
		// An image's bundle is numbered by date; the user's own package decides.
		{"Quick Assist with a provisioned bundle", []func(*winstate.Hive){desktopSharing,
			set(winstate.KeyAppxAllUsers+`\MicrosoftCorporationII.QuickAssist_2022.414.1758.0_neutral_~_8wekyb3d8bbwe`, "", winstate.StringValue(""))}, &yes,
			map[string]string{"app.quickassist": "pass"}, nil},
		{"Quick Assist old, provisioned newer", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.22.0"),
			set(winstate.KeyAppxAllUsers+`\MicrosoftCorporationII.QuickAssist_2.0.35.0_x64__8wekyb3d8bbwe`, "", winstate.StringValue(""))}, &yes,
			map[string]string{"app.quickassist": "warn quickassist-old"}, map[string]string{"app.quickassist": "2.0.22.0"}},
		{"Quick Assist old and the Store off", []func(*winstate.Hive){desktopSharing, quickAssistAt("2.0.22.0"), set(winstate.KeyStorePolicy, "RemoveWindowsStore", winstate.DWORDValue(1))}, &yes,
			map[string]string{"app.quickassist": "warn quickassist-old"}, nil},
		// MSRD-Collect's three places; the newest wins.
		{"WebView2 newest per user", []func(*winstate.Hive){desktopSharing,
			set(winstate.KeyWebView2User, "pv", winstate.StringValue("143.0.3650.66")),
			set(winstate.KeyWebView2Machine64, "pv", winstate.StringValue("0.0.0.0"))}, &yes,
			map[string]string{"app.webview2": "pass"}, map[string]string{"app.webview2": "143.0.3650.66"}},
		{"WebView2 only in the 64-bit place", []func(*winstate.Hive){desktopSharing,
			set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("")),
			set(winstate.KeyWebView2Machine64, "pv", winstate.StringValue("142.0.3595.94"))}, &yes,
			map[string]string{"app.webview2": "pass"}, map[string]string{"app.webview2": "142.0.3595.94"}},
		{"WebView2 0.0.0.0 everywhere", []func(*winstate.Hive){desktopSharing,
			set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("0.0.0.0")),
			set(winstate.KeyWebView2User, "pv", winstate.StringValue("0.0.0.0"))}, &yes,
			map[string]string{"app.webview2": "fail webview2-missing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for source, byID := range judgeSources(t, machine(tt.mods...), tt.dll, ids) {
				for id, want := range tt.want {
					fd := byID[id]
					if got := verdict(fd); got != want {
						t.Errorf("%s: %s = %s (%s); want %s", source, id, got, fd.Summary, want)
					}
					if fd.Status == finding.Fail || fd.Status == finding.Warn {
						if fd.Cause == "" || len(fd.Fix) == 0 {
							t.Errorf("%s: %s %s without a cause and a fix", source, id, fd.Status)
						}
					}
				}
				for id, text := range tt.in {
					if fd := byID[id]; !strings.Contains(fd.Summary+" "+fd.Cause, text) {
						t.Errorf("%s: %s says %q / %q; want %q in it", source, id, fd.Summary, fd.Cause, text)
					}
				}
			}
		})
	}
}

// The findings say what a person will see: the screen leg, when sharing
// starts, for the new screen-leg reasons.
func TestScreenLegReasonsSayTheStep(t *testing.T) {
	for _, code := range []string{"fips-rdp", "rdp-fips-encryption", "desktop-sharing-missing"} {
		r, ok := LookupReason(code)
		if !ok || r.Leg != "screen" || r.Step != "sharing" {
			t.Errorf("LookupReason(%q) = %+v, %v; want the screen leg at sharing", code, r, ok)
		}
	}
}

// app.webview2 shows each place's pv, and a pv of 0.0.0.0 as not installed there.
func TestWebView2EvidencePerPlace(t *testing.T) {
	yes := true
	byID := judgeSources(t, machine(desktopSharing,
		set(winstate.KeyWebView2User, "pv", winstate.StringValue("143.0.3650.66")),
		set(winstate.KeyWebView2Machine64, "pv", winstate.StringValue("0.0.0.0"))), &yes, []string{"app.webview2"})["snapshot"]
	want := map[string]string{
		winstate.KeyWebView2Machine + ` pv`:   `pass pv="142.0.3595.94"`,
		winstate.KeyWebView2Machine64 + ` pv`: `skip pv="0.0.0.0": not installed here`,
		winstate.KeyWebView2User + ` pv`:      `pass pv="143.0.3650.66"`,
	}
	got := map[string]string{}
	for _, e := range byID["app.webview2"].Evidence {
		got[e.Subject] = e.Status.String() + " " + e.Detail
	}
	for subject, w := range want {
		if got[subject] != w {
			t.Errorf("evidence for %s = %q; want %q", subject, got[subject], w)
		}
	}
}

// A snapshot from a qadoctor that did not record the screen leg's values,
// and a run off Windows: both skip, saying why.
func TestScreenLegSkips(t *testing.T) {
	sys := winstate.Collect(machine(desktopSharing), "live", "", nil)
	var kept []facts.RegValue
	for _, v := range sys.Values {
		if !strings.HasPrefix(v.Key, winstate.KeyRDPPolicy) && !strings.Contains(v.Key, `\CLSID\`) {
			kept = append(kept, v)
		}
	}
	sys.Values = kept
	var b bytes.Buffer
	if err := winstate.WriteSnapshot(&b, &winstate.Snapshot{Schema: winstate.SnapshotSchema, System: sys}); err != nil {
		t.Fatal(err)
	}
	_, reg, err := winstate.ReadSnapshot("old.json", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := Select([]string{"os.rdp-policy", "os.desktop-sharing"}, nil)
	for _, fd := range Judge(&facts.Facts{System: winstate.Collect(reg, "snapshot", "old.json", nil)}, cs, nil) {
		if fd.Status != finding.Skip || !strings.Contains(fd.Summary, "does not include") {
			t.Errorf("%s from an older snapshot = %s %q; want a skip naming the keys it lacks", fd.ID, fd.Status, fd.Summary)
		}
	}
	for _, fd := range Judge(&facts.Facts{System: facts.System{State: facts.SystemNotWindows}}, cs, nil) {
		if fd.Status != finding.Skip || !strings.Contains(fd.Summary, "Not Windows") {
			t.Errorf("%s off Windows = %s %q; want a skip saying so", fd.ID, fd.Status, fd.Summary)
		}
	}
}

// The screen leg's values from a regedit export, as analyze reads one; a
// file without the FIPS key cannot judge RDP's own encryption layer.
func TestScreenLegFromRegExport(t *testing.T) {
	const head = "Windows Registry Editor Version 5.00\r\n\r\n"
	const policy = `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services]` + "\r\n"
	const fips = `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Lsa\FipsAlgorithmPolicy]` + "\r\n" + `"Enabled"=dword:00000001` + "\r\n"
	const classes = `[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{9B78F0E6-3E05-4A5B-B2E8-E743A8956B65}\InprocServer32]` + "\r\n" +
		`@="C:\\Windows\\System32\\rdpencom.dll"` + "\r\n\r\n" +
		`[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{32BE5ED2-5C86-480F-A914-0FF8885A1B3F}\InprocServer32]` + "\r\n" +
		`@="C:\\Windows\\System32\\rdpencom.dll"` + "\r\n"
	tests := []struct {
		name, text string
		want       map[string]string
	}{
		{"KB 811770's case", head + policy + `"MinEncryptionLevel"=dword:00000004` + "\r\n\r\n" + fips,
			map[string]string{"os.fips": "fail fips-rdp", "os.rdp-policy": "warn rdp-fips-encryption", "os.desktop-sharing": "skip"}},
		{"RDP's own layer without the FIPS key", head + policy + `"SecurityLayer"=dword:00000000` + "\r\n",
			map[string]string{"os.rdp-policy": "skip", "os.fips": "skip"}},
		{"the classes registered", head + classes,
			map[string]string{"os.desktop-sharing": "pass", "os.rdp-policy": "skip"}},
		{"RDPViewer's key without a default value", head + `[HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{32BE5ED2-5C86-480F-A914-0FF8885A1B3F}\InprocServer32]` + "\r\n" + `"ThreadingModel"="Apartment"` + "\r\n",
			map[string]string{"os.desktop-sharing": "warn desktop-sharing-missing"}},
	}
	cs, _ := Select([]string{"os.fips", "os.rdp-policy", "os.desktop-sharing"}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, source, err := winstate.Open("test.reg", []byte(tt.text))
			if err != nil || source != "reg" {
				t.Fatalf("Open: %v, %q", err, source)
			}
			f := &facts.Facts{Analyzed: "test.reg", System: winstate.Collect(reg, source, "test.reg", nil)}
			for _, fd := range Judge(f, cs, nil) {
				if want, ok := tt.want[fd.ID]; ok && verdict(fd) != want {
					t.Errorf("%s = %s (%s); want %s", fd.ID, verdict(fd), fd.Summary, want)
				}
			}
		})
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2.0.30.0", "2.0.30.0", 0},
		{"2.0.9.0", "2.0.30.0", -1},
		{"2.0.100.0", "2.0.30.0", 1},
		{"2.0.30", "2.0.30.0", 0},
		{"143.0.3650.66", "142.0.3595.94", 1},
		{" 2.1 ", "2.0.99.99", 1},
		{"x.0", "0.1", -1}, // not a number: 0
	}
	for _, tt := range tests {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for v, want := range map[string]bool{"2.0.22.0": true, "2.0.30.0": false, "2.0.35.0": false, "2022.414.1758.0": false, "": false} {
		if got := quickAssistOld(v); got != want {
			t.Errorf("quickAssistOld(%q) = %v; want %v", v, got, want)
		}
	}
}
