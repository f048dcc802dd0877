package checks

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// This file is the one table of reason codes (Chromium's
// net/base/net_error_list.h is the model): each code once, with what it
// means, the leg of a session it breaks, the step at which a person sees
// it, and where that claim comes from. docs/reasons.md is generated from
// it (go run ./tools/reasonsdoc > docs/reasons.md; TestReasonsDocUpToDate
// fails when they differ), and every finding's leg and step in the JSON
// come from it.
//
// # Add a reason code
//
//  1. Write it in the judge (a literal, or a family's variable part).
//  2. Add a row here, in its group: Code (a family spells its variable
//     part in <angle brackets>), Meaning in one line, Leg and Step (or
//     perEndpoint when the failing endpoints decide: the RDP relay is the
//     screen leg, every other endpoint the web leg, each with the step the
//     profile gives it), and Source.
//  3. Run go run ./tools/reasonsdoc > docs/reasons.md.
//
// TestReasonsDocumented fails when a judge writes a code with no row, or a
// row names a code no judge writes.

// Reason is one row of the reason-code table.
type Reason struct {
	Code    string   // the code; a family spells its variable part in <angle brackets>
	Also    []string // codes that share the row (tls-reset / tls-closed)
	Group   Group
	Meaning string   // one line, in English: what docs/reasons.md says
	Leg     leg.Leg  // the leg it breaks; perEndpoint: the failing endpoints'
	Step    leg.Step // where a person sees it; with perEndpoint, the failing endpoints' earliest
	Source  string   // where the leg and step come from
}

// perEndpoint marks a reason whose leg and step are those of the
// endpoints that failed: a DNS block of the sign-in pages is met at
// sign-in, one of the RDP relay when sharing starts.
const perEndpoint leg.Leg = "per-endpoint"

// Group is a section of the table, and of docs/reasons.md.
type Group struct {
	Title string // the section's heading
	Check string // the check (or family) that writes its codes
}

var (
	groupBlocks  = Group{"Deliberate blocks", "app.blocked"}
	groupNet     = Group{"Names and connections", "net.*"}
	groupClock   = Group{"Clock", "clock.*"}
	groupTLS     = Group{"TLS", "tls.*"}
	groupOS      = Group{"Windows settings", "os.*"}
	groupApp     = Group{"The app", "app.*"}
	groupProfile = Group{"The endpoint list", "profile.age"}
)

// Groups lists the sections in the order docs/reasons.md gives them.
var Groups = []Group{groupBlocks, groupNet, groupClock, groupTLS, groupOS, groupApp, groupProfile}

