// Package profile holds what Quick Assist needs from the network: the
// endpoints it talks to and what is expected of each. The list is data
// (an embedded, versioned JSON file), so a new Microsoft endpoint is a data
// change, not a code change.
//
// # Add an endpoint
//
//  1. Add an entry to quickassist.json: host as Microsoft lists it (a
//     wildcard stays a wildcard, with a concrete probe host Microsoft
//     names), port, required by Microsoft's own words on the page that
//     lists it, purpose, issuers, role (https, websocket with its path,
//     turn with its udp_port, tls, rdp-relay), step (where a person sees
//     it fail: opens, sign-in, code, sharing, slow, none; see package leg)
//     and source (that page's URL and date).
//  2. Bump version and reviewed, and say in source.notes why it is graded
//     as it is.
//  3. A new role needs its exchange in internal/gather (exchange.go) and a
//     judge in internal/checks; a new field needs a line in validate and
//     a row in TestParseErrors.
package profile

import (
	"bytes"
	"crypto/tls"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// SchemaVersion is the only profile schema this build understands.
const SchemaVersion = 1

// EmbeddedName is how the built-in profile is named in messages and
// reports (in English, marked for the catalog; reports translate it).
var EmbeddedName = i18n.Key("built-in profile")

// embedded is the profile shipped in the binary. Its endpoints come from
// Microsoft's "Use Quick Assist to help users" page (see ../shared/REFERENCE.md).
//
//go:embed quickassist.json
var embedded []byte

// Profile is what a diagnosis is measured against.
type Profile struct {
	Schema    int        `json:"schema"`
	Version   string     `json:"version"`
	Name      string     `json:"name,omitempty"`
	Source    Source     `json:"source"`
	MinTLS    string     `json:"min_tls"` // "1.0" … "1.3": the lowest version the service accepts
	Endpoints []Endpoint `json:"endpoints"`
	// NTPServers are asked for the time: "host" or "host:port". Empty
	// means DefaultNTPServer.
	NTPServers []string `json:"ntp_servers,omitempty"`
	// MaxClockSkew is the clock offset beyond which sign-in and certificate
	// checks fail, as a Go duration ("5m"). Empty means DefaultMaxClockSkew.
	MaxClockSkew string `json:"max_clock_skew,omitempty"`
	// Reviewed is the day (YYYY-MM-DD) the list was last checked against
	// Microsoft's pages; empty means Source.Date. Reports warn when it is
	// older than MaxProfileAge.
	Reviewed string `json:"reviewed,omitempty"`
}

// MaxProfileAge is how old a reviewed list may be before reports warn:
// Microsoft moved Quick Assist's notification hosts within 2026 (the
// trouter domains the Intune endpoint list rolls out March to June 2026),
// so a list a year old may miss hosts an allow-list needs.
const MaxProfileAge = 365 * 24 * time.Hour

// ReviewedOn is the day the list was last checked: Reviewed, else the
// source's date. The profile is validated on load.
func (p *Profile) ReviewedOn() string {
	if p.Reviewed != "" {
		return p.Reviewed
	}
	return p.Source.Date
}

// DefaultNTPServer is Windows' own default time source (W32Time NtpServer
// "time.windows.com,0x1"; REFERENCE.md "Time").
const DefaultNTPServer = "time.windows.com"

// ServesSessionPages says whether host serves Quick Assist's own pages,
// the ones its WebView2 History records a session by (CAUSES.md 1c): the
// names the remote-assistance service's endpoints cover (those whose
// probe's first label starts with "remoteassistance" and that answer
// HTTPS, with the wildcard each stands for). Only these History rows are
// ever read.
func (p *Profile) ServesSessionPages(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, e := range p.Endpoints {
		if e.Kind() != RoleHTTPS || !strings.HasPrefix(strings.ToLower(e.ProbeHost()), "remoteassistance") {
			continue
		}
		if strings.EqualFold(e.ProbeHost(), host) || e.Covers(host) {
			return true
		}
	}
	return false
}

// DefaultMaxClockSkew is the default tolerance of Kerberos and of Entra ID
// sign-in for clock differences: five minutes ("Maximum tolerance for
// computer clock synchronization", learn.microsoft.com).
const DefaultMaxClockSkew = 5 * time.Minute

// NTPServerList returns the NTP servers to ask, each as host:port.
func (p *Profile) NTPServerList() []string {
	list := p.NTPServers
	if len(list) == 0 {
		list = []string{DefaultNTPServer}
	}
	out := make([]string, len(list))
	for i, s := range list {
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "123")
		}
		out[i] = s
	}
	return out
}

