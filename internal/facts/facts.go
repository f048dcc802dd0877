// Package facts holds what a diagnosis observed, as plain data: no methods
// that touch the world, nothing but values. Gathering fills it; checks judge
// it; reports and (later) snapshots serialise it. Every field can be
// recorded on one machine and judged on another.
package facts

import (
	"time"

	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// Facts is everything one run gathered.
type Facts struct {
	Started   time.Time       `json:"started"`
	TimeoutMS int64           `json:"timeout_ms"` // the run's deadline, from its start
	Profile   ProfileInfo     `json:"profile"`
	MinTLS    string          `json:"min_tls"` // the profile's minimum TLS version
	Hosts     HostsFile       `json:"hosts_file"`
	Endpoints []EndpointFacts `json:"endpoints"`
	System    System          `json:"system"`
	OSStack   OSStack         `json:"os_stack"`
	// OSStackScreen is the same request to the RDP relay, the screen leg's
	// endpoint: SCHANNEL is the TLS the screen goes through.
	OSStackScreen OSStack       `json:"os_stack_screen"`
	Clock         Clock         `json:"clock"`
	Proxy         ProxySettings `json:"proxy"`
	Network       Network       `json:"network"`
	// Sessions is what the PC recorded of its last Quick Assist sessions.
	Sessions Sessions `json:"sessions"`
	// Browser is what the PC's own Chromium (Edge on Windows) said of the
	// web leg's endpoints: WebView2's network stack, asked directly.
	Browser Browser `json:"browser"`
	// Analyzed names the file a run judged instead of the live machine
	// (qadoctor analyze); what only a live run can know is skipped.
	Analyzed string `json:"analyzed,omitempty"`
}

// ProfileInfo names the profile a run used.
type ProfileInfo struct {
	Name    string `json:"name"` // file name, or "built-in profile"
	Version string `json:"version"`
	Source  string `json:"source"` // URL of the endpoint list
	Date    string `json:"date"`   // date of the source page
	// Reviewed is the day the list was last checked against Microsoft's
	// pages (the profile's reviewed, else its source's date).
	Reviewed string `json:"reviewed,omitempty"`
}

// StepState says how far one network step got. It is a tri-state and more:
// "not run" is kept apart from "failed", so no check blames a step that an
// earlier failure prevented.
type StepState string

const (
	StepOK      StepState = "ok"      // the step succeeded
	StepFailed  StepState = "failed"  // the peer or the network said no
	StepTimeout StepState = "timeout" // nothing answered before the step's or the run's deadline
	StepNotRun  StepState = "not-run" // not attempted: see Step.Kind and Step.Error
	StepRunning StepState = "running" // only while gathering; never in a finished report
)

// Step is the outcome and timing of one network step.
type Step struct {
	State      StepState `json:"state"`
	StartMS    float64   `json:"start_ms"`    // since Facts.Started
	DurationMS float64   `json:"duration_ms"` // how long the step took or waited
	// Kind classifies a failure for machines: nxdomain, servfail, refused,
	// unreachable, reset, closed, protocol-version, handshake-failure,
	// not-tls, alert, timeout, too-large, error; for not-run steps:
	// not-selected or blocked (an earlier step failed).
	Kind  string `json:"kind,omitempty"`
	Error string `json:"error,omitempty"` // the error as the OS, a library or the peer said it, never a sentence of ours
	// WaitingOn says, for a timeout, what the step was waiting for.
	WaitingOn Wait `json:"waiting_on,omitempty"`
	// CutOff says the run's deadline ended the step (rather than the
	// step's own bound or the peer).
	CutOff bool `json:"cut_off,omitempty"`
	// BlockedBy names the earlier step whose failure kept this one from
	// running (Kind blocked).
	BlockedBy StepName `json:"blocked_by,omitempty"`
	// BoundMS is the step's own time limit, when it has one shorter than
	// the run's: a timeout without CutOff ended there.
	BoundMS float64 `json:"bound_ms,omitempty"`
}

// Unanswered reports a step its own bound ended: the peer was reached and
// said nothing in time (rather than the run's deadline cutting it off).
func (s Step) Unanswered() bool {
	return s.State == StepTimeout && !s.CutOff && s.BoundMS > 0
}

// StepName names a step of an endpoint's chain.
type StepName string

const (
	StepDNS  StepName = "dns"
	StepTCP  StepName = "tcp"
	StepTLS  StepName = "tls"
	StepHTTP StepName = "http"
	// StepRelay is a turn endpoint's TURN exchange.
	StepRelay StepName = "relay"
	// StepRoute is the way to the endpoint (the proxy settings, the PAC).
	StepRoute StepName = "route"
)

// Wait says what a step that timed out was waiting for. The values it
// refers to are facts of their own (the host, the addresses and port, the
// bytes read), so a judge can phrase it in any language.
type Wait string

const (
	WaitDNSAnswer     Wait = "dns-answer"         // an answer from the resolver for DNS.Host
	WaitSYNACK        Wait = "tcp-syn-ack"        // the TCP handshake from DNS.Addrs on the endpoint's port
	WaitProxyConnect  Wait = "proxy-connect"      // the proxy's answer to CONNECT for the endpoint
	WaitServerHello   Wait = "tls-server-hello"   // the server's first TLS reply; no byte came
	WaitHandshakeRest Wait = "tls-handshake-rest" // the rest of the handshake after BytesRead bytes
	WaitHTTPAnswer    Wait = "http-answer"        // the answer to HEAD /
	WaitUpgrade       Wait = "websocket-upgrade"  // the answer to the WebSocket upgrade on the endpoint's path
	WaitRelayAnswer   Wait = "turn-answer"        // the relay's answer to a TURN Allocate (or, over UDP, a STUN Binding)
	WaitSlot          Wait = "connection-slot"    // a free connection slot: the run's other probes held them all
	WaitNTPAnswer     Wait = "ntp-answer"         // an NTP answer (UDP port 123 may be blocked)
	WaitOSStack       Wait = "os-stack-answer"    // WinHTTP's answer
	WaitRoute         Wait = "route"              // the way to the endpoint (the proxy settings, WPAD, the PAC)
)

// Step kinds shared by gathering and judging.
const (
	KindNotSelected = "not-selected"
	KindBlocked     = "blocked"
	KindTimeout     = "timeout"
	KindNXDomain    = "nxdomain"
	KindServFail    = "servfail"
	KindNoAddress   = "no-address"
	KindMalformed   = "malformed" // a DNS answer that is no DNS message
	KindRefused     = "refused"
	KindUnreachable = "unreachable"
	KindReset       = "reset"
	KindClosed      = "closed"
	KindProtocol    = "protocol-version"
	KindHandshake   = "handshake-failure"
	KindNotTLS      = "not-tls"
	KindAlert       = "alert"
	KindTooLarge    = "too-large"
	KindOther       = "error"
	// KindNoSlot is a step that never started: the run's deadline came
	// while it waited for a connection slot. It says nothing of the
	// network.
	KindNoSlot = "no-slot"
	// KindNotForRole is an exchange the endpoint's role does not make
	// (no HEAD for a relay, no TURN for a web server).
	KindNotForRole = "not-for-role"
	// KindAbandoned is a connection attempt still waiting when another
	// address answered first, or when the run ended.
	KindAbandoned = "abandoned"
	// KindViaProxy is a UDP exchange not tried because the endpoint's way
	// is a proxy, which carries only TCP.
	KindViaProxy = "via-proxy"
	// KindNotStun is an answer that is not a STUN message.
	KindNotStun = "not-stun"
	// KindDropped is a TCP connection whose SYNs went unanswered past the
	// connect's own bound (gather.DroppedAfter: the first retransmission
	// unanswered too, on any path the run had seen): a firewall drops the
	// traffic. A connect the run's deadline cut is KindTimeout instead.
	KindDropped = "dropped"
)

// EndpointFacts is the network chain of one profile endpoint.
type EndpointFacts struct {
	Endpoint profile.Endpoint `json:"endpoint"`
	Route    Route            `json:"route"`
	DNS      DNS              `json:"dns"`
	TCP      TCP              `json:"tcp"`
	TLS      TLS              `json:"tls"`
	HTTP     HTTP             `json:"http"`
	// Relay is a turn endpoint's TURN exchange over its TLS connection;
	// RelayUDP the STUN Binding sent to its UDP port, which tells whether
	// media could take UDP (informational: Quick Assist falls back to
	// TCP/TLS 443).
	Relay    Relay `json:"relay"`
	RelayUDP Relay `json:"relay_udp"`
	// Versions has one entry per TLS version probed (1.0 … 1.3), or none
	// when version probing was not selected.
	Versions []VersionProbe `json:"versions,omitempty"`
}

// Attempt is one connection attempt to an address that did not carry the
// endpoint's traffic.
type Attempt struct {
	Addr       string  `json:"addr"`     // host:port
	StartMS    float64 `json:"start_ms"` // since the dial began
	DurationMS float64 `json:"duration_ms"`
	// Kind is how it ended: a connection failure (timeout, refused,
	// unreachable…) or KindAbandoned.
	Kind  string `json:"kind"`
	Error string `json:"error,omitempty"`
}

// DNS is the name lookup of an endpoint's probe host.
type DNS struct {
	Step
	Host  string   `json:"host"`
	Addrs []string `json:"addrs,omitempty"`
}

// TCP is the connection to the endpoint.
type TCP struct {
	Step
	Remote string `json:"remote,omitempty"` // the address that answered
	// Attempts are the other addresses tried: failed, or abandoned
	// because another answered first (Happy Eyeballs).
	Attempts []Attempt `json:"attempts,omitempty"`
	// ProxyStatus is the HTTP status the proxy answered CONNECT with,
	// when it refused.
	ProxyStatus int `json:"proxy_status,omitempty"`
	// ProxyAuthSchemes are the schemes a 407 offered (its
	// Proxy-Authenticate challenges: Basic, Digest, Negotiate, NTLM…).
	ProxyAuthSchemes []string `json:"proxy_auth_schemes,omitempty"`
	// SYNs, for a connection given up as dropped (Kind dropped), is how
	// many SYNs the operating system's retransmission schedule sends
	// within BoundMS: an estimate from the schedule, since the program
	// cannot count them. 0 otherwise.
	SYNs int `json:"syns_estimated,omitempty"`
}

// TLS is the verified handshake on the TCP connection.
type TLS struct {
	Step
	ServerName  string        `json:"server_name"`
	Offered     []string      `json:"offered,omitempty"` // versions the client offered
	Version     string        `json:"version,omitempty"` // negotiated: "1.2", "1.3"
	CipherSuite string        `json:"cipher_suite,omitempty"`
	ALPN        string        `json:"alpn,omitempty"`
	Chain       []Certificate `json:"chain,omitempty"`     // as served, leaf first
	ChainCut    int           `json:"chain_cut,omitempty"` // certificates served beyond those recorded
	// Verified is true when the chain verified against the trusted roots
	// for ServerName; VerifyError says why not.
	Verified    bool   `json:"verified"`
	VerifyError string `json:"verify_error,omitempty"`
	VerifyKind  string `json:"verify_kind,omitempty"` // unknown-authority, hostname, expired, not-yet-valid, invalid
	// IssuerFetched are the AIA (caIssuers) URLs an issuer the server did
	// not send was fetched from, as Chromium and Windows fetch it, before
	// the chain was verified.
	IssuerFetched []string `json:"issuer_fetched,omitempty"`
	BytesRead     int64    `json:"bytes_read"`
	BytesSent     int64    `json:"bytes_sent"`
	HelloBytes    int64    `json:"hello_bytes,omitempty"` // the ClientHello: what was sent before the server's first byte
	// FollowUps are the handshakes tried when this one was cut or went
	// unanswered, to tell why: a smaller hello, a hello the server must
	// refuse at once, the same without a server name.
	FollowUps []HelloProbe `json:"follow_ups,omitempty"`
}

// The follow-up handshakes.
const (
	// HelloSmall is the same handshake with a classic ClientHello: no
	// post-quantum key share, so it fits one small segment.
	HelloSmall = "small-hello"
	// HelloRefused asks for what no current server grants (TLS 1.2 with
	// RC4 only), so the server's answer is a few-byte alert: it tells
	// whether small answers get back at all.
	HelloRefused = "refused-hello"
	// HelloNoName is HelloRefused without a server name (SNI): a filter
	// that blocks by name lets it through.
	HelloNoName = "refused-hello-no-sni"
	// HelloChromium is Chromium's own ClientHello (as utls reproduces it),
	// the one Quick Assist's WebView2 sends.
	HelloChromium = "chromium-hello"
)

// HelloProbe is one follow-up handshake on a connection of its own.
type HelloProbe struct {
	Step
	Probe      string `json:"probe"`       // HelloSmall, HelloRefused, HelloNoName
	HelloBytes int64  `json:"hello_bytes"` // what this PC sent: the ClientHello
	BytesRead  int64  `json:"bytes_read"`  // what came back
}

// Answered reports a follow-up the server answered at all: a handshake,
// or an alert.
func (h HelloProbe) Answered() bool { return h.State == StepOK || h.BytesRead > 0 }

// Certificate is one certificate of a served chain.
type Certificate struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	SubjectOrg []string  `json:"subject_org,omitempty"`
	IssuerOrg  []string  `json:"issuer_org,omitempty"`
	DNSNames   []string  `json:"dns_names,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	IsCA       bool      `json:"is_ca"`
	SHA256     string    `json:"sha256"` // of the DER, lower-case hex
}

// VersionProbe is one handshake pinned to a single TLS version. Step.State
// ok means the endpoint accepted that version.
type VersionProbe struct {
	Step
	Version     string `json:"version"` // "1.0" … "1.3"
	CipherSuite string `json:"cipher_suite,omitempty"`
	Issuer      string `json:"issuer,omitempty"` // issuer of the leaf served on this handshake
	BytesRead   int64  `json:"bytes_read,omitempty"`
}

// HostsFile is what the hosts file says.
type HostsFile struct {
	Path  string `json:"path"`
	State string `json:"state"` // read, missing, error, not-selected
	Error string `json:"error,omitempty"`
	// Problem classifies an error state: not-regular, too-large, cut-off,
	// or unreadable (Error says how).
	Problem string       `json:"problem,omitempty"`
	Lines   int          `json:"lines"`             // lines read
	Entries []HostsEntry `json:"entries,omitempty"` // every address line, in file order
}

// Hosts file states.
const (
	HostsRead        = "read"
	HostsMissing     = "missing"
	HostsError       = "error"
	HostsNotSelected = "not-selected"
)

// Why a hosts file could not be read.
const (
	HostsNotRegular  = "not-regular" // a FIFO, a device or a folder: never opened
	HostsTooLarge    = "too-large"
	HostsLineTooLong = "line-too-long" // written by versions before 2026-12 for a line over 64 KiB; read in old snapshots
	HostsUnreadable  = "unreadable"
	HostsCutOff      = "cut-off" // the read outlived the run's deadline
)

// HostsEntry is one address line of a hosts file.
type HostsEntry struct {
	Line    int      `json:"line"` // 1-based line number
	Address string   `json:"address"`
	Names   []string `json:"names"`
}

// System is the Windows system state the os.* and app.* checks judge: every
// registry value they read, set or not, from the live registry, a .reg
// export or a snapshot.
type System struct {
	State  string `json:"state"`          // read, not-windows, error, not-selected
	Source string `json:"source"`         // live, reg, snapshot
	File   string `json:"file,omitempty"` // the .reg or snapshot file
	Error  string `json:"error,omitempty"`
	CutOff bool   `json:"cut_off,omitempty"` // the read outlived the run's deadline
	// Values holds one entry per value the checks read, in a fixed order.
	Values  []RegValue   `json:"values,omitempty"`
	SubKeys []RegKeyList `json:"subkeys,omitempty"`
	// Files are files whose presence matters (the retired quickassist.exe);
	// only a live run knows them.
	Files []FileFact `json:"files,omitempty"`
	// Services are the states of services that matter (W32Time), from the
	// service manager; only a live run knows them.
	Services []ServiceFact `json:"services,omitempty"`
	// RegSkipped are the lines of a .reg export that regedit would not
	// import (the first 100), and RegSkippedTotal how many there were.
	RegSkipped      []RegSkip `json:"reg_skipped,omitempty"`
	RegSkippedTotal int       `json:"reg_skipped_total,omitempty"`
}

// RegSkip is a line of a .reg export that regedit would not import.
type RegSkip struct {
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`     // the section it is in
	KeyRow bool   `json:"key_row,omitempty"` // the line is the key line itself
	Reason string `json:"reason"`            // a winstate.Skip* code
	Text   string `json:"text"`              // the line, cut at 120 characters
}

