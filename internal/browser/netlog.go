package browser

import (
	"bytes"
	"cmp"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Bounds on a NetLog. The browser writes it, but a hostile one (or a file
// a person passes to a test) is read within these: bytes, events, the
// sources kept, and the constants' entries, each counted.
const (
	MaxNetLogBytes   = 32 << 20
	MaxNetLogEvents  = 1_000_000
	MaxNetLogSources = 100_000
	MaxConstants     = 20_000
	// maxCertPEM bounds the one certificate kept per host.
	maxCertPEM = 64 << 10
)

// Outcome is what a NetLog says of the requests for the URLs asked.
type Outcome struct {
	Endpoints map[string]facts.BrowserEndpoint // by URL
	// Truncated says the log ended before its closing bracket: the
	// browser was stopped before it closed the file.
	Truncated bool
	Events    int
}

// event types the reader follows, by their NetLog names
// (net/log/net_log_event_type_list.h).
const (
	evRequestAlive      = "REQUEST_ALIVE"
	evStartJob          = "URL_REQUEST_START_JOB"
	evControllerBound   = "HTTP_STREAM_JOB_CONTROLLER_BOUND"
	evRequestBoundToJob = "HTTP_STREAM_REQUEST_BOUND_TO_JOB"
	evProxyChain        = "HTTP_STREAM_JOB_CONTROLLER_PROXY_SERVER_RESOLVED"
	evProxyList         = "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST"
	evResponseHeaders   = "HTTP_TRANSACTION_READ_RESPONSE_HEADERS"
	evTunnelHeaders     = "HTTP_TRANSACTION_READ_TUNNEL_RESPONSE_HEADERS"
	evCertificates      = "SSL_CERTIFICATES_RECEIVED"
	evBoundToSocket     = "SOCKET_POOL_BOUND_TO_SOCKET"
	evSocketPool        = "SOCKET_POOL"
	evStreamJob         = "HTTP_STREAM_JOB"
	evCancelled         = "CANCELLED"
	evConnected         = "URL_REQUEST_DELEGATE_CONNECTED"
	evSSLConnect        = "SSL_CONNECT"
	evAuthController    = "AUTH_CONTROLLER"
	evAuthHandler       = "AUTH_HANDLER_CREATE_RESULT"
	evWebSocketFailure  = "WEBSOCKET_UPGRADE_FAILURE"
)

var followed = []string{evRequestAlive, evStartJob, evControllerBound, evRequestBoundToJob, evProxyChain,
	evProxyList, evResponseHeaders, evTunnelHeaders, evCertificates, evBoundToSocket, evSocketPool, evStreamJob,
	evCancelled, evWebSocketFailure, evConnected, evSSLConnect, evAuthController, evAuthHandler}

// maxCertBytes bounds the certificates kept for the whole log: one leaf
// per socket, until this many bytes are kept.
const maxCertBytes = 8 << 20

// netErrAborted is ERR_ABORTED: the page gave up on the request (its
// budget ran out), so the request had no answer rather than an error.
const netErrAborted = -3

// phases of a NetLog event (net/log/net_log_event_type.h).
const (
	phaseBegin = 1
	phaseEnd   = 2
)

// source is what the reader keeps of one NetLog source.
type source struct {
	url        string
	netError   int    // the first negative net_error it logged
	status     int    // the first HTTP status line it read
	location   string // that answer's Location host, for a redirect
	tunnel     int    // a proxy's answer to CONNECT
	ended      bool
	cancelled  bool
	connected  bool   // the request's connection (with its TLS) was made
	tlsDone    bool   // a socket's SSL_CONNECT ended without an error
	authProxy  string // an AUTH_CONTROLLER's proxy (host:port), when the proxy asked
	authScheme string // the scheme its handler took (basic, ntlm, negotiate…)
	socket     int    // a job's SOCKET_POOL_BOUND_TO_SOCKET
	cert       string // a socket's leaf certificate, PEM
	controller int    // HTTP_STREAM_JOB_CONTROLLER_BOUND
	job        int    // HTTP_STREAM_REQUEST_BOUND_TO_JOB
	proxyChain string
	proxyList  string
	poolError  int // a job's SOCKET_POOL end
	jobs       []int
}

type rawEvent struct {
	Type   int `json:"type"`
	Phase  int `json:"phase"`
	Source struct {
		ID int `json:"id"`
	} `json:"source"`
	Params struct {
		URL          looseString     `json:"url"`
		NetError     looseInt        `json:"net_error"`
		Dependency   looseDependency `json:"source_dependency"`
		ProxyChain   looseString     `json:"proxy_chain"`
		ProxyInfo    looseString     `json:"proxy_info"`
		Certificates json.RawMessage `json:"certificates"`
		Headers      json.RawMessage `json:"headers"`
		Message      looseString     `json:"message"`
		Target       looseString     `json:"target"`
		Scheme       looseString     `json:"scheme"`
	} `json:"params"`
}

// Params differ in type from event to event (HTTP2_STREAM_ERROR writes
// net_error as a name, "ERR_CONNECTION_CLOSED"): a field of another type
// than the reader wants is read as empty, never as an error.
type (
	looseString     string
	looseInt        int
	looseDependency int // source_dependency's id
)

func (s *looseString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}

func (i *looseInt) UnmarshalJSON(b []byte) error {
	var v int
	if json.Unmarshal(b, &v) == nil {
		*i = looseInt(v)
	}
	return nil
}

func (d *looseDependency) UnmarshalJSON(b []byte) error {
	var v struct {
		ID looseInt `json:"id"`
	}
	if json.Unmarshal(b, &v) == nil {
		*d = looseDependency(v.ID)
	}
	return nil
}

// ReadNetLog reads a Chromium NetLog (--log-net-log) and says, for each of
// urls, how the browser's request for it went: its net error, the HTTP
// status, the proxy chain, the certificate verified for its host. A log
// cut off mid-way (the browser killed) is read as far as it goes. A URL
// the log never requested is NoAnswer. Bad input is an error naming what
// is wrong; the bounds above hold whatever the input.
func ReadNetLog(r io.Reader, urls []string) (Outcome, error) {
	lr := &io.LimitedReader{R: r, N: MaxNetLogBytes + 1}
	dec := json.NewDecoder(lr)
	out := Outcome{Endpoints: map[string]facts.BrowserEndpoint{}}
	wanted := map[string]bool{}
	for _, u := range urls {
		wanted[u] = true
	}
	types := map[int]string{}
	errNames := map[int]string{}
	sources := map[int]*source{}
	requests := map[string][]int{} // URL → its URL_REQUEST sources, in order
	certBytes := 0
	get := func(id int) (*source, error) {
		if s, ok := sources[id]; ok {
			return s, nil
		}
		if len(sources) >= MaxNetLogSources {
			return nil, fmt.Errorf("the NetLog has more than %d sources", MaxNetLogSources)
		}
		s := &source{}
		sources[id] = s
		return s, nil
	}
	tooBig := func(err error) error {
		if lr.N <= 0 {
			return fmt.Errorf("the NetLog is larger than %d MiB", MaxNetLogBytes>>20)
		}
		return err
	}
	if err := expectDelim(dec, '{'); err != nil {
		return out, fmt.Errorf("not a NetLog (it must be a JSON object): %w", tooBig(err))
	}
	sawEvents, sawConstants := false, false
keys:
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return out, fmt.Errorf("the NetLog's keys: %w", tooBig(err))
		}
		switch key {
		case "constants":
			if err := readConstants(dec, types, errNames); err != nil {
				return out, fmt.Errorf("the NetLog's constants: %w", tooBig(err))
			}
			sawConstants = true
		case "events":
			sawEvents = true
			if !sawConstants {
				return out, errors.New("the NetLog's events come before its constants (no event type names)")
			}
			if err := expectDelim(dec, '['); err != nil {
				return out, fmt.Errorf("the NetLog's events: %w", tooBig(err))
			}
			for dec.More() {
				if out.Events >= MaxNetLogEvents {
					return out, fmt.Errorf("the NetLog has more than %d events", MaxNetLogEvents)
				}
				var e rawEvent
				if err := dec.Decode(&e); err != nil {
					if cut(err) && lr.N > 0 {
						out.Truncated = true
						break keys
					}
					return out, fmt.Errorf("the NetLog's event %d: %w", out.Events+1, tooBig(err))
				}
				out.Events++
				if err := take(&e, types[e.Type], get, requests, wanted, &certBytes); err != nil {
					return out, err
				}
			}
			if _, err := dec.Token(); err != nil {
				if cut(err) && lr.N > 0 {
					out.Truncated = true
					break keys
				}
				return out, fmt.Errorf("the NetLog's events: %w", tooBig(err))
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				if cut(err) && lr.N > 0 && sawEvents {
					out.Truncated = true
					break keys
				}
				return out, fmt.Errorf("the NetLog's %q: %w", key, tooBig(err))
			}
		}
	}
	if !sawEvents {
		return out, errors.New("the NetLog has no events")
	}
	// The proxies that asked for credentials, and by which scheme.
	asked := map[string]string{}
	for _, s := range sources {
		if s.authProxy != "" && len(asked) < 64 {
			asked[strings.ToLower(s.authProxy)] = s.authScheme
		}
	}
	for _, u := range urls {
		out.Endpoints[u] = judge(u, requests[u], sources, errNames, asked)
	}
	return out, nil
}