// MaxSkew is MaxClockSkew as a duration. The profile is validated on load;
// DefaultMaxClockSkew is the fallback.
func (p *Profile) MaxSkew() time.Duration {
	if d, err := time.ParseDuration(p.MaxClockSkew); err == nil && d > 0 {
		return d
	}
	return DefaultMaxClockSkew
}

// Source says where the endpoint list comes from and how current it is.
type Source struct {
	Title string `json:"title"`
	URL   string `json:"url"`
	Date  string `json:"date"` // YYYY-MM-DD of the source page
	Notes string `json:"notes,omitempty"`
}

// Endpoint is one host Quick Assist talks to.
type Endpoint struct {
	// Host is the name as Microsoft lists it; it may be a wildcard
	// ("*.support.services.microsoft.com").
	Host string `json:"host"`
	// Probe is the concrete name probed for a wildcard Host. Empty for a
	// concrete Host.
	Probe    string `json:"probe,omitempty"`
	Port     int    `json:"port"`
	Required bool   `json:"required"` // a failure here ends sessions (false: degraded only)
	Purpose  string `json:"purpose"`
	// Issuers are substrings expected in the issuer names of the served
	// chain; empty means the chain's issuers are not checked.
	Issuers []string `json:"issuers"`
	// Role is how Quick Assist talks to the endpoint once TLS is up, and so
	// which exchange the probe makes after the handshake. Empty means
	// RoleHTTPS.
	Role Role `json:"role,omitempty"`
	// Path is the route a websocket endpoint is upgraded on; empty means
	// "/". Only RoleWebSocket uses it.
	Path string `json:"path,omitempty"`
	// UDPPort is where a turn endpoint also answers STUN over UDP (3478
	// for Azure's relays); 0 means it is not asked over UDP. Only RoleTURN
	// uses it.
	UDPPort int `json:"udp_port,omitempty"`
	// Step is where in a session a person sees this endpoint fail (the
	// sign-in pages at sign-in, the relay when sharing starts); empty
	// means leg.Opens.
	Step leg.Step `json:"step,omitempty"`
	// Source is the page that lists this endpoint and its date, when it is
	// not the profile's own source.
	Source *Source `json:"source,omitempty"`
}

// Leg is the leg of a session the endpoint carries: the RDP relay carries
// the screen (Windows' RDP stack, SCHANNEL's TLS); every other endpoint is
// the web leg, in WebView2.
func (e Endpoint) Leg() leg.Leg {
	if e.Kind() == RoleRDPRelay {
		return leg.Screen
	}
	return leg.Web
}

// SessionStep is the endpoint's Step, leg.Opens when the profile names none.
func (e Endpoint) SessionStep() leg.Step {
	if e.Step == "" {
		return leg.Opens
	}
	return e.Step
}

// Role is the protocol an endpoint speaks inside TLS.
type Role string

// The roles an endpoint can have.
const (
	// RoleHTTPS is a web service: the probe sends HEAD /.
	RoleHTTPS Role = "https"
	// RoleWebSocket is a long-lived channel (trouter, signalling): the
	// probe asks for a WebSocket upgrade on Path, which is what a
	// decrypting proxy strips first while plain HTTPS still works
	// (CAUSES.md C5b).
	RoleWebSocket Role = "websocket"
	// RoleTURN is a media relay: the probe sends an unauthenticated TURN
	// Allocate over TLS, which a live relay answers with 401 and its realm
	// (RFC 8656 section 7.2, the long-term credential mechanism of RFC 8489
	// section 9.2).
	RoleTURN Role = "turn"
	// RoleTLS is an endpoint only the handshake is asked of.
	RoleTLS Role = "tls"
	// RoleRDPRelay is the RDP relay the screen goes through: Windows' RDP
	// stack reaches it over TLS on 443 with SCHANNEL ("RDP shares the video
	// to the helper over https (port 443) through the RDP relay service",
	// Microsoft's Quick Assist page). Only the handshake is asked of it
	// (and, on Windows, the same through SCHANNEL).
	RoleRDPRelay Role = "rdp-relay"
)