// ServiceFact is a service's state as the service manager reports it.
type ServiceFact struct {
	Name  string `json:"name"`
	State string `json:"state"` // running, stopped, start-pending, …, not-installed, unknown
	Error string `json:"error,omitempty"`
}

// System states.
const (
	SystemRead        = "read"
	SystemNotWindows  = "not-windows"
	SystemError       = "error"
	SystemNotSelected = "not-selected"
)

// Registry value states.
const (
	ValueSet     = "set"
	ValueAbsent  = "absent"  // not set: the Windows default applies
	ValueUnknown = "unknown" // the source does not say (a .reg export without the key)
	ValueError   = "error"
)

// RegValue is one registry value as read.
type RegValue struct {
	Key     string `json:"key"`
	Name    string `json:"name"` // "" is the key's default value
	State   string `json:"state"`
	Type    string `json:"type,omitempty"`    // REG_DWORD, REG_SZ…
	Data    string `json:"data,omitempty"`    // the raw bytes, hex, for an exact round trip
	Display string `json:"display,omitempty"` // the value as people read it
	Error   string `json:"error,omitempty"`
}

// RegKeyList is the subkey names of one key.
type RegKeyList struct {
	Key   string   `json:"key"`
	State string   `json:"state"` // set (the key exists), absent, unknown, error
	Names []string `json:"names,omitempty"`
	Error string   `json:"error,omitempty"`
}