// cut reports whether a decoding error means the input simply ended.
func cut(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, t)
	}
	return nil
}

// readConstants keeps the event type names the reader follows and every
// net error's name, token by token, so a hostile table costs no more than
// MaxConstants entries.
func readConstants(dec *json.Decoder, types, errNames map[int]string) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return err
		}
		switch key {
		case "logEventTypes":
			err = readTable(dec, func(name string, code int) {
				for _, f := range followed {
					if name == f {
						types[code] = name
					}
				}
			})
		case "netError":
			err = readTable(dec, func(name string, code int) {
				if code < 0 {
					errNames[code] = strings.TrimPrefix(name, "ERR_")
				}
			})
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return fmt.Errorf("%v: %w", key, err)
		}
	}
	_, err := dec.Token()
	return err
}

// readTable reads a {"NAME": number} object.
func readTable(dec *json.Decoder, keep func(string, int)) error {
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for n := 0; dec.More(); n++ {
		if n >= MaxConstants {
			return fmt.Errorf("more than %d entries", MaxConstants)
		}
		key, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.Number
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%v: %w", key, err)
		}
		code, err := strconv.Atoi(v.String())
		if err != nil {
			return fmt.Errorf("%v: not a whole number: %s", key, v)
		}
		keep(key.(string), code)
	}
	_, err := dec.Token()
	return err
}