// Roles lists the roles in the order profiles document them.
var Roles = []Role{RoleHTTPS, RoleWebSocket, RoleTURN, RoleTLS, RoleRDPRelay}

// Kind is the endpoint's role, RoleHTTPS when the profile names none.
func (e Endpoint) Kind() Role {
	if e.Role == "" {
		return RoleHTTPS
	}
	return e.Role
}

// UpgradePath is the path a websocket endpoint is upgraded on.
func (e Endpoint) UpgradePath() string {
	if e.Path == "" {
		return "/"
	}
	return e.Path
}

// ProbeHost is the concrete host name to connect to.
func (e Endpoint) ProbeHost() string {
	if e.Probe != "" {
		return e.Probe
	}
	return e.Host
}

// Address is the host:port dialed for this endpoint.
func (e Endpoint) Address() string {
	return net.JoinHostPort(e.ProbeHost(), strconv.Itoa(e.Port))
}

// IsWildcard reports whether Host covers a whole domain ("*.example.com").
func (e Endpoint) IsWildcard() bool { return strings.HasPrefix(e.Host, "*.") }

// Covers reports whether name is the endpoint's host or, for a wildcard, a
// name under its domain. Both sides are compared in CanonicalName form, so
// case and one trailing dot, on either side, make no difference.
func (e Endpoint) Covers(name string) bool {
	name = CanonicalName(name)
	if e.IsWildcard() {
		return strings.HasSuffix(name, "."+CanonicalName(e.Host[2:]))
	}
	return name == CanonicalName(e.Host) || (e.Probe != "" && name == CanonicalName(e.Probe))
}

// CanonicalName is the form in which two spellings of one host compare
// equal: DNS names compare without ASCII case (RFC 4343 section 3) and a
// name with one trailing dot is the same fully qualified name (RFC 1034
// section 3.1), so "Host.Example." is "host.example"; an IP address is
// in its canonical text form ("0:0::1" is "::1").
func CanonicalName(name string) string {
	if a, err := netip.ParseAddr(name); err == nil {
		return a.String()
	}
	name = strings.TrimSuffix(name, ".")
	b := []byte(name)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A' // ASCII only: DNS folds no other letter
		}
	}
	return string(b)
}

// TLSVersions maps the profile's spelling of a TLS version to crypto/tls's.
var TLSVersions = map[string]uint16{
	"1.0": tls.VersionTLS10,
	"1.1": tls.VersionTLS11,
	"1.2": tls.VersionTLS12,
	"1.3": tls.VersionTLS13,
}

// MinTLSVersion is MinTLS as a crypto/tls constant. The profile is validated
// on load, so an unknown value cannot reach here; TLS 1.2 is the fallback.
func (p *Profile) MinTLSVersion() uint16 {
	if v, ok := TLSVersions[p.MinTLS]; ok {
		return v
	}
	return tls.VersionTLS12
}

// Default returns the profile built into the binary.
func Default() (*Profile, error) {
	return Parse(EmbeddedName, embedded)
}

// Embedded returns the raw bytes of the built-in profile, as shipped.
func Embedded() []byte { return bytes.Clone(embedded) }

// Error is a problem with a profile: which file, where, and what was expected.
type Error struct {
	File  string // the file name, or EmbeddedName
	Line  int    // 1-based; 0 when the problem is not tied to a position
	Col   int
	Field string // JSON path such as "endpoints[2].port"; empty for syntax errors
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "profile %s", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Errors is every problem found while validating one profile.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// MaxSize bounds what Parse reads (and what a caller should read): the real profile is a few KiB, so
// 1 MiB leaves room for growth while refusing a wrong file (an ISO, a log).
const MaxSize = 1 << 20

// Parse decodes and validates a profile. name is used in error messages.
// The error is an *Error for a decoding problem or Errors listing every
// validation problem.
func Parse(name string, data []byte) (*Profile, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file is %d bytes; a profile is at most %d: is this the right file?", len(data), MaxSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, decodeError(name, data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, int(dec.InputOffset()))
		return nil, &Error{File: name, Line: line, Col: col, Msg: "unexpected data after the profile object; a profile is one JSON object"}
	}
	if errs := p.validate(name); len(errs) > 0 {
		return nil, errs
	}
	return &p, nil
}