// FileFact says whether a file exists.
type FileFact struct {
	Path   string `json:"path"`
	Exists bool   `json:"exists"`
}

// OSStack is one HTTPS request made through the operating system's own
// stack (WinHTTP), with the system proxy and SCHANNEL's policy.
type OSStack struct {
	State      string  `json:"state"` // ok, failed, timeout, not-windows, not-selected, no-endpoint
	URL        string  `json:"url,omitempty"`
	StatusCode int     `json:"status_code,omitempty"` // the HTTP status, when one came back
	ErrorCode  uint32  `json:"error_code,omitempty"`  // the WinHTTP error (12xxx)
	ErrorName  string  `json:"error_name,omitempty"`  // ERROR_WINHTTP_…
	Meaning    string  `json:"meaning,omitempty"`     // what the error code means
	Error      string  `json:"error,omitempty"`
	CutOff     bool    `json:"cut_off,omitempty"` // the run's deadline ended the request
	DurationMS float64 `json:"duration_ms"`
	// Leg is the leg of the endpoint asked: screen for the RDP relay (the
	// TLS the screen goes through), web for the service (WebView2 does not
	// use WinHTTP, so this says what Windows' own TLS settings allow).
	Leg leg.Leg `json:"leg,omitempty"`
	// SecureChannel says SCHANNEL completed the TLS handshake (the request
	// went out and WinHTTP holds the server's certificate), whatever came
	// after: a relay need not answer HTTP.
	SecureChannel bool `json:"secure_channel,omitempty"`
}