// take folds one event into what the reader keeps.
func take(e *rawEvent, name string, get func(int) (*source, error), requests map[string][]int, wanted map[string]bool, certBytes *int) error {
	if name == "" && e.Params.NetError >= 0 {
		return nil
	}
	s, err := get(e.Source.ID)
	if err != nil {
		return err
	}
	netError := int(e.Params.NetError)
	if netError < 0 && s.netError == 0 {
		s.netError = netError
	}
	dep := int(e.Params.Dependency)
	switch name {
	case evRequestAlive:
		switch {
		case e.Phase == phaseBegin && wanted[string(e.Params.URL)] && s.url == "":
			s.url = string(e.Params.URL)
			requests[s.url] = append(requests[s.url], e.Source.ID)
		case e.Phase == phaseEnd:
			s.ended = true
		}
	case evControllerBound:
		if s.controller == 0 {
			s.controller = dep
		}
	case evRequestBoundToJob:
		s.job = dep
	case evStreamJob:
		if e.Phase == phaseBegin && dep != 0 {
			c, err := get(dep)
			if err != nil {
				return err
			}
			if len(c.jobs) < 8 {
				c.jobs = append(c.jobs, e.Source.ID)
			}
		}
	case evSocketPool:
		if e.Phase == phaseEnd && netError < 0 {
			s.poolError = netError
		}
	case evProxyChain:
		s.proxyChain = string(e.Params.ProxyChain)
	case evProxyList:
		s.proxyList = string(e.Params.ProxyInfo)
	case evResponseHeaders:
		if s.status == 0 {
			s.status = statusOf(e.Params.Headers)
			if s.status >= 300 && s.status < 400 {
				s.location = locationHost(e.Params.Headers)
			}
		}
	case evWebSocketFailure:
		// "Error during WebSocket handshake: Unexpected response code:
		// 426": the server (or what stands in its way) answered, but not
		// with 101.
		msg := string(e.Params.Message)
		if i := strings.LastIndex(msg, "response code: "); i >= 0 && s.status == 0 {
			if code, err := strconv.Atoi(strings.TrimSpace(msg[i+len("response code: "):])); err == nil && code >= 100 && code <= 999 {
				s.status = code
			}
		}
	case evCancelled:
		s.cancelled = true
	case evConnected:
		s.connected = true
	case evAuthController:
		if e.Phase == phaseBegin && e.Params.Target == "proxy" {
			if u, err := url.Parse(string(e.Params.URL)); err == nil {
				s.authProxy = u.Host
			}
		}
	case evAuthHandler:
		s.authScheme = string(e.Params.Scheme)
	case evSSLConnect:
		if e.Phase == phaseEnd && netError == 0 {
			s.tlsDone = true
		}
	case evBoundToSocket:
		s.socket = dep
	case evTunnelHeaders:
		if s.tunnel == 0 {
			s.tunnel = statusOf(e.Params.Headers)
		}
	case evCertificates:
		if s.cert == "" && *certBytes < maxCertBytes {
			s.cert = firstString(e.Params.Certificates, maxCertPEM)
			*certBytes += len(s.cert)
		}
	}
	return nil
}