func decodeError(name string, data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &Error{File: name, Msg: "file is empty; expected a JSON object with schema, version, source, min_tls and endpoints"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, len(data))
		return &Error{File: name, Line: line, Col: col, Msg: "file ends in the middle of a JSON value; is it truncated?"}
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included.
		line, col := position(data, int(syn.Offset)-1)
		return &Error{File: name, Line: line, Col: col, Msg: "invalid JSON: " + strings.TrimPrefix(syn.Error(), "json: ")}
	case errors.As(err, &typ):
		line, col := position(data, int(typ.Offset))
		return &Error{File: name, Line: line, Col: col, Field: typ.Field, Msg: fmt.Sprintf("got a JSON %s, want %s", typ.Value, wantOf(typ.Field, typ.Type.Kind().String()))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for DisallowUnknownFields and
		// reports it after the whole value; find the key's first use.
		field := strings.TrimPrefix(err.Error(), "json: unknown field ")
		at := int(dec.InputOffset())
		if loc := regexp.MustCompile(regexp.QuoteMeta(field) + `\s*:`).FindIndex(data); loc != nil {
			at = loc[0]
		}
		line, col := position(data, at)
		return &Error{File: name, Line: line, Col: col, Msg: fmt.Sprintf("unknown field %s; known fields are schema, version, name, source, min_tls, endpoints, ntp_servers, max_clock_skew, reviewed (endpoint: host, probe, port, required, purpose, issuers, role, path, udp_port, step, source)", field)}
	default:
		return &Error{File: name, Msg: err.Error()}
	}
}

// wholePort is what a port field takes, said the same way by the decoder
// (a fraction, an exponent, a string) and by validate (out of range).
const wholePort = "a whole number 1–65535"

// wantOf says what field (encoding/json's dotted path, "endpoints.port")
// takes when its JSON value has the wrong type: a whole number where Go
// reads an int, with the range when the field has one.
func wantOf(field, goKind string) string {
	switch field[strings.LastIndexByte(field, '.')+1:] {
	case "port", "udp_port":
		return wholePort + ", written in digits (such as 443)"
	case "schema":
		return fmt.Sprintf("the whole number %d", SchemaVersion)
	}
	return jsonKind(goKind)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "uint16":
		return "a whole number, written in digits"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct":
		return "an object"
	}
	return goKind
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

// hostLabel is one DNS label (RFC 1123): letters, digits and inner hyphens.
// Compiled on first use: its bounded repetition makes a large program, a
// quarter of a millisecond that a run which validates no profile (qadoctor
// version) need not spend.
var hostLabel = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
})

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if !hostLabel().MatchString(l) {
			return false
		}
	}
	return true
}

// maxPath bounds a websocket route: the real ones are a few dozen bytes.
const maxPath = 1024

// validPath reports a request path that can be sent as it is: it starts
// with "/" and holds only visible ASCII (RFC 9112 section 3.2's
// request-target, with any non-ASCII already percent-encoded).
func validPath(p string) bool {
	if !strings.HasPrefix(p, "/") || len(p) > maxPath {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f {
			return false
		}
	}
	return true
}