// OS stack states.
const (
	OSStackOK          = "ok"
	OSStackFailed      = "failed"
	OSStackTimeout     = "timeout"
	OSStackNotWindows  = "not-windows"
	OSStackNotSelected = "not-selected"
	OSStackNoEndpoint  = "no-endpoint" // the profile has no endpoint of this leg
)

// Browser is the verdict of the PC's own browser, Edge (or Chromium
// elsewhere), on the web leg's endpoints: it makes the requests itself,
// headless, with a fresh profile, and its NetLog says how each went. Edge
// shares WebView2's network stack, proxy settings and certificate store,
// so where it and qadoctor's own probes disagree, the browser is right.
type Browser struct {
	State string `json:"state"` // ran, skipped, failed, cut-off, not-selected
	// Skipped says why the browser was not asked (BrowserSkip*).
	Skipped string `json:"skipped,omitempty"`
	// Program is the browser run (its path) and Kind which one it is
	// (edge, webview2, chromium).
	Program string `json:"program,omitempty"`
	Kind    string `json:"kind,omitempty"`
	// Way is how the browser was told to reach the endpoints: "" for the
	// system's own settings, else the --proxy or --pac it was given.
	Way   string `json:"way,omitempty"`
	Error string `json:"error,omitempty"`
	// CutOff says the run's deadline (or Ctrl-C) ended the browser while
	// requests were still going: an unanswered one is not judged.
	CutOff bool `json:"cut_off,omitempty"`
	// Truncated says the browser was ended before it closed its NetLog,
	// which was read as far as it went (NetLogEvents events).
	Truncated    bool              `json:"truncated,omitempty"`
	NetLogEvents int               `json:"netlog_events,omitempty"`
	DurationMS   float64           `json:"duration_ms"`
	Endpoints    []BrowserEndpoint `json:"endpoints,omitempty"`
	// NotAsked are the web endpoints (host:port) the browser was not
	// asked: Chromium would rewrite their URL (dot segments, another
	// spelling of an address) so its NetLog would not name them.
	NotAsked []string `json:"not_asked,omitempty"`
}

