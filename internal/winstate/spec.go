package winstate

// The registry keys qadoctor reads, with their sources (see
// ../shared/REFERENCE.md for the facts in full).
const (
	// SCHANNEL protocol switches: <Protocols>\<TLS 1.2>\Client, DWORD Enabled
	// and DisabledByDefault (learn.microsoft.com/windows-server/security/tls/tls-registry-settings).
	KeySchannelProtocols = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols`

	// WinHTTP's DefaultSecureProtocols mask (Microsoft KB3140245), native and 32-bit.
	KeyWinHTTP   = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`
	KeyWinHTTP32 = `HKLM\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp`

	// Internet Settings' SecureProtocols mask (WinINet), per user, per
	// machine, and as policy (policy wins; third-party sources, REFERENCE.md).
	KeyInetUser          = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`
	KeyInetMachine       = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings`
	KeyInetPolicyUser    = `HKCU\Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings`
	KeyInetPolicyMachine = `HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings`

	// The proxy settings as binary blobs: WinHTTP's (netsh winhttp show
	// proxy) and the user's connection flags (WPAD auto-detect).
	KeyConnectionsMachine = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`
	KeyConnectionsUser    = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections`

	// The machine's DNS suffix, from which WPAD devolves (wpad.<suffix>).
	KeyTcpip = `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`

	// .NET Framework strong crypto (learn.microsoft.com/dotnet/framework/network-programming/tls).
	KeyDotNet4  = `HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319`
	KeyDotNet4W = `HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v4.0.30319`
	KeyDotNet2  = `HKLM\SOFTWARE\Microsoft\.NETFramework\v2.0.50727`
	KeyDotNet2W = `HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework\v2.0.50727`

	// Group Policy "SSL Cipher Suite Order" (learn.microsoft.com/windows-server/security/tls/manage-tls):
	// Functions (REG_SZ, comma list) and EccCurves (REG_MULTI_SZ).
	KeyCipherPolicy = `HKLM\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002`

	// The SCHANNEL algorithm switches, DWORD Enabled under each subkey
	// (0 off; absent or non-zero on): Ciphers\AES 128/128, KeyExchangeAlgorithms\ECDH,
	// Hashes\SHA256 … (learn.microsoft.com/windows-server/security/tls/tls-registry-settings;
	// "Demystifying Schannel", techcommunity.microsoft.com/blog/coreinfrastructureandsecurityblog/demystifying-schannel/259233).
	KeySchannelCiphers      = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers`
	KeySchannelKeyExchanges = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms`
	KeySchannelHashes       = `HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Hashes`
	// The local cipher-suite order, which Disable-TlsCipherSuite and
	// Enable-TlsCipherSuite edit: Functions (REG_MULTI_SZ). The policy
	// (KeyCipherPolicy) wins over it.
	KeyCipherLocal = `HKLM\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002`

	// FIPS mode: FipsAlgorithmPolicy\Enabled, MDMEnabled; older builds:
	// Lsa\FIPSAlgorithmPolicy.
	KeyLsa  = `HKLM\SYSTEM\CurrentControlSet\Control\Lsa`
	KeyFIPS = KeyLsa + `\FipsAlgorithmPolicy`

	// The Windows version (REFERENCE.md "Windows versions").
	KeyCurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
	// The machine's architecture (AMD64, ARM64, x86), as the system sets it.
	KeyEnvironment = `HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment`

	// The Evergreen WebView2 runtime's version, value pv, per machine and per
	// user ("Detect if a WebView2 Runtime is already installed",
	// learn.microsoft.com/microsoft-edge/webview2/concepts/distribution: a
	// pv that is missing, null, empty or 0.0.0.0 means not installed there).
	// Microsoft's MSRD-Collect reads all three places for Quick Assist
	// (MSRDC-Diagnostics.psm1, msrdDiagQA): HKCU, HKLM, and HKLM's
	// WOW6432Node copy.
	KeyWebView2Machine   = `HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}`
	KeyWebView2Machine64 = `HKLM\SOFTWARE\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}`
	KeyWebView2User      = `HKCU\Software\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}`

	// Microsoft Edge Update's policies for the WebView2 runtime (app ID
	// {F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}): Install{ID} and Update{ID}
	// (0 = not allowed), else InstallDefault and UpdateDefault
	// (learn.microsoft.com/deployedge/microsoft-edge-update-policies).
	KeyEdgeUpdatePolicy = `HKLM\SOFTWARE\Policies\Microsoft\EdgeUpdate`
	// The WebView2 loader's override policies, machine and user; each is a
	// key whose value names are app IDs (the AUMID or the exe name, or *)
	// (learn.microsoft.com/deployedge/microsoft-edge-webview-policies).
	KeyWebView2PolicyMachine = `HKLM\SOFTWARE\Policies\Microsoft\Edge\WebView2`
	KeyWebView2PolicyUser    = `HKCU\Software\Policies\Microsoft\Edge\WebView2`

	// Name Resolution Policy Table rules, from Group Policy and from
	// Add-DnsClientNrptRule: one subkey per rule with Name (the namespaces,
	// REG_MULTI_SZ) and GenericDNSServers ([MS-GPNRPT] 2.2.1).
	KeyNRPTPolicy = `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig`
	KeyNRPTLocal  = `HKLM\SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig`
	// Tenant restrictions v2 ("Cloud Policy Details"; Policy CSP
	// TenantRestrictions, ADMX trv2_payload): present means helpers from
	// tenants the policy does not allow cannot sign in.
	KeyTenantRestrictions = `HKLM\SOFTWARE\Policies\Microsoft\Windows\TenantRestrictions\Payload`
	// AppLocker's packaged-app rules: one subkey per rule, its XML in Value;
	// EnforcementMode on the collection (1 enforce).
	KeyAppLockerAppx = `HKLM\SOFTWARE\Policies\Microsoft\Windows\SrpV2\Appx`
	// The Microsoft Store turned off by policy (RemoveWindowsStore=1, or
	// DisableStoreApps=1 for all Store apps).
	KeyStorePolicy = `HKLM\SOFTWARE\Policies\Microsoft\WindowsStore`

	// UAC (EnableLUA, 0 = off) and the Application Information service
	// (Start, 4 = disabled), through which Windows starts uiAccess apps
	// such as Quick Assist (../shared/CAUSES.md C18).
	KeyPoliciesSystem = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`
	KeyAppinfo        = `HKLM\SYSTEM\CurrentControlSet\Services\Appinfo`

	// Where AppX packages are registered: per user (the package repository)
	// and provisioned for all users. Subkeys are package full names such as
	// MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe.
	KeyAppxUserPackages = `HKCU\Software\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages`
	KeyAppxAllUsers     = `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore\Applications`
)

// The screen leg: Windows' RDP / Desktop Sharing stack (../shared/CAUSES.md
// section 1b).
const (
	// RDP's policies (Administrative Templates > Windows Components >
	// Remote Desktop Services > Remote Desktop Session Host > Security):
	// DWORD MinEncryptionLevel, "Set client connection encryption level"
	// (1 Low, 2 Client Compatible, 3 High; 4 FIPS Compliant, which the
	// policy's own text says is set through "System cryptography: Use FIPS
	// compliant algorithms…" or the Session Host configuration; the level
	// "only applies when you are using native RDP encryption"), and DWORD
	// SecurityLayer, "Require use of specific security layer for remote
	// (RDP) connections" (0 RDP, 1 Negotiate, 2 SSL/TLS). Microsoft KB 811770:
	// Remote Assistance cannot connect where the encryption level is FIPS
	// Compliant, and reports a security error.
	KeyRDPPolicy = `HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services`

	// The Windows Desktop Sharing API's COM classes, CLSID_RDPSession (the
	// sharer's session) and CLSID_RDPViewer (the viewer's control), from the
	// Windows SDK's rdpencomapi.h; "The session object is hosted in-process
	// by RdpEncom.dll" (learn.microsoft.com/windows/win32/api/rdpencomapi/
	// nn-rdpencomapi-irdpsrapisharingsession; the viewer's pages name the
	// same DLL). The default value of InprocServer32 names the DLL.
	KeyRDPSessionServer = `HKLM\SOFTWARE\Classes\CLSID\{9B78F0E6-3E05-4A5B-B2E8-E743A8956B65}\InprocServer32`
	KeyRDPViewerServer  = `HKLM\SOFTWARE\Classes\CLSID\{32BE5ED2-5C86-480F-A914-0FF8885A1B3F}\InprocServer32`
)

// DesktopSharingPath is the Windows Desktop Sharing API's DLL, RdpEncom.dll
// (the rdpencomapi reference pages above): a live run records whether it
// is there.
const DesktopSharingPath = `%SystemRoot%\System32\rdpencom.dll`

// WantedFiles are the files whose presence a live run records: the retired
// Quick Assist, and the Desktop Sharing DLL the screen leg needs. A path
// may start with %SystemRoot%.
var WantedFiles = []string{LegacyQuickAssistPath, DesktopSharingPath}

// Windows Time (REFERENCE.md "Time"; learn.microsoft.com/windows-server/networking/windows-time-service/windows-time-service-tools-and-settings).
const (
	KeyW32Time           = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time`
	KeyW32TimeParameters = KeyW32Time + `\Parameters` // Type: NTP, NT5DS, NoSync, AllSync; NtpServer
	KeyW32TimeConfig     = KeyW32Time + `\Config`     // MaxPosPhaseCorrection, MaxNegPhaseCorrection
	KeyW32TimePolicy     = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters`
	KeyTZAutoUpdate      = `HKLM\SYSTEM\CurrentControlSet\Services\tzautoupdate` // Start 3 = on, 4 = off
	KeyTimeZone          = `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
)