// statusOf reads the status code from a headers list's first line
// ("HTTP/1.1 200 OK").
func statusOf(headers json.RawMessage) int {
	line := firstString(headers, 512)
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 999 {
		return 0
	}
	return code
}

// locationHost is the host of a headers list's Location, lower case;
// only the first 64 headers are looked at.
func locationHost(headers json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(headers))
	if expectDelim(dec, '[') != nil {
		return ""
	}
	for i := 0; i < 64 && dec.More(); i++ {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		line, ok := t.(string)
		if !ok || len(line) > 4096 {
			continue
		}
		name, value, found := strings.Cut(line, ":")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "location") {
			continue
		}
		u, err := url.Parse(strings.TrimSpace(value))
		if err != nil {
			return ""
		}
		return strings.ToLower(u.Hostname())
	}
	return ""
}

// firstString is a JSON array's first string, if it is no longer than
// limit bytes; "" otherwise. It reads no further than that element.
func firstString(raw json.RawMessage, limit int) string {
	if len(raw) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if expectDelim(dec, '[') != nil {
		return ""
	}
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	s, ok := t.(string)
	if !ok || len(s) > limit {
		return ""
	}
	return s
}

// judge says how the request for u went, from its sources: the last
// request for it that got anywhere.
func judge(u string, ids []int, sources map[int]*source, errNames map[int]string, asked map[string]string) facts.BrowserEndpoint {
	e := facts.BrowserEndpoint{URL: u, NetError: facts.BrowserNoAnswer}
	if pu, err := url.Parse(u); err == nil {
		e.WebSocket = pu.Scheme == "wss" || pu.Scheme == "ws"
	}
	for _, id := range ids {
		r := sources[id]
		got := e
		got.NetError = ""
		got.Connected = r.connected
		var job, ctl *source
		if r.job != 0 {
			job = sources[r.job]
		}
		if r.controller != 0 {
			ctl = sources[r.controller]
		}
		if ctl != nil {
			got.ProxyChain, got.ProxyList = ctl.proxyChain, ctl.proxyList
		}
		if job != nil && job.socket != 0 && sources[job.socket] != nil {
			sock := sources[job.socket]
			got.CertSubject, got.CertIssuer = names(sock.cert)
			got.Connected = got.Connected || sock.tlsDone
		}
		code := r.netError
		if code == 0 && job != nil {
			code = cmp.Or(job.netError, job.poolError)
		}
		if code == 0 && ctl != nil && job == nil {
			// No job was bound: the controller's jobs all failed; the
			// main (first) job's error is the request's.
			for _, j := range ctl.jobs {
				if js := sources[j]; js != nil && cmp.Or(js.poolError, js.netError) != 0 {
					code = cmp.Or(js.poolError, js.netError)
					break
				}
			}
		}
		switch {
		case r.status > 0:
			// An answer came back: what failed after it (a CORS check,
			// the page giving up) is not the path's.
			got.Status, got.Usable, got.RedirectHost = r.status, true, r.location
			got.Opened = e.WebSocket && r.status == 101
		case code != 0 && code != netErrAborted:
			got.NetError = errName(code, errNames)
		case r.ended && !r.cancelled && code == 0:
			got.Usable = true
		default:
			got.NetError = facts.BrowserNoAnswer
			// Waiting on a proxy's 407: Chromium asks the person and
			// waits; its name for that is ERR_PROXY_AUTH_REQUESTED.
			for proxy, scheme := range asked {
				if strings.Contains(strings.ToLower(got.ProxyChain), proxy) {
					got.NetError, got.ProxyAuth = "PROXY_AUTH_REQUESTED", cmp.Or(scheme, "unknown")
				}
			}
		}
		if got.Usable || got.NetError != facts.BrowserNoAnswer || e.NetError == facts.BrowserNoAnswer {
			e = got
		}
	}
	return e
}

func errName(code int, names map[int]string) string {
	if n, ok := names[code]; ok && n != "" {
		return n
	}
	return "NET_ERROR_" + strconv.Itoa(-code)
}

// names gives a PEM certificate's subject and issuer common names (the
// organisation when a name has no CN).
func names(p string) (subject, issuer string) {
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		return "", ""
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return "", ""
	}
	name := func(cn string, org []string) string { return cmp.Or(cn, strings.Join(org, ", ")) }
	return name(c.Subject.CommonName, c.Subject.Organization), name(c.Issuer.CommonName, c.Issuer.Organization)
}