// Browser states.
const (
	BrowserRan         = "ran"
	BrowserSkippedRun  = "skipped"
	BrowserFailed      = "failed"  // it could not be started, or wrote no NetLog
	BrowserCutOff      = "cut-off" // the run's deadline ended it before its NetLog was read
	BrowserNotSelected = "not-selected"
)

// Why the browser was not asked.
const (
	BrowserSkipFlag        = "no-browser"        // --no-browser
	BrowserSkipSystem      = "system"            // run as SYSTEM (Intune): no user, no user's proxy
	BrowserSkipPolicy      = "headless-disabled" // Edge's HeadlessModeEnabled policy is 0
	BrowserSkipNone        = "not-found"         // no Edge, WebView2 runtime or Chromium here
	BrowserSkipTime        = "no-time"           // too little of the deadline was left
	BrowserSkipEndpoint    = "no-endpoint"       // the profile has no web endpoint a browser can ask
	BrowserSkipPAC         = "pac-too-large"     // a --pac file too large to hand to the browser
	BrowserSkipCredentials = "proxy-credentials" // --proxy has a user name and password, which a browser cannot take
	BrowserSkipNeverAsked  = "never-started"     // the browser never started its requests (its page, or a PAC it waits for, never loaded)
)

// BrowserEndpoint is how the browser's request to one endpoint went.
type BrowserEndpoint struct {
	URL string `json:"url"`
	// Address is the endpoint's host:port as the profile's facts name it.
	Address   string `json:"address"`
	WebSocket bool   `json:"websocket,omitempty"`
	// Usable says the request reached a server that answered HTTP (for a
	// WebSocket, its handshake got an answer).
	Usable bool `json:"usable"`
	// NetError is Chromium's error name without "ERR_"
	// (net/base/net_error_list.h), "" when none; NoAnswer when the request
	// was still waiting at the end.
	NetError string `json:"net_error,omitempty"`
	Status   int    `json:"status,omitempty"` // the HTTP status that came back
	// RedirectHost is the host a 3xx answer's Location names.
	RedirectHost string `json:"redirect_host,omitempty"`
	// Connected says the browser made its connection, TLS and all, to
	// the server (or through the proxy): what failed after it is the
	// server's answer, not the path.
	Connected bool `json:"connected,omitempty"`
	// Opened says the WebSocket handshake ended in 101 and the channel
	// opened.
	Opened bool `json:"opened,omitempty"`
	// ProxyChain is the way Chromium used, as its NetLog writes it
	// ("[direct://]", "[proxy.example:3128]"); ProxyList is what the
	// proxy settings or the PAC answered ("PROXY a:8080;DIRECT").
	ProxyChain string `json:"proxy_chain,omitempty"`
	ProxyList  string `json:"proxy_list,omitempty"`
	// ProxyAuth is the scheme a proxy on the way asked credentials by
	// (basic, digest, ntlm, negotiate) when the request waited on it.
	ProxyAuth string `json:"proxy_auth,omitempty"`
	// CertSubject and CertIssuer name the leaf certificate the browser
	// verified for the host.
	CertSubject string `json:"cert_subject,omitempty"`
	CertIssuer  string `json:"cert_issuer,omitempty"`
}