// Where the legs and steps come from (the sources in full are in
// ../shared/CAUSES.md and ../shared/REFERENCE.md).
const (
	srcBlock           = "a deliberate block of Quick Assist's names or app stops everything from the start (CAUSES.md C2)"
	srcAuditOnly       = "an audit-only rule lets the app run (AppLocker documentation)"
	srcTenant          = "tenant restrictions v2 act at sign-in, in the web leg (CAUSES.md C9)"
	srcWeakSignature   = "Chromium 156 here refuses a trusted CA's SHA-1-signed leaf with ERR_CERT_INVALID (TestCertErrorsAgreeWithChromium); crypto/x509 refuses SHA-1 signatures since Go 1.18; the failing endpoints say their step"
	srcEndpoints       = "the failing endpoints: each says its step in the profile; the RDP relay is the screen leg, every other endpoint the web leg"
	srcBrowser         = "Edge and WebView2 are the same Chromium network stack with the PC's proxy settings and certificate store; the failing endpoints say their step, the RDP relay is never asked (issue 24)"
	srcTool            = "about qadoctor's own reading, not the session"
	srcNoName          = "no name resolves, so nothing starts: the first thing a person sees is Quick Assist not opening (CAUSES.md C1)"
	srcTunnel          = "a tunnel carries both legs; it slows or drops them rather than refusing (CAUSES.md C7)"
	srcFallback        = "every endpoint connects, 300 ms late over the other family (Chromium's kIPv6FallbackTime): slower, not broken"
	srcClock           = "both legs verify certificates against the clock; the web leg is met first, when Quick Assist opens (CAUSES.md C11)"
	srcSchannel        = "the screen leg is Windows' RDP through the RDP relay with SCHANNEL's TLS (Quick Assist page, 2024-07-01); WebView2 ignores SCHANNEL (Eric Lawrence, textslashplain.com; CAUSES.md 1b, C12)"
	srcNotWebView2     = "WebView2 does not use it (it has its own network stack), and no source says the RDP stack does (CAUSES.md 1b)"
	srcFIPS            = "the screen leg is Windows' RDP through the RDP relay with SCHANNEL's TLS (Quick Assist page, 2024-07-01); WebView2 ignores SCHANNEL (Eric Lawrence, textslashplain.com; CAUSES.md 1b, C12); KB 811770: Remote Assistance, the same Desktop Sharing stack, fails with a security error under FIPS encryption"
	srcOSVersion       = "Quick Assist (the Store app) needs Windows 10 or later (Microsoft's Quick Assist page)"
	srcLifecycle       = "an unserviced release still runs Quick Assist; it stops getting fixes (Windows lifecycle)"
	srcApp             = "Quick Assist itself, or the WebView2 its whole UI runs in, is missing or cannot start (CAUSES.md C3, C4, C18)"
	srcLegacy          = "the Store app still works beside the retired one (CAUSES.md C3)"
	srcWebView2Updates = "an old runtime still runs; it stops getting fixes (CAUSES.md C4)"
	srcKB811770        = "the screen leg is Windows' RDP / Desktop Sharing through the RDP relay (Quick Assist page, 2024-07-01); KB 811770: Remote Assistance, the same Desktop Sharing stack, cannot connect where RDP's encryption level is FIPS Compliant and reports a security error; whether RDP's policies apply to Quick Assist's sessions is unverified (CAUSES.md 1b)"
	srcDesktopSharing  = "the screen leg is Windows' RDP (Quick Assist page, 2024-07-01); Microsoft's Quick Assist trace (TSS UEX_QuickAssist) records RDPEnCom, and RdpEncom.dll hosts the Desktop Sharing classes RDPSession and RDPViewer (rdpencomapi reference); that Quick Assist loads them is inferred (CAUSES.md 1b)"
	srcRecordSchannel  = "Schannel's records are Windows' own TLS, the screen leg's (CAUSES.md 1b, 1c): 36871 is the classic record of TLS switched off or no usable cipher suite"
	srcRecordApp       = "Quick Assist's whole UI runs in WebView2, so its crash or a broken package stops the app itself (CAUSES.md 1c, C3, C4)"
	srcRecordWebView   = "the web leg (sign-in, code, consent, chat) runs in WebView2 (CAUSES.md 1b); Application Error 1000 for msedgewebview2.exe (CAUSES.md 1c)"
	srcRecordRA        = "the channels Microsoft's MSRD-Collect collects for Quick Assist and Remote Help (scenario MSRA; CAUSES.md 1c); Remote Assistance is the same Desktop Sharing stack as the screen leg (KB 811770)"
	srcRecordPages     = "the service's pages in Quick Assist's History: /screenshare when sharing starts, /status/... the end screen (CAUSES.md 1c); a cause in the screen leg shows when sharing starts (CAUSES.md 1b)"
	srcQuickAssistOld  = "Microsoft's MSRD-Collect only advises updating below its $latestQAver (2.0.30.0); no source says what an old build breaks (CAUSES.md 1b, C10)"
)

