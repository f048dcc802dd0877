package checks

// Snapshot fixtures in testdata/snapshots/ are written from the machines
// below; regenerate them after changing a machine with:
//
//	go test ./internal/checks -run TestSystemChecks -update

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var update = flag.Bool("update", false, "rewrite testdata/snapshots/")

// machine builds a registry: a healthy Windows 11 25H2 unless mods change it.
func machine(mods ...func(*winstate.Hive)) *winstate.Hive {
	h := winstate.NewHive()
	cv := winstate.KeyCurrentVersion
	h.Set(cv, "ProductName", winstate.StringValue("Windows 10 Pro")) // sic: Windows 11 says 10 here
	h.Set(cv, "EditionID", winstate.StringValue("Professional"))
	h.Set(cv, "InstallationType", winstate.StringValue("Client"))
	h.Set(cv, "DisplayVersion", winstate.StringValue("25H2"))
	h.Set(cv, "CurrentBuildNumber", winstate.StringValue("26200"))
	h.Set(cv, "UBR", winstate.DWORDValue(7171))
	h.Set(winstate.KeyAppxUserPackages+`\MicrosoftCorporationII.QuickAssist_2.0.35.0_x64__8wekyb3d8bbwe`, "", winstate.StringValue(""))
	h.Set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("142.0.3595.94"))
	h.Set(winstate.KeyFIPS, "Enabled", winstate.DWORDValue(0))
	h.Set(winstate.KeyInetUser, "SecureProtocols", winstate.DWORDValue(0x2A80))
	h.Set(winstate.KeyW32TimeParameters, "Type", winstate.StringValue("NTP"))
	h.Set(winstate.KeyW32TimeParameters, "NtpServer", winstate.StringValue("time.windows.com,0x9"))
	h.Set(winstate.KeyW32Time, "Start", winstate.DWORDValue(3))
	h.Set(winstate.KeyTZAutoUpdate, "Start", winstate.DWORDValue(3))
	h.Set(winstate.KeyTimeZone, "TimeZoneKeyName", winstate.StringValue("Tokyo Standard Time"))
	for _, m := range mods {
		m(h)
	}
	return h
}

func build(number, product, edition, install, display string) func(*winstate.Hive) {
	return func(h *winstate.Hive) {
		cv := winstate.KeyCurrentVersion
		h.Set(cv, "CurrentBuildNumber", winstate.StringValue(number))
		h.Set(cv, "ProductName", winstate.StringValue(product))
		h.Set(cv, "EditionID", winstate.StringValue(edition))
		h.Set(cv, "InstallationType", winstate.StringValue(install))
		h.Set(cv, "DisplayVersion", winstate.StringValue(display))
	}
}

func set(key, name string, v winstate.Value) func(*winstate.Hive) {
	return func(h *winstate.Hive) { h.Set(key, name, v) }
}

// without removes a key and its subtree.
func without(key string) func(*winstate.Hive) {
	return func(h *winstate.Hive) { h.Remove(key) }
}

// applockerDeny is a packaged-app rule as the AppLocker console writes it
// (SrpV2\Appx\{id}\Value).
const applockerDeny = `<FilePublisherRule Id="5f1e0b6a-0000-0000-0000-000000000001" Name="Deny Quick Assist" Description="" UserOrGroupSid="S-1-1-0" Action="Deny"><Conditions><FilePublisherCondition PublisherName="CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US" ProductName="MicrosoftCorporationII.QuickAssist" BinaryName="*"><BinaryVersionRange LowSection="0.0.0.0" HighSection="*" /></FilePublisherCondition></Conditions></FilePublisherRule>`

var schannel12 = winstate.KeySchannelProtocols + `\TLS 1.2\Client`