// BrowserNoAnswer is BrowserEndpoint.NetError for a request with no
// answer and no error when the browser was stopped.
const BrowserNoAnswer = "NO_ANSWER"

// HTTP is one HEAD request sent on the endpoint's own TLS connection.
type HTTP struct {
	Step
	// Exchange is what was asked: ExchangeHead for a web endpoint,
	// ExchangeUpgrade for a websocket one.
	Exchange string `json:"exchange,omitempty"`
	// Path is the path the upgrade was asked on.
	Path   string `json:"path,omitempty"`
	Status int    `json:"status,omitempty"`
	// Upgraded says the server switched to the WebSocket protocol (101
	// with a valid Sec-WebSocket-Accept).
	Upgraded bool `json:"upgraded,omitempty"`
	// Via is the Via header of the answer: proxies that answer or relay
	// name themselves there (RFC 9110 section 7.6.3).
	Via    string `json:"via,omitempty"`
	Proto  string `json:"proto,omitempty"`
	Date   string `json:"date,omitempty"`   // the Date header, as sent
	Server string `json:"server,omitempty"` // the Server header
	// ClockOffsetMS is the server's clock minus this PC's: its Date (which
	// has one-second resolution, so half a second is added) against this
	// PC's clock halfway through the exchange. Nil without a usable Date.
	ClockOffsetMS *float64 `json:"clock_offset_ms,omitempty"`
	// UncertaintyMS bounds the offset's error: half a second of Date
	// resolution plus half the round trip.
	UncertaintyMS float64 `json:"uncertainty_ms,omitempty"`
}