// SchannelVersions are the protocol subkeys judged, oldest first.
var SchannelVersions = []string{"SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"}

// SchannelAlgorithms are the SCHANNEL algorithm subkeys judged: those a
// TLS 1.2 ECDHE suite with AES-GCM (and TLS 1.3) needs, and the others
// shown for context.
var SchannelAlgorithms = []struct{ Key, Name string }{
	{KeySchannelCiphers, "AES 128/128"},
	{KeySchannelCiphers, "AES 256/256"},
	{KeySchannelKeyExchanges, "ECDH"},
	{KeySchannelKeyExchanges, "PKCS"},
	{KeySchannelKeyExchanges, "Diffie-Hellman"},
	{KeySchannelHashes, "SHA256"},
	{KeySchannelHashes, "SHA384"},
}

// WebView2Policies are the loader overrides judged (each a key under
// KeyWebView2Policy*), and WebView2AppIDs the value names the loader
// looks up for Quick Assist: its AUMID, its exe, and * for every app.
var (
	WebView2Policies = []string{"BrowserExecutableFolder", "ReleaseChannels", "ChannelSearchKind", "ReleaseChannelPreference", "AdditionalBrowserArguments"}
	WebView2AppIDs   = []string{"MicrosoftCorporationII.QuickAssist_8wekyb3d8bbwe!App", "QuickAssist.exe", "*"}
)