func TestSystemChecks(t *testing.T) {
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		hive   *winstate.Hive
		legacy bool // the retired quickassist.exe exists
		want   map[string]finding.Status
		reason map[string]string
	}{
		{"windows 11 healthy", machine(), false,
			map[string]finding.Status{"os.schannel": finding.Pass, "os.winhttp": finding.Pass, "os.inet": finding.Pass, "os.dotnet": finding.Pass,
				"os.cipher-policy": finding.Pass, "os.fips": finding.Pass, "os.version": finding.Pass, "app.quickassist": finding.Pass, "app.webview2": finding.Pass,
				"clock.settings": finding.Pass, "app.blocked": finding.Pass}, nil},
		{"windows 10 22H2 healthy but past end of servicing", machine(build("19045", "Windows 10 Pro", "Professional", "Client", "22H2")), false,
			map[string]finding.Status{"os.schannel": finding.Pass, "os.winhttp": finding.Pass, "os.version": finding.Warn, "app.quickassist": finding.Pass, "app.webview2": finding.Pass},
			map[string]string{"os.version": "os-unsupported"}},
		{"server 2016 with TLS 1.2 off", machine(build("14393", "Windows Server 2016 Standard", "ServerStandard", "Server", ""),
			set(schannel12, "Enabled", winstate.DWORDValue(0)), set(schannel12, "DisabledByDefault", winstate.DWORDValue(1))), false,
			map[string]finding.Status{"os.schannel": finding.Fail, "os.version": finding.Pass},
			map[string]string{"os.schannel": "schannel-tls12-off"}},
		{"TLS 1.2 only when asked", machine(set(schannel12, "DisabledByDefault", winstate.DWORDValue(1))), false,
			map[string]finding.Status{"os.schannel": finding.Fail}, nil},
		{"TLS 1.3 off on Windows 11", machine(set(winstate.KeySchannelProtocols+`\TLS 1.3\Client`, "Enabled", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"os.schannel": finding.Warn}, map[string]string{"os.schannel": "schannel-tls13-off"}},
		{"FIPS on", machine(set(winstate.KeyFIPS, "Enabled", winstate.DWORDValue(1))), false,
			map[string]finding.Status{"os.fips": finding.Warn}, map[string]string{"os.fips": "fips-on"}},
		{"cipher policy without ECDHE-GCM", machine(set(winstate.KeyCipherPolicy, "Functions",
			winstate.StringValue("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_3DES_EDE_CBC_SHA"))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Fail}, map[string]string{"os.cipher-policy": "cipher-policy-no-modern-suite"}},
		{"cipher policy with a suffixed GCM suite", machine(set(winstate.KeyCipherPolicy, "Functions",
			winstate.StringValue("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256_P256,TLS_RSA_WITH_AES_128_CBC_SHA"))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Pass}, nil},
		{"curve policy without a usable curve", machine(set(winstate.KeyCipherPolicy, "EccCurves", winstate.MultiStringValue("NistP521"))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Fail}, nil},
		{"ECDH key exchange switched off", machine(set(winstate.KeySchannelKeyExchanges+`\ECDH`, "Enabled", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Fail}, map[string]string{"os.cipher-policy": "cipher-policy-no-modern-suite"}},
		{"both AES ciphers switched off", machine(set(winstate.KeySchannelCiphers+`\AES 128/128`, "Enabled", winstate.DWORDValue(0)),
			set(winstate.KeySchannelCiphers+`\AES 256/256`, "Enabled", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Fail}, nil},
		{"one AES cipher switched off", machine(set(winstate.KeySchannelCiphers+`\AES 256/256`, "Enabled", winstate.DWORDValue(0)),
			set(winstate.KeySchannelCiphers+`\AES 128/128`, "Enabled", winstate.DWORDValue(0xffffffff))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Pass}, nil},
		{"SHA-2 hashes switched off", machine(set(winstate.KeySchannelHashes+`\SHA256`, "Enabled", winstate.DWORDValue(0)),
			set(winstate.KeySchannelHashes+`\SHA384`, "Enabled", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Warn}, nil},
		{"local suite order without ECDHE-GCM", machine(set(winstate.KeyCipherLocal, "Functions",
			winstate.MultiStringValue("TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_GCM_SHA256"))), false,
			map[string]finding.Status{"os.cipher-policy": finding.Fail}, nil},
		{"WinHTTP mask 0xA0", machine(set(winstate.KeyWinHTTP, "DefaultSecureProtocols", winstate.DWORDValue(0xA0))), false,
			map[string]finding.Status{"os.winhttp": finding.Warn}, map[string]string{"os.winhttp": "winhttp-no-tls12"}},
		{"Internet Settings policy without TLS 1.2", machine(set(winstate.KeyInetPolicyMachine, "SecureProtocols", winstate.DWORDValue(0x280))), false,
			map[string]finding.Status{"os.inet": finding.Warn}, map[string]string{"os.inet": "inet-no-tls12"}},
		{".NET strong crypto off", machine(set(winstate.KeyDotNet4, "SchUseStrongCrypto", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"os.dotnet": finding.Warn}, nil},
		{"Quick Assist missing", machine(without(winstate.KeyAppxUserPackages)), false,
			map[string]finding.Status{"app.quickassist": finding.Fail}, map[string]string{"app.quickassist": "quickassist-missing"}},
		{"only the retired Quick Assist", machine(without(winstate.KeyAppxUserPackages)), true,
			map[string]finding.Status{"app.quickassist": finding.Fail}, map[string]string{"app.quickassist": "quickassist-legacy-only"}},
		{"WebView2 missing on Windows 11", machine(set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("0.0.0.0"))), false,
			map[string]finding.Status{"app.webview2": finding.Fail}, map[string]string{"app.webview2": "webview2-missing"}},
		{"WebView2 install blocked on Windows 10", machine(build("19045", "Windows 10 Enterprise", "Enterprise", "Client", "22H2"),
			set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("")),
			set(winstate.KeyEdgeUpdatePolicy, "Install"+winstate.WebView2AppID, winstate.DWORDValue(0))), false,
			map[string]finding.Status{"app.webview2": finding.Fail}, map[string]string{"app.webview2": "webview2-install-blocked"}},
		{"WebView2 install blocked by the default policy", machine(build("19045", "Windows 10 Enterprise", "Enterprise", "Client", "22H2"),
			set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("")),
			set(winstate.KeyEdgeUpdatePolicy, "InstallDefault", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"app.webview2": finding.Fail}, map[string]string{"app.webview2": "webview2-install-blocked"}},
		{"WebView2 allowed although installs are off by default", machine(build("19045", "Windows 10 Enterprise", "Enterprise", "Client", "22H2"),
			set(winstate.KeyWebView2Machine, "pv", winstate.StringValue("")),
			set(winstate.KeyEdgeUpdatePolicy, "InstallDefault", winstate.DWORDValue(0)),
			set(winstate.KeyEdgeUpdatePolicy, "Install"+winstate.WebView2AppID, winstate.DWORDValue(1))), false,
			map[string]finding.Status{"app.webview2": finding.Warn}, map[string]string{"app.webview2": "webview2-missing"}},
		{"WebView2 updates off", machine(set(winstate.KeyEdgeUpdatePolicy, "UpdateDefault", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"app.webview2": finding.Warn}, map[string]string{"app.webview2": "webview2-updates-off"}},
		{"WebView2 pinned for every app", machine(set(winstate.KeyWebView2PolicyMachine+`\BrowserExecutableFolder`, "*", winstate.StringValue(`C:\WebView2\109.0.1518.78`))), false,
			map[string]finding.Status{"app.webview2": finding.Warn}, map[string]string{"app.webview2": "webview2-loader-override"}},
		{"WebView2 pinned for another app only", machine(set(winstate.KeyWebView2PolicyMachine+`\BrowserExecutableFolder`, "ms-teams.exe", winstate.StringValue(`C:\WebView2\109`))), false,
			map[string]finding.Status{"app.webview2": finding.Pass}, nil},
		{"NRPT sinkhole of Quick Assist", machine(set(winstate.KeyNRPTPolicy+`\{A1B2C3D4-0000-0000-0000-000000000001}`, "Name", winstate.MultiStringValue(".support.services.microsoft.com")),
			set(winstate.KeyNRPTPolicy+`\{A1B2C3D4-0000-0000-0000-000000000001}`, "GenericDNSServers", winstate.StringValue("0.0.0.0"))), false,
			map[string]finding.Status{"app.blocked": finding.Fail}, map[string]string{"app.blocked": "blocked-by-organisation"}},
		{"NRPT rule to the corporate DNS", machine(set(winstate.KeyNRPTLocal+`\{A1B2C3D4-0000-0000-0000-000000000002}`, "Name", winstate.MultiStringValue("remoteassistance.support.services.microsoft.com")),
			set(winstate.KeyNRPTLocal+`\{A1B2C3D4-0000-0000-0000-000000000002}`, "GenericDNSServers", winstate.StringValue("dns.corp.invalid"))), false,
			map[string]finding.Status{"app.blocked": finding.Warn}, map[string]string{"app.blocked": "nrpt-rule"}},
		{"NRPT rule for other names", machine(set(winstate.KeyNRPTPolicy+`\{A1B2C3D4-0000-0000-0000-000000000003}`, "Name", winstate.MultiStringValue(".corp.example")),
			set(winstate.KeyNRPTPolicy+`\{A1B2C3D4-0000-0000-0000-000000000003}`, "GenericDNSServers", winstate.StringValue("0.0.0.0"))), false,
			map[string]finding.Status{"app.blocked": finding.Pass}, nil},
		{"AppLocker denies Quick Assist", machine(set(winstate.KeyAppLockerAppx+`\{5f1e0b6a-0000-0000-0000-000000000001}`, "Value", winstate.StringValue(applockerDeny)),
			set(winstate.KeyAppLockerAppx, "EnforcementMode", winstate.DWORDValue(1))), false,
			map[string]finding.Status{"app.blocked": finding.Fail}, map[string]string{"app.blocked": "blocked-by-organisation"}},
		{"AppLocker rule in audit mode", machine(set(winstate.KeyAppLockerAppx+`\{5f1e0b6a-0000-0000-0000-000000000001}`, "Value", winstate.StringValue(applockerDeny)),
			set(winstate.KeyAppLockerAppx, "EnforcementMode", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"app.blocked": finding.Warn}, map[string]string{"app.blocked": "applocker-audit"}},
		{"tenant restrictions v2", machine(set(winstate.KeyTenantRestrictions, "PolicyGuid", winstate.StringValue("00000000-0000-0000-0000-000000000000"))), false,
			map[string]finding.Status{"app.blocked": finding.Warn}, map[string]string{"app.blocked": "tenant-restrictions"}},
		{"Quick Assist missing and the Store off", machine(without(winstate.KeyAppxUserPackages), set(winstate.KeyStorePolicy, "RemoveWindowsStore", winstate.DWORDValue(1))), false,
			map[string]finding.Status{"app.quickassist": finding.Fail}, map[string]string{"app.quickassist": "quickassist-missing-no-store"}},
		{"Quick Assist missing on LTSC", machine(without(winstate.KeyAppxUserPackages), build("26100", "Windows 10 Enterprise LTSC 2024", "EnterpriseS", "Client", "24H2")), false,
			map[string]finding.Status{"app.quickassist": finding.Fail}, map[string]string{"app.quickassist": "quickassist-missing-no-store"}},
		{"Application Information service disabled", machine(set(winstate.KeyAppinfo, "Start", winstate.DWORDValue(4))), false,
			map[string]finding.Status{"app.quickassist": finding.Fail}, map[string]string{"app.quickassist": "appinfo-disabled"}},
		{"UAC off", machine(set(winstate.KeyPoliciesSystem, "EnableLUA", winstate.DWORDValue(0))), false,
			map[string]finding.Status{"app.quickassist": finding.Warn}, map[string]string{"app.quickassist": "uac-off"}},
		{"automatic time off", machine(set(winstate.KeyW32TimeParameters, "Type", winstate.StringValue("NoSync"))), false,
			map[string]finding.Status{"clock.settings": finding.Warn}, map[string]string{"clock.settings": "clock-settings"}},
		{"automatic time off by policy", machine(set(winstate.KeyW32TimeParameters, "Type", winstate.StringValue("NTP")),
			set(winstate.KeyW32TimePolicy, "Type", winstate.StringValue("NoSync"))), false,
			map[string]finding.Status{"clock.settings": finding.Warn}, nil},
		{"time service disabled", machine(set(winstate.KeyW32Time, "Start", winstate.DWORDValue(4))), false,
			map[string]finding.Status{"clock.settings": finding.Warn}, nil},
		{"Windows 7", machine(build("7601", "Windows 7 Professional", "Professional", "Client", "")), false,
			map[string]finding.Status{"os.schannel": finding.Fail, "os.winhttp": finding.Warn, "os.version": finding.Fail}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exists := func(string) bool { return tt.legacy }
			sys := winstate.Collect(tt.hive, "live", "", exists)

			// Go through a snapshot file, as analyze does: the fixture on
			// disk is what is judged.
			path := filepath.Join("testdata", "snapshots", strings.ReplaceAll(tt.name, " ", "-")+".json")
			if *update {
				var b bytes.Buffer
				if err := winstate.WriteSnapshot(&b, &winstate.Snapshot{Schema: winstate.SnapshotSchema, Tool: "test", Collected: now, System: sys}); err != nil {
					t.Fatal(err)
				}
				os.WriteFile(path, b.Bytes(), 0o644)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write the fixture)", err)
			}
			snap, reg, err := winstate.ReadSnapshot(path, data)
			if err != nil {
				t.Fatal(err)
			}
			f := &facts.Facts{Started: now, MinTLS: "1.2", System: winstate.Collect(reg, "snapshot", path, nil)}
			f.System.Files = snap.System.Files // files are recorded, not re-read
			byID := map[string]finding.Finding{}
			for _, fd := range Judge(f, All(), nil) {
				byID[fd.ID] = fd
			}
			for id, want := range tt.want {
				got := byID[id]
				if got.Status != want {
					t.Errorf("%s = %s (%s); want %s", id, got.Status, got.Summary, want)
				}
				if r := tt.reason[id]; r != "" && got.Reason != r {
					t.Errorf("%s reason = %q; want %q", id, got.Reason, r)
				}
				if got.Status == finding.Fail && (len(got.Fix) == 0 || got.Cause == "") {
					t.Errorf("%s fails without a cause and a fix", id)
				}
			}
			for _, fd := range Judge(f, All(), i18n.New(i18n.Japanese)) {
				if _, ok := tt.want[fd.ID]; ok {
					assertJapanese(t, fd)
					check := byID[fd.ID]
					if fd.Title == check.Title {
						t.Errorf("%s title %q is not translated", fd.ID, fd.Title)
					}
				}
			}
		})
	}
}

func TestSystemChecksSkipOffWindows(t *testing.T) {
	f := &facts.Facts{System: facts.System{State: facts.SystemNotWindows},
		Sessions: facts.Sessions{State: facts.SessionsUnavailable, Why: facts.WhyNotWindows}}
	cs, _ := Select(nil, nil)
	for _, fd := range Judge(f, cs, nil) {
		if strings.HasPrefix(fd.ID, "os.") || strings.HasPrefix(fd.ID, "app.") {
			if fd.Status != finding.Skip || !strings.Contains(fd.Summary, "Not Windows") {
				t.Errorf("%s off Windows = %s %q; want skip saying so", fd.ID, fd.Status, fd.Summary)
			}
		}
	}
}

func TestLifecycleTableParses(t *testing.T) {
	l, err := loadLifecycle()
	if err != nil || len(l.Releases) < 10 || l.Date == "" {
		t.Fatalf("lifecycle table: %d rows, date %q, err %v", len(l.Releases), l.Date, err)
	}
	for _, r := range l.Releases {
		for _, d := range []string{r.End, r.EndEnterprise} {
			if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
				t.Errorf("%s: end %q is not a date", r.Name, d)
			}
		}
	}
}

// A wrong clock with automatic time off: the setting is the cause (fail),
// with the repairs the fix command runs.
func TestClockSettingsExplainAWrongClock(t *testing.T) {
	sys := winstate.Collect(machine(set(winstate.KeyW32TimeParameters, "Type", winstate.StringValue("NoSync"))), "live", "", nil)
	off := float64(-20 * time.Hour / time.Millisecond) // this PC is 20 hours ahead
	f := &facts.Facts{System: sys, Clock: facts.Clock{MaxSkewMS: 300000,
		NTP: []facts.NTPSample{{Step: facts.Step{State: facts.StepOK}, Server: "ntp.test:123", OffsetMS: off}}}}
	cs, _ := Select([]string{"clock.offset", "clock.settings"}, nil)
	got := Judge(f, cs, nil)
	if got[0].Status != finding.Fail || got[1].Status != finding.Fail {
		t.Fatalf("clock.offset %s, clock.settings %s; want both fail", got[0].Status, got[1].Status)
	}
	var ids []string
	for _, a := range got[1].Actions {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "clock.auto-time-on,clock.resync" {
		t.Errorf("actions = %v; want auto time on, then resync", ids)
	}
	if !strings.Contains(got[1].Cause, "more than W32Time will correct") {
		t.Errorf("cause %q should say 20 hours is beyond MaxNegPhaseCorrection", got[1].Cause)
	}
}

func TestClockSettingsTimedatectl(t *testing.T) {
	tests := []struct {
		values map[string]string
		want   finding.Status
	}{
		{map[string]string{"NTP": "yes", "NTPSynchronized": "yes", "Timezone": "Asia/Tokyo"}, finding.Pass},
		{map[string]string{"NTP": "yes", "NTPSynchronized": "no"}, finding.Warn},
		{map[string]string{"NTP": "no", "NTPSynchronized": "no"}, finding.Warn},
	}
	for _, tt := range tests {
		f := &facts.Facts{System: facts.System{State: facts.SystemNotWindows},
			Clock: facts.Clock{Settings: facts.ClockSettings{State: facts.ClockSettingsRead, Source: "timedatectl", Values: tt.values}}}
		if got := judgeClockSettings(f, nil); got.Status != tt.want {
			t.Errorf("timedatectl %v: %s (%s); want %s", tt.values, got.Status, got.Summary, tt.want)
		}
	}
}

// No summary shows an empty placeholder: with W32Time's Type unset the
// clock summary says so instead of "( from the service)".
func TestClockSettingsTypeUnset(t *testing.T) {
	h := machine()
	h.DeleteValue(winstate.KeyW32TimeParameters, "Type")
	cs, _ := Select([]string{"clock.settings"}, nil)
	for _, tr := range []*i18n.Printer{nil, i18n.New(i18n.Japanese)} {
		fd := Judge(&facts.Facts{System: winstate.Collect(h, "live", "", nil)}, cs, tr)[0]
		if fd.Status != finding.Pass || strings.Contains(fd.Summary, "( ") || strings.Contains(fd.Summary, "()") || !strings.Contains(fd.Summary, "Type") {
			t.Errorf("clock.settings with Type unset: %s %q; want pass naming Type, no empty placeholder", fd.Status, fd.Summary)
		}
	}
}