// The HTTP exchanges.
const (
	ExchangeHead    = "head"              // HEAD /
	ExchangeUpgrade = "websocket-upgrade" // GET with Upgrade: websocket (RFC 6455 section 4.1)
)

// Relay is what a TURN relay answered.
type Relay struct {
	Step
	Transport string `json:"transport,omitempty"` // "tls" (on the chain's connection) or "udp"
	Remote    string `json:"remote,omitempty"`    // the address asked, for UDP
	// Method and Class are the STUN answer's: "allocate" or "binding";
	// "success" or "error".
	Method    string `json:"method,omitempty"`
	Class     string `json:"class,omitempty"`
	ErrorCode int    `json:"error_code,omitempty"` // the ERROR-CODE attribute (401: credentials needed, the relay is alive)
	Realm     string `json:"realm,omitempty"`      // the REALM a 401 names
	Software  string `json:"software,omitempty"`   // the SOFTWARE attribute
	// Mapped is this PC's address as the relay saw it (XOR-MAPPED-ADDRESS).
	Mapped string `json:"mapped,omitempty"`
}

// Clock is what the time sources said.
type Clock struct {
	MaxSkewMS int64       `json:"max_skew_ms"` // the profile's max_clock_skew
	NTP       []NTPSample `json:"ntp,omitempty"`
	// Settings is how this machine keeps its time.
	Settings ClockSettings `json:"settings"`
}

// NTPSample is one NTP server's answer.
type NTPSample struct {
	Step
	Server   string  `json:"server"` // host:port
	OffsetMS float64 `json:"offset_ms"`
	RTTMS    float64 `json:"rtt_ms"`
	Stratum  uint8   `json:"stratum,omitempty"`
	RefID    string  `json:"ref_id,omitempty"`
}

// ClockSettings is how a Linux machine keeps time, from timedatectl. On
// Windows the settings are registry values in System.
type ClockSettings struct {
	State  string `json:"state"`            // read, unavailable, not-selected
	Source string `json:"source,omitempty"` // windows, timedatectl
	// Problem says why the settings are unavailable: not-installed
	// (timedatectl is missing) or failed (Error says how).
	Problem string            `json:"problem,omitempty"`
	Error   string            `json:"error,omitempty"`
	CutOff  bool              `json:"cut_off,omitempty"` // the read outlived the run's deadline
	Values  map[string]string `json:"values,omitempty"`  // timedatectl show's properties
}

// Why clock settings are unavailable.
const (
	ClockNotInstalled = "not-installed"
	ClockToolFailed   = "failed"
)