var reasons = []Reason{
	{Code: "blocked-by-organisation", Group: groupBlocks, Leg: leg.Both, Step: leg.Opens, Source: srcBlock,
		Meaning: "an NRPT rule sinkholes Quick Assist's names, or an enforced AppLocker rule denies the app: on purpose, ask IT"},
	{Code: "nrpt-rule", Group: groupBlocks, Leg: leg.Both, Step: leg.Opens, Source: srcBlock,
		Meaning: "an NRPT rule sends Quick Assist's names to the organisation's own DNS server, which decides whether they resolve"},
	{Code: "applocker-audit", Group: groupBlocks, Leg: leg.None, Step: leg.NoStep, Source: srcAuditOnly,
		Meaning: "an AppLocker rule would deny Quick Assist but only audits"},
	{Code: "tenant-restrictions", Group: groupBlocks, Leg: leg.Web, Step: leg.SignIn, Source: srcTenant,
		Meaning: "tenant restrictions v2 are on: a helper from a tenant the organisation does not allow cannot sign in"},
	{Code: "hosts-file-entry", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a hosts-file line pins or blocks an endpoint"},
	{Code: "hosts-unreadable", Group: groupNet, Leg: leg.None, Step: leg.NoStep, Source: srcTool,
		Meaning: "the hosts file could not be read (not a regular file, too large, unreadable)"},
	{Code: "dns-nxdomain", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the resolver says a name does not exist"},
	{Code: "dns-servfail", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the resolver failed to answer (SERVFAIL)"},
	{Code: "dns-sinkhole", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a name resolves to 0.0.0.0, loopback or another sinkhole address: a DNS filter"},
	{Code: "dns-timeout", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "no answer from the resolver in time"},
	{Code: "dns-none-resolve", Group: groupNet, Leg: leg.Both, Step: leg.Opens, Source: srcNoName,
		Meaning: "no endpoint resolves: no working DNS at all"},
	{Code: "dns-error", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "another DNS error"},
	{Code: "vpn-active", Group: groupNet, Leg: leg.Both, Step: leg.Slow, Source: srcTunnel,
		Meaning: "a VPN or tunnel interface is up"},
	{Code: "vpn-full-tunnel", Group: groupNet, Leg: leg.Both, Step: leg.Slow, Source: srcTunnel,
		Meaning: "the default route leaves by a VPN: everything goes through it"},
	{Code: "proxy-auth", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy asks for a user name and password (407 with Basic or Digest, or no scheme): Quick Assist cannot give one"},
	{Code: "proxy-auth-windows", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy asks for a Windows sign-in (407 with Negotiate or NTLM): WebView2 answers with the user's account, so this warns; qadoctor cannot test past it"},
	{Code: "proxy-refused", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy refuses the CONNECT"},
	{Code: "proxy-upstream", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy took the CONNECT but could not carry it out (a 5xx: its own DNS or way out failed), not a rule that blocks the endpoint"},
	{Code: "proxy-dead", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy cannot be reached"},
	{Code: "proxy-timeout", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the proxy does not answer in time"},
	{Code: "proxy-garbage", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "what answered as the proxy does not speak HTTP"},
	{Code: "proxy-pac", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the PAC file cannot be fetched or does not evaluate"},
	{Code: "tcp-refused", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the connection is refused (RST)"},
	{Code: "tcp-dropped", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "no answer to the connection's SYN nor its first retransmission, on any path as slow as the run saw (the connect's own bound, `gather.DroppedAfter`): a firewall or security product drops traffic to the address, often on purpose"},
	{Code: "tcp-timeout", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "no answer to the connection (SYN) before the run's deadline, or the operating system, gave up on it"},
	{Code: "tcp-unreachable", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the network says the endpoint is unreachable"},
	{Code: "tcp-error", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "another connection error"},
	{Code: "ipv6-broken", Group: groupNet, Leg: perEndpoint, Step: leg.Slow, Source: srcFallback,
		Meaning: "every endpoint connects, but over IPv6 its addresses give no answer or fail: Quick Assist falls back to IPv4 after 300 ms, as qadoctor does (a warning)"},
	{Code: "ipv4-broken", Group: groupNet, Leg: perEndpoint, Step: leg.Slow, Source: srcFallback,
		Meaning: "the same with the families the other way round"},
	{Code: "websocket-stripped", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a device that decrypts the traffic (a proxy's ssl-bump, a TLS-inspecting firewall) refuses, strips or holds the WebSocket upgrade of a channel endpoint (`net.websocket`)"},
	{Code: "websocket-decrypted", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the WebSocket upgrade of a channel endpoint went through a device that decrypts it (a warning; tls.interception judges the certificate)"},
	{Code: "websocket-no-answer", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the chain to a channel endpoint is Microsoft's end to end, but the upgrade got no answer within its bound (a warning)"},
	{Code: "relay-intercepted", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a device that decrypts TLS stands between this PC and the media relay: TURN does not get through it (Chromium gets no relay candidate so)"},
	{Code: "relay-not-turn", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "what answers on the media relay's port after TLS is not a TURN relay (a decrypting proxy, an application-control firewall) (`net.relay`)"},
	{Code: "relay-no-answer", Group: groupNet, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "TLS to the relay works, but it did not answer TURN within its bound (a warning)"},
	{Code: "clock-offset", Group: groupClock, Leg: leg.Both, Step: leg.Opens, Source: srcClock,
		Meaning: "the clock is off by more than the profile's `max_clock_skew`"},
	{Code: "clock-drift", Group: groupClock, Leg: leg.Both, Step: leg.Opens, Source: srcClock,
		Meaning: "the clock is off by more than a minute"},
	{Code: "clock-sources-disagree", Group: groupClock, Leg: leg.None, Step: leg.NoStep, Source: srcTool,
		Meaning: "the time sources disagree, so no offset is claimed"},
	{Code: "clock-no-source", Group: groupClock, Leg: leg.None, Step: leg.NoStep, Source: srcTool,
		Meaning: "no time source answered"},
	{Code: "clock-settings", Group: groupClock, Leg: leg.Both, Step: leg.Opens, Source: srcClock,
		Meaning: "automatic time is off, or the time service is disabled or misconfigured"},
	{Code: "clock-unsynchronized", Group: groupClock, Leg: leg.Both, Step: leg.Opens, Source: srcClock,
		Meaning: "Linux: the clock is not synchronised"},
	{Code: "clock-wrong-despite-settings", Group: groupClock, Leg: leg.Both, Step: leg.Opens, Source: srcClock,
		Meaning: "the settings are right but the clock is wrong anyway"},
	{Code: "interception-unknown", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the served chain comes from a CA that is neither Microsoft's nor a known inspection product's"},
	{Code: "interception-<vendor>", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a known TLS-inspection product (the first word of its name, lower case: `interception-zscaler`, `interception-eset`…)"},
	{Code: "cert-unknown-authority", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the certificate comes from an issuer this PC does not trust: a re-signing proxy or antivirus, or stale root certificates"},
	{Code: "cert-weak-signature", Group: groupTLS, Leg: perEndpoint, Source: srcWeakSignature,
		Meaning: "the certificate is signed with SHA-1, which Chromium (ERR_CERT_INVALID in Chromium 156) and Go refuse whoever issued it: not an untrusted issuer"},
	{Code: "cert-hostname", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the certificate is for another name: a portal, a proxy or a block page answers instead"},
	{Code: "cert-invalid", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the certificate does not verify, for another reason"},
	{Code: "cert-<kind>", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the certificate looks `expired` or `not-yet-valid`, with the clock judged alongside"},
	{Code: "tls-protocol-version", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the server or a device in the path refused TLS 1.2 and newer"},
	{Code: "tls-handshake-failure", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "no cipher suite or key exchange in common"},
	{Code: "tls-not-tls", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "what answered does not speak TLS (a portal, a plain-HTTP proxy, a block page)"},
	{Code: "tls-reset", Also: []string{"tls-closed"}, Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the connection was cut as soon as TLS started (SNI filtering)"},
	{Code: "tls-timeout", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the handshake never finished"},
	{Code: "tls-large-hello-dropped", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the path drops or cuts Quick Assist's ~1.5 KB ClientHello (with the post-quantum key share) while a small one completes: an old firewall or inspection device"},
	{Code: "tls-mtu-black-hole", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the server's few-byte refusal arrives but its full-size certificate flight never does: large packets are lost without ICMP (a VPN or tunnel's MTU)"},
	{Code: "tls-sni-filtered", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "a hello without a server name is answered, one naming the endpoint is cut: a filter blocks by name (SNI)"},
	{Code: "tls-error", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "another TLS error"},
	{Code: "tls-old-only", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "an endpoint accepts only TLS versions below the minimum"},
	{Code: "tls-old-only-path", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the same, and the path is to blame (other endpoints behind it too)"},
	{Code: "tls-old-only-far-end", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the same, and the far end is to blame"},
	{Code: "tls-no-version", Also: []string{"tls-no-version-path", "tls-no-version-far-end"}, Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "no TLS version answered at all (the `old-only` codes with nothing accepted)"},
	{Code: "browser-<error>", Group: groupNet, Leg: perEndpoint, Source: srcBrowser,
		Meaning: "the PC's own browser (Edge) could not use a web endpoint: `<error>` is Chromium's net error name without `ERR_`, lower case with dashes (`browser-cert-authority-invalid`, `browser-tunnel-connection-failed`, `browser-no-answer`), or `browser-websocket-stripped` when the WebSocket upgrade was answered by a certificate not the server's"},
	{Code: "os-stack-<error>", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "Windows' own WinHTTP request failed: `<error>` is the WinHTTP error name without `ERROR_WINHTTP_`, lower case with dashes (`os-stack-secure-failure`), or the state (`os-stack-failed`, `os-stack-timeout`)"},
	{Code: "os-stack-<error>-local", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the same while qadoctor's own TLS reached the endpoint: the PC's Windows settings are to blame"},
	{Code: "service-outage", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "every step works but the service answers 5xx or fails after connecting: likely an outage"},
	{Code: "service-far-end", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "the far end fails while others on the same path work"},
	{Code: "http-bad-answer", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "TLS to a web endpoint works, but its answer to HEAD / is not a usable HTTP answer (garbage, an endless run of interim answers, a 101 nobody asked for): a warning"},
	{Code: "http-no-answer", Group: groupTLS, Leg: perEndpoint, Source: srcEndpoints,
		Meaning: "TLS to a web endpoint works, but HEAD / got no answer within its bound (a warning: the run does not wait for it)"},
	{Code: "schannel-tls12-off", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcSchannel,
		Meaning: "TLS 1.2 is off (or only on request) in SCHANNEL"},
	{Code: "schannel-tls13-off", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcSchannel,
		Meaning: "TLS 1.3 is switched off although the build supports it"},
	{Code: "winhttp-no-tls12", Group: groupOS, Leg: leg.None, Step: leg.NoStep, Source: srcNotWebView2,
		Meaning: "WinHTTP's DefaultSecureProtocols leaves out TLS 1.2"},
	{Code: "inet-no-tls12", Group: groupOS, Leg: leg.None, Step: leg.NoStep, Source: srcNotWebView2,
		Meaning: "Internet Settings' SecureProtocols leaves out TLS 1.2"},
	{Code: "dotnet-old-tls", Group: groupOS, Leg: leg.None, Step: leg.NoStep, Source: srcNotWebView2,
		Meaning: ".NET Framework is held to old TLS versions"},
	{Code: "cipher-policy-no-modern-suite", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcSchannel,
		Meaning: "no TLS 1.2 ECDHE AES-GCM suite or usable curve is left (suite order, curve order, or the SCHANNEL Ciphers / KeyExchangeAlgorithms / Hashes switches)"},
	{Code: "fips-on", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcFIPS,
		Meaning: "FIPS mode is on"},
	{Code: "fips-rdp", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcKB811770,
		Meaning: "FIPS mode is on and RDP's encryption is held to FIPS Compliant (MinEncryptionLevel=4, or SecurityLayer=0 forcing RDP's own encryption): the case of KB 811770"},
	{Code: "rdp-fips-encryption", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcKB811770,
		Meaning: "RDP's policy holds its encryption to FIPS Compliant (MinEncryptionLevel=4, or SecurityLayer=0 with FIPS mode on), the setting KB 811770 names (a warning: unverified for Desktop Sharing)"},
	{Code: "desktop-sharing-missing", Group: groupOS, Leg: leg.Screen, Step: leg.Sharing, Source: srcDesktopSharing,
		Meaning: "Windows' Desktop Sharing COM classes (RDPSession, RDPViewer) are not registered, or rdpencom.dll is missing (a warning)"},
	{Code: "os-too-old", Group: groupOS, Leg: leg.Both, Step: leg.Opens, Source: srcOSVersion,
		Meaning: "older than Windows 10"},
	{Code: "os-unsupported", Group: groupOS, Leg: leg.None, Step: leg.NoStep, Source: srcLifecycle,
		Meaning: "Microsoft no longer services this release"},
	{Code: "system-unreadable", Group: groupOS, Leg: leg.None, Step: leg.NoStep, Source: srcTool,
		Meaning: "the system state could not be read"},
	{Code: "quickassist-missing", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcApp,
		Meaning: "the Store app is not installed for this user or all users"},
	{Code: "quickassist-missing-no-store", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcApp,
		Meaning: "not installed, and the Store is off by policy or absent (LTSC): ask IT to deploy it"},
	{Code: "quickassist-legacy-only", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcApp,
		Meaning: "only the retired built-in quickassist.exe is there"},
	{Code: "quickassist-legacy-present", Group: groupApp, Leg: leg.None, Step: leg.NoStep, Source: srcLegacy,
		Meaning: "the Store app and the retired one are both there"},
	{Code: "appinfo-disabled", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcApp,
		Meaning: "the Application Information service, which starts uiAccess apps, is disabled"},
	{Code: "uac-off", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcApp,
		Meaning: "User Account Control is off"},
	{Code: "quickassist-old", Group: groupApp, Leg: leg.Both, Step: leg.NoStep, Source: srcQuickAssistOld,
		Meaning: "the Store app is older than 2.0.30.0, the version below which Microsoft's MSRD-Collect advises updating (a warning)"},
	{Code: "webview2-missing", Group: groupApp, Leg: leg.Web, Step: leg.Opens, Source: srcApp,
		Meaning: "the WebView2 runtime is not installed"},
	{Code: "webview2-install-blocked", Group: groupApp, Leg: leg.Web, Step: leg.Opens, Source: srcApp,
		Meaning: "not installed, and Edge Update's policy forbids installing it"},
	{Code: "webview2-updates-off", Group: groupApp, Leg: leg.Web, Step: leg.NoStep, Source: srcWebView2Updates,
		Meaning: "Edge Update's policy turns WebView2 updates off"},
	{Code: "webview2-loader-override", Group: groupApp, Leg: leg.Web, Step: leg.Opens, Source: srcApp,
		Meaning: "a WebView2 loader policy points Quick Assist at another runtime, channel or command line"},
	{Code: "last-session-schannel", Group: groupApp, Leg: leg.Screen, Step: leg.Sharing, Source: srcRecordSchannel,
		Meaning: "the last session ended with Schannel's record of a failed TLS handshake beside it (36871, 36874, 36887, 36888…): Windows' own TLS, the screen leg's, failed (`app.last-session`)"},
	{Code: "last-session-app-crash", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcRecordApp,
		Meaning: "Quick Assist crashed (Application Error 1000) or hung (Application Hang 1002) in the last session"},
	{Code: "last-session-webview2-crash", Group: groupApp, Leg: leg.Web, Step: leg.Code, Source: srcRecordWebView,
		Meaning: "a WebView2 process crashed (Application Error 1000) or hung (Application Hang 1002) in the last session: the web leg's pages run in it (the record does not say whose it was)"},
	{Code: "last-session-package", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcRecordApp,
		Meaning: "Windows failed to install or update the Quick Assist package (AppXDeploymentServer) in the last session's time"},
	{Code: "last-session-remote-assistance", Group: groupApp, Leg: leg.Screen, Step: leg.Sharing, Source: srcRecordRA,
		Meaning: "Windows' Remote Assistance or Remote Help channels logged an error in the last session"},
	{Code: "last-session-ended-at-sharing", Group: groupApp, Leg: leg.Screen, Step: leg.Sharing, Source: srcRecordPages,
		Meaning: "the last session showed its end screen within a minute of sharing starting, and Windows logged nothing that explains it (a warning)"},
	{Code: "last-session-ended-before-sharing", Group: groupApp, Leg: leg.Web, Step: leg.Code, Source: srcRecordPages,
		Meaning: "the last session showed its end screen before sharing started (a warning: one of the two people may have ended it)"},
	{Code: "windows-logged-schannel", Group: groupApp, Leg: leg.Screen, Step: leg.Sharing, Source: srcRecordSchannel,
		Meaning: "no session is in the History, but Schannel logged a failed TLS handshake in the window (a warning)"},
	{Code: "windows-logged-app-crash", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcRecordApp,
		Meaning: "no session is in the History, but Quick Assist crashed or hung in the window (a warning)"},
	{Code: "windows-logged-webview2-crash", Group: groupApp, Leg: leg.Web, Step: leg.Code, Source: srcRecordWebView,
		Meaning: "no session is in the History, but a WebView2 process crashed or hung in the window (a warning; the record does not say whose it was)"},
	{Code: "windows-logged-package", Group: groupApp, Leg: leg.Both, Step: leg.Opens, Source: srcRecordApp,
		Meaning: "no session is in the History, but the Quick Assist package failed to install or update in the window (a warning)"},
	{Code: "windows-logged-remote-assistance", Group: groupApp, Leg: leg.Screen, Step: leg.Sharing, Source: srcRecordRA,
		Meaning: "no session is in the History, but Remote Assistance or Remote Help logged an error in the window (a warning)"},
	{Code: "profile-stale", Group: groupProfile, Leg: leg.None, Step: leg.NoStep, Source: srcTool,
		Meaning: "the endpoint list was last checked against Microsoft's pages more than a year before the run: a pass may miss a host Microsoft added since"},
}

// Reasons is the table, in docs order.
func Reasons() []Reason { return reasons }

// LookupReason finds the row of a code a finding carries: its own row, or
// its family's (interception-zscaler is interception-<vendor>), the
// longest family pattern first (os-stack-secure-failure-local is
// os-stack-<error>-local, not os-stack-<error>).
func LookupReason(code string) (Reason, bool) {
	var best Reason
	bestLen := -1
	for _, r := range reasons {
		for _, c := range append([]string{r.Code}, r.Also...) {
			if c == code {
				return r, true
			}
			i, j := strings.IndexByte(c, '<'), strings.IndexByte(c, '>')
			if i < 0 || j < i {
				continue
			}
			prefix, suffix := c[:i], c[j+1:]
			if len(code) > len(prefix)+len(suffix) && strings.HasPrefix(code, prefix) && strings.HasSuffix(code, suffix) && len(prefix)+len(suffix) > bestLen {
				best, bestLen = r, len(prefix)+len(suffix)
			}
		}
	}
	return best, bestLen >= 0
}

// legAndStep says which leg a finding breaks and where a person sees it:
// from its reason's row, from the endpoints that failed when the row says
// perEndpoint, and for a finding with no reason (a pass, a skip) from the
// endpoints it judged, else from what the check guards.
func legAndStep(f *facts.Facts, c Check, fd finding.Finding) (leg.Leg, leg.Step) {
	if fd.Reason != "" {
		r, ok := LookupReason(fd.Reason)
		if ok && r.Leg != perEndpoint {
			return r.Leg, r.Step
		}
		if l, s, found := endpointLegs(f, fd, true); found {
			if ok && r.Step != "" {
				s = r.Step // the row knows better (a fallback that only slows)
			}
			return l, s
		}
		// No failing endpoint is named (WinHTTP's request to the service
		// failed, its evidence names a URL): the endpoints that passed say
		// nothing of what broke, so what the check guards decides.
	} else if l, s, ok := endpointLegs(f, fd, false); ok {
		return l, s
	}
	if g, ok := guards[c.ID]; ok {
		return g.leg, g.step
	}
	return leg.None, leg.NoStep
}

// guards is what a check guards when its finding has no reason (a pass, a
// skip) and names no endpoint: the leg it would break and where a person
// would see it. Checks judged per endpoint take their endpoints' legs.
var guards = map[string]struct {
	leg  leg.Leg
	step leg.Step
}{
	"app.blocked":        {leg.Both, leg.Opens},
	"net.hosts-file":     {leg.Both, leg.Opens},
	"net.dns":            {leg.Both, leg.Opens},
	"net.vpn":            {leg.Both, leg.Slow},
	"net.proxy":          {leg.Both, leg.Opens},
	"clock.offset":       {leg.Both, leg.Opens},
	"clock.settings":     {leg.Both, leg.Opens},
	"os.schannel":        {leg.Screen, leg.Sharing},
	"os.cipher-policy":   {leg.Screen, leg.Sharing},
	"os.fips":            {leg.Screen, leg.Sharing},
	"os.rdp-policy":      {leg.Screen, leg.Sharing},
	"os.desktop-sharing": {leg.Screen, leg.Sharing},
	"os.winhttp":         {leg.None, leg.NoStep},
	"os.inet":            {leg.None, leg.NoStep},
	"os.dotnet":          {leg.None, leg.NoStep},
	"os.version":         {leg.Both, leg.Opens},
	"tls.os-stack":       {leg.None, leg.NoStep}, // WinHTTP to the service: neither leg (WebView2 does not use it)
	"app.quickassist":    {leg.Both, leg.Opens},
	"app.webview2":       {leg.Web, leg.Opens},
	"app.last-session":   {leg.Both, leg.NoStep},
	"profile.age":        {leg.None, leg.NoStep},
}

// endpointLegs joins the legs and finds the earliest step of the
// endpoints a finding's evidence names: the failing ones (warn, fail) when
// failing is set, else every one it judged.
func endpointLegs(f *facts.Facts, fd finding.Finding, failing bool) (leg.Leg, leg.Step, bool) {
	bySubject := make(map[string]facts.EndpointFacts, len(f.Endpoints))
	for _, e := range f.Endpoints {
		bySubject[subject(e)] = e
	}
	var legs []leg.Leg
	var steps []leg.Step
	for _, ev := range fd.Evidence {
		e, ok := bySubject[ev.Subject]
		if !ok || failing && ev.Status != finding.Fail && ev.Status != finding.Warn {
			continue
		}
		legs = append(legs, e.Endpoint.Leg())
		steps = append(steps, e.Endpoint.SessionStep())
	}
	if len(legs) == 0 {
		return "", "", false
	}
	return leg.Of(legs...), leg.First(steps...), true
}

// WriteReasonsDoc writes docs/reasons.md from the table.
func WriteReasonsDoc() []byte {
	var b bytes.Buffer
	b.WriteString(`# Reason codes

<!-- Generated by go run ./tools/reasonsdoc from internal/checks/reasons.go; do not edit. -->

Every finding that is not ` + "`pass`" + ` or ` + "`skip`" + ` carries a ` + "`reason`" + `: a stable,
machine-readable code for its cause, in English whatever the report's
language. Fleet summaries (` + "`qadoctor summarize`" + `), Intune output and scripts
key on these codes; the report's JSON Schema is
[` + "`qadoctor.report.v1.schema.json`" + `](qadoctor.report.v1.schema.json).
Codes are never renamed; a new cause gets a new code.

Every finding also says which **leg** of a session it breaks and the **step** at which a person sees it
(` + "`leg`" + ` and ` + "`step`" + ` in the JSON). A session travels two legs: the **web** leg (sign-in, the code,
consent, chat, telemetry) runs in WebView2, Chromium's network stack and TLS, which ignore SCHANNEL; the
**screen** leg is Windows' RDP / Desktop Sharing stack through the RDP relay on 443, with SCHANNEL's TLS.
` + "`both`" + ` breaks both, ` + "`none`" + ` neither. The steps, in the order a session meets them: ` + "`opens`" + ` (Quick
Assist does not open or spins), ` + "`sign-in`" + ` (the helper cannot sign in), ` + "`code`" + ` (the code is refused or the
session does not start), ` + "`sharing`" + ` (the session ends when screen sharing starts), ` + "`slow`" + ` (it works, slowly),
` + "`none`" + ` (nothing a person sees). *per endpoint*: the endpoints that failed decide (the RDP relay is the screen
leg; every other endpoint is the web leg, met at the step the profile gives it). ` + "`qadoctor diagnose --symptom STEP`" + `
puts the causes met at that step first.

Exit codes are in the [README](../README.md#exit-codes).
`)
	for _, g := range Groups {
		fmt.Fprintf(&b, "\n## %s (`%s`)\n| code | meaning | leg | step | why that leg and step |\n|---|---|---|---|---|\n", g.Title, g.Check)
		for _, r := range reasons {
			if r.Group != g {
				continue
			}
			codes := "`" + r.Code + "`"
			for _, a := range r.Also {
				codes += " / `" + a + "`"
			}
			l, s := "`"+string(r.Leg)+"`", "`"+string(r.Step)+"`"
			if r.Leg == perEndpoint {
				l, s = "*per endpoint*", "*per endpoint*"
				if r.Step != "" {
					s = "`" + string(r.Step) + "`"
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", codes, r.Meaning, l, s, r.Source)
		}
	}
	return b.Bytes()
}