func (p *Profile) validate(name string) Errors {
	var errs Errors
	bad := func(field, format string, args ...any) {
		errs = append(errs, &Error{File: name, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if p.Schema != SchemaVersion {
		bad("schema", "is %d; this build reads schema %d", p.Schema, SchemaVersion)
	}
	if strings.TrimSpace(p.Version) == "" {
		bad("version", "missing; give the profile a version such as \"2026.11.1\"")
	}
	if p.Source.URL == "" && p.Source.Title == "" {
		bad("source", "missing; say where the endpoint list comes from (title and url)")
	}
	if _, err := time.Parse(time.DateOnly, p.Source.Date); err != nil {
		bad("source.date", "%q is not a date; want YYYY-MM-DD, the date of the source page", p.Source.Date)
	}
	if p.Reviewed != "" {
		if _, err := time.Parse(time.DateOnly, p.Reviewed); err != nil {
			bad("reviewed", "%q is not a date; want YYYY-MM-DD, the day the list was checked against Microsoft's pages", p.Reviewed)
		}
	}
	if _, ok := TLSVersions[p.MinTLS]; !ok {
		bad("min_tls", "%q is not a TLS version; want one of \"1.0\", \"1.1\", \"1.2\", \"1.3\"", p.MinTLS)
	}
	if len(p.Endpoints) == 0 {
		bad("endpoints", "empty; list at least one endpoint")
	}
	for i, s := range p.NTPServers {
		host := s
		if h, port, err := net.SplitHostPort(s); err == nil {
			host = h
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				bad(fmt.Sprintf("ntp_servers[%d]", i), "%q has a bad port; want host or host:port, the port %s", s, wholePort)
				continue
			}
		}
		if !validHost(host) {
			bad(fmt.Sprintf("ntp_servers[%d]", i), "%q is not a host name or address", s)
		}
	}
	if p.MaxClockSkew != "" {
		if d, err := time.ParseDuration(p.MaxClockSkew); err != nil || d <= 0 {
			bad("max_clock_skew", "%q is not a positive duration; want for example \"5m\"", p.MaxClockSkew)
		}
	}
	seen := map[string]int{}
	for i, e := range p.Endpoints {
		f := func(s string) string { return fmt.Sprintf("endpoints[%d].%s", i, s) }
		wildcard := e.IsWildcard()
		switch {
		case wildcard && !validHost(e.Host[2:]):
			bad(f("host"), "%q is not a valid wildcard; want \"*.\" followed by a domain", e.Host)
		case !wildcard && !validHost(e.Host):
			bad(f("host"), "%q is not a valid host name", e.Host)
		}
		switch {
		case wildcard && e.Probe == "":
			bad(f("probe"), "missing; a wildcard host (%s) needs a concrete host to probe", e.Host)
		case e.Probe != "" && !validHost(e.Probe):
			bad(f("probe"), "%q is not a valid host name", e.Probe)
		case wildcard && !e.Covers(e.Probe):
			bad(f("probe"), "%q is not under %s", e.Probe, e.Host)
		}
		switch {
		case e.Port == 0:
			bad(f("port"), "missing (or 0); want %s, 443 for every endpoint Microsoft lists", wholePort)
		case e.Port < 1 || e.Port > 65535:
			bad(f("port"), "%d is out of range; want %s", e.Port, wholePort)
		}
		if strings.TrimSpace(e.Purpose) == "" {
			bad(f("purpose"), "missing; say in a few words what Quick Assist uses this endpoint for")
		}
		if !slices.Contains(Roles, e.Kind()) {
			bad(f("role"), "%q is not a role; want one of \"https\", \"websocket\", \"turn\", \"tls\", \"rdp-relay\"", e.Role)
		}
		if e.Step != "" && !e.Step.Valid() {
			bad(f("step"), "%q is not a step; want one of opens, sign-in, code, sharing, slow, none (where a person sees this endpoint fail)", e.Step)
		}
		if e.Path != "" {
			switch {
			case e.Kind() != RoleWebSocket:
				bad(f("path"), "only a websocket endpoint has a path; this one's role is %s", e.Kind())
			case !validPath(e.Path):
				bad(f("path"), "%q is not a request path; want one starting with / with no spaces or control characters, at most %d bytes", e.Path, maxPath)
			}
		}
		if e.UDPPort != 0 {
			switch {
			case e.Kind() != RoleTURN:
				bad(f("udp_port"), "only a turn endpoint has a UDP port; this one's role is %s", e.Kind())
			case e.UDPPort < 1 || e.UDPPort > 65535:
				bad(f("udp_port"), "%d is out of range; want %s", e.UDPPort, wholePort)
			}
		}
		if src := e.Source; src != nil {
			if src.URL == "" {
				bad(f("source.url"), "missing; say which page lists this endpoint")
			}
			if _, err := time.Parse(time.DateOnly, src.Date); err != nil {
				bad(f("source.date"), "%q is not a date; want YYYY-MM-DD, the date of that page", src.Date)
			}
		}
		for j, s := range e.Issuers {
			if strings.TrimSpace(s) == "" {
				bad(fmt.Sprintf("endpoints[%d].issuers[%d]", i, j), "empty string; it would match every issuer")
			}
		}
		// One name spelled two ways is one endpoint: "Host.Example." is
		// "host.example" (CanonicalName).
		key := net.JoinHostPort(CanonicalName(e.ProbeHost()), strconv.Itoa(e.Port))
		if j, dup := seen[key]; dup {
			bad(f("host"), "%s is already endpoints[%d] (%s): host names compare without case and without a trailing dot; keep one of the two", e.Address(), j, p.Endpoints[j].Address())
			continue
		}
		seen[key] = i
	}
	return errs
}