// Clock settings states.
const (
	ClockSettingsRead        = "read"
	ClockSettingsUnavailable = "unavailable"
	ClockSettingsNotSelected = "not-selected"
)

// ProxySettings is the proxy configuration a run found, and where.
type ProxySettings struct {
	Source        string   `json:"source"`          // flag, internet-settings, env, pac, none, not-selected
	Proxy         string   `json:"proxy,omitempty"` // the proxy URL, password redacted
	Bypass        []string `json:"bypass,omitempty"`
	AutoConfigURL string   `json:"auto_config_url,omitempty"` // a PAC script
	AutoDetect    bool     `json:"auto_detect,omitempty"`     // WPAD "Automatically detect settings"
	WPADTried     []string `json:"wpad_tried,omitempty"`      // wpad.dat URLs tried without an answer
	WinHTTP       string   `json:"winhttp,omitempty"`         // the WinHTTP proxy services use: direct, host:port
	// PAC is how the auto-config script went: "" when there is none,
	// else one of the PAC* states; PACError is the raw error.
	PAC      string `json:"pac,omitempty"`
	PACError string `json:"pac_error,omitempty"`
}

// ProxyNotSelected is ProxySettings.Source when no selected check sends
// traffic, so no proxy was looked for.
const ProxyNotSelected = "not-selected"

// States of a proxy auto-config script.
const (
	PACLoaded       = "loaded"        // fetched and compiled
	PACFetchFailed  = "fetch-failed"  // the server did not give it
	PACFetchTimeout = "fetch-timeout" // the server did not answer within the fetch's bound or the run's deadline
	PACInvalid      = "invalid"       // it does not compile
)

// Route is the way one endpoint's traffic goes.
type Route struct {
	Via    string `json:"via"`             // direct, proxy or unknown
	Proxy  string `json:"proxy,omitempty"` // password redacted
	Source string `json:"source"`          // where the decision came from
	Rule   string `json:"rule"`            // why: one of the Rule* codes
	// Match is the bypass-list entry that matched (RuleBypass).
	Match string `json:"match,omitempty"`
	// PACAnswer is what FindProxyForURL returned (RulePAC, RulePACAnswer).
	PACAnswer string `json:"pac_answer,omitempty"`
	// Error is the raw error of a PAC that failed for this host
	// (RulePACFailed, RulePACEval, RulePACAnswer).
	Error string `json:"error,omitempty"`
	// FellBack are the ways of a PAC's answer tried before the one used
	// (Via, Proxy), each with why it could not be reached: Chromium falls
	// back to the next way so.
	FellBack []string `json:"fell_back,omitempty"`
}

// Why a route goes the way it does.
const (
	RuleNoProxy    = "no-proxy"       // no proxy configured
	RuleFlagDirect = "flag-direct"    // --proxy direct
	RuleBypass     = "bypass"         // a bypass-list entry (Match)
	RuleProxy      = "proxy"          // the configured proxy (Source says whose)
	RulePAC        = "pac"            // the PAC's answer (PACAnswer)
	RulePACFailed  = "pac-failed"     // the PAC could not be loaded (ProxySettings.PAC says how)
	RulePACEval    = "pac-eval"       // FindProxyForURL threw or ran too long (Error)
	RulePACAnswer  = "pac-bad-answer" // FindProxyForURL answered something unusable (PACAnswer, Error)
	RuleNotRouted  = "not-routed"     // the deadline came before the way was decided
)

// KindProxied marks a DNS step left to the proxy, which resolves the name.
const KindProxied = "proxied"

// Network is this machine's network interfaces and its default route.
type Network struct {
	State        string         `json:"state"` // read, error, not-selected
	Error        string         `json:"error,omitempty"`
	CutOff       bool           `json:"cut_off,omitempty"` // the listing outlived the run's deadline
	Interfaces   []NetInterface `json:"interfaces,omitempty"`
	DefaultRoute string         `json:"default_route,omitempty"` // the interface the default route leaves by
}

// NetInterface is one network interface.
type NetInterface struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"` // Windows: the adapter's description
	Type        string   `json:"type"`                  // ethernet, wifi, ppp, tunnel, virtual, loopback, other
	Up          bool     `json:"up"`
	Addrs       []string `json:"addrs,omitempty"`
}