// WebView2AppID is Edge Update's ID of the WebView2 runtime.
const WebView2AppID = "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"

// ValueRef names one registry value.
type ValueRef struct{ Key, Name string }

// Wanted is every value the checks read, in report order. collect saves
// exactly these; analyze finds them again in a .reg export or snapshot.
func Wanted() []ValueRef {
	var w []ValueRef
	for _, v := range SchannelVersions {
		k := KeySchannelProtocols + `\` + v + `\Client`
		w = append(w, ValueRef{k, "Enabled"}, ValueRef{k, "DisabledByDefault"})
	}
	w = append(w,
		ValueRef{KeyWinHTTP, "DefaultSecureProtocols"},
		ValueRef{KeyWinHTTP32, "DefaultSecureProtocols"},
		ValueRef{KeyInetPolicyMachine, "SecureProtocols"},
		ValueRef{KeyInetPolicyUser, "SecureProtocols"},
		ValueRef{KeyInetUser, "SecureProtocols"},
		// The user's proxy, as Edge and WebView2 use it.
		ValueRef{KeyInetUser, "ProxyEnable"},
		ValueRef{KeyInetUser, "ProxyServer"},
		ValueRef{KeyInetUser, "ProxyOverride"},
		ValueRef{KeyInetUser, "AutoConfigURL"},
		ValueRef{KeyConnectionsMachine, "WinHttpSettings"},
		ValueRef{KeyConnectionsUser, "DefaultConnectionSettings"},
		ValueRef{KeyTcpip, "NV Domain"},
		ValueRef{KeyTcpip, "Domain"},
		ValueRef{KeyInetMachine, "SecureProtocols"},
	)
	for _, k := range []string{KeyDotNet4, KeyDotNet4W, KeyDotNet2, KeyDotNet2W} {
		w = append(w, ValueRef{k, "SchUseStrongCrypto"}, ValueRef{k, "SystemDefaultTlsVersions"})
	}
	for _, a := range SchannelAlgorithms {
		w = append(w, ValueRef{a.Key + `\` + a.Name, "Enabled"})
	}
	w = append(w,
		ValueRef{KeyCipherPolicy, "Functions"},
		ValueRef{KeyCipherPolicy, "EccCurves"},
		ValueRef{KeyCipherLocal, "Functions"},
		ValueRef{KeyFIPS, "Enabled"},
		ValueRef{KeyFIPS, "MDMEnabled"},
		ValueRef{KeyLsa, "FIPSAlgorithmPolicy"},
	)
	for _, n := range []string{"ProductName", "EditionID", "InstallationType", "DisplayVersion", "CurrentBuildNumber", "UBR"} {
		w = append(w, ValueRef{KeyCurrentVersion, n})
	}
	w = append(w, ValueRef{KeyEnvironment, "PROCESSOR_ARCHITECTURE"})
	w = append(w,
		ValueRef{KeyW32TimePolicy, "Type"},
		ValueRef{KeyW32TimePolicy, "NtpServer"},
		ValueRef{KeyW32TimeParameters, "Type"},
		ValueRef{KeyW32TimeParameters, "NtpServer"},
		ValueRef{KeyW32Time, "Start"},
		ValueRef{KeyW32TimeConfig, "MaxPosPhaseCorrection"},
		ValueRef{KeyW32TimeConfig, "MaxNegPhaseCorrection"},
		ValueRef{KeyTZAutoUpdate, "Start"},
		ValueRef{KeyTimeZone, "TimeZoneKeyName"},
	)
	w = append(w,
		ValueRef{KeyWebView2Machine, "pv"},
		ValueRef{KeyWebView2Machine64, "pv"},
		ValueRef{KeyWebView2User, "pv"},
		ValueRef{KeyEdgeUpdatePolicy, "Install" + WebView2AppID},
		ValueRef{KeyEdgeUpdatePolicy, "InstallDefault"},
		ValueRef{KeyEdgeUpdatePolicy, "Update" + WebView2AppID},
		ValueRef{KeyEdgeUpdatePolicy, "UpdateDefault"},
	)
	for _, root := range []string{KeyWebView2PolicyMachine, KeyWebView2PolicyUser} {
		for _, p := range WebView2Policies {
			for _, id := range WebView2AppIDs {
				w = append(w, ValueRef{root + `\` + p, id})
			}
		}
	}
	w = append(w,
		ValueRef{KeyAppLockerAppx, "EnforcementMode"},
		ValueRef{KeyPoliciesSystem, "EnableLUA"},
		ValueRef{KeyAppinfo, "Start"},
		ValueRef{KeyStorePolicy, "RemoveWindowsStore"},
		ValueRef{KeyStorePolicy, "DisableStoreApps"},
		ValueRef{KeyRDPPolicy, "MinEncryptionLevel"},
		ValueRef{KeyRDPPolicy, "SecurityLayer"},
		ValueRef{KeyRDPSessionServer, ""}, // the default value: the DLL's path
		ValueRef{KeyRDPViewerServer, ""},
	)
	return w
}

// TreeRef is a key whose subkeys are each read for the same values: one
// subkey per NRPT or AppLocker rule.
type TreeRef struct {
	Key   string
	Names []string
}

// MaxTreeChildren bounds how many subkeys of a tree are read: a real
// NRPT or AppLocker policy has tens of rules.
const MaxTreeChildren = 256

// WantedTrees is every tree the checks read.
func WantedTrees() []TreeRef {
	return []TreeRef{
		{KeyNRPTPolicy, []string{"Name", "GenericDNSServers", "ConfigOptions"}},
		{KeyNRPTLocal, []string{"Name", "GenericDNSServers", "ConfigOptions"}},
		{KeyAppLockerAppx, []string{"Value"}},
	}
}

// WantedSubKeys is every key whose subkey names the checks read.
func WantedSubKeys() []string {
	return []string{KeyAppxUserPackages, KeyAppxAllUsers, KeyTenantRestrictions}
}

// WantedInterest is what analyze keeps of a .reg export: the keys of
// Wanted and WantedSubKeys, with their ancestors for coverage.
func WantedInterest() *Interest {
	var keys []string
	for _, w := range Wanted() {
		keys = append(keys, w.Key)
	}
	var trees []string
	for _, t := range WantedTrees() {
		trees = append(trees, t.Key)
	}
	return NewInterest(keys, append(WantedSubKeys(), trees...), trees...)
}
