package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxProxyResponseBytes caps what is read of a proxy's answer to CONNECT:
// a status line and a few headers. A proxy that sends more is broken.
const MaxProxyResponseBytes = 16 << 10

// ProxyError is a proxy's refusal or failure, with what it said.
type ProxyError struct {
	Proxy  string // host:port of the proxy
	Status int    // the HTTP status of the answer to CONNECT; 0 when none came
	Kind   string // proxy-auth, proxy-refused, proxy-dead, proxy-garbage
	// AuthSchemes are the schemes a 407 offers in its Proxy-Authenticate
	// headers (Basic, Digest, Negotiate, NTLM…), in order, as written.
	AuthSchemes []string
	Err         error
}

func (e *ProxyError) Error() string {
	switch e.Kind {
	case KindProxyAuth:
		return fmt.Sprintf("proxy %s wants authentication (HTTP %d)", e.Proxy, e.Status)
	case KindProxyRefused:
		return fmt.Sprintf("proxy %s refused the CONNECT (HTTP %d)", e.Proxy, e.Status)
	case KindProxyUpstream:
		return fmt.Sprintf("proxy %s could not connect onward (HTTP %d)", e.Proxy, e.Status)
	case KindProxyGarbage:
		return fmt.Sprintf("proxy %s answered CONNECT with something that is not HTTP: %v", e.Proxy, e.Err)
	case KindProxyPAC:
		return e.Err.Error()
	}
	return fmt.Sprintf("proxy %s: %v", e.Proxy, e.Err)
}

func (e *ProxyError) Unwrap() error { return e.Err }

// Proxy failure kinds.
const (
	KindProxyAuth    = "proxy-auth"
	KindProxyRefused = "proxy-refused"
	KindProxyDead    = "proxy-dead"
	KindProxyGarbage = "proxy-garbage"
	KindProxyTimeout = "proxy-timeout" // the proxy accepted the connection, then said nothing in time
	KindProxyPAC     = "proxy-pac"     // the proxy auto-config script failed, so no way was decided
	// KindProxyUpstream is a proxy that took the CONNECT and could not
	// carry it out: a 5xx (RFC 9110 section 15.6: 502 Bad Gateway, 503,
	// 504 Gateway Timeout; squid answers 503 when it cannot resolve or
	// reach the name, 500 on its own errors). Its own way out failed; its
	// rules did not refuse.
	KindProxyUpstream = "proxy-upstream"
)

// IsProxyKind reports whether a step's failure kind is the proxy's.
func IsProxyKind(kind string) bool {
	switch kind {
	case KindProxyAuth, KindProxyRefused, KindProxyDead, KindProxyGarbage, KindProxyTimeout, KindProxyPAC, KindProxyUpstream:
		return true
	}
	return false
}

// ProxyDialer reaches hosts through an HTTP proxy with CONNECT, as
// WinHTTP and browsers do for HTTPS. It asks the proxy for the host name,
// not an address: the proxy resolves it. An https:// proxy (a PAC's
// "HTTPS host:port") is spoken to over TLS first, its certificate
// verified for its name against Roots, as Chromium does.
type ProxyDialer struct {
	Proxy *url.URL       // http:// or https://[user:pass@]host:port
	Base  Dialer         // how to reach the proxy; nil: a plain net.Dialer
	Roots *x509.CertPool // an https proxy's certificate is verified against these; nil: the system's
}

// DialContext implements Dialer: address is host:port of the target.
func (d *ProxyDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	base := d.Base
	if base == nil {
		base = &net.Dialer{}
	}
	proxyAddr := d.Proxy.Host
	if d.Proxy.Port() == "" {
		port := "8080"
		if d.Proxy.Scheme == "https" {
			port = "443"
		}
		proxyAddr = net.JoinHostPort(d.Proxy.Hostname(), port)
	}
	conn, err := base.DialContext(ctx, "tcp", proxyAddr)
	if err != nil {
		return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyDead, Err: err}
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if d.Proxy.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: d.Proxy.Hostname(), RootCAs: d.Roots, MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyDead, Err: fmt.Errorf("TLS to the proxy: %w", err)}
		}
		conn = tc
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: address},
		Host:   address,
		Header: http.Header{"User-Agent": {"qadoctor"}},
	}
	if u := d.Proxy.User; u != nil {
		pass, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pass)))
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyDead, Err: fmt.Errorf("send CONNECT: %w", err)}
	}
	lr := &io.LimitedReader{R: conn, N: MaxProxyResponseBytes}
	br := bufio.NewReader(lr)
	resp, err := readFinal(br, req)
	if err != nil {
		conn.Close()
		switch {
		case ctx.Err() != nil || isTimeout(err):
			return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyDead, Err: context.DeadlineExceeded}
		case lr.N <= 0:
			return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyGarbage, Err: fmt.Errorf("the answer to CONNECT is longer than %d bytes", MaxProxyResponseBytes)}
		}
		kind := KindProxyGarbage
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err) {
			kind = KindProxyDead
		}
		return nil, &ProxyError{Proxy: proxyAddr, Kind: kind, Err: err}
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusProxyAuthRequired:
		conn.Close()
		return nil, &ProxyError{Proxy: proxyAddr, Status: resp.StatusCode, Kind: KindProxyAuth, Err: errors.New(resp.Status),
			AuthSchemes: AuthSchemes(resp.Header.Values("Proxy-Authenticate"))}
	case resp.StatusCode >= 500:
		conn.Close()
		return nil, &ProxyError{Proxy: proxyAddr, Status: resp.StatusCode, Kind: KindProxyUpstream, Err: errors.New(resp.Status)}
	case resp.StatusCode < 200 || resp.StatusCode > 299: // any 2xx opens the tunnel (RFC 9110 section 9.3.6)
		conn.Close()
		return nil, &ProxyError{Proxy: proxyAddr, Status: resp.StatusCode, Kind: KindProxyRefused, Err: errors.New(resp.Status)}
	}
	if br.Buffered() > 0 {
		conn.Close()
		return nil, &ProxyError{Proxy: proxyAddr, Kind: KindProxyGarbage, Err: errors.New("data after the CONNECT answer")}
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// MaxAuthSchemes bounds how many schemes of a 407 are kept: real proxies
// offer two or three.
const MaxAuthSchemes = 8

// AuthSchemes reads the scheme of every challenge in Proxy-Authenticate
// header values (RFC 9110 section 11.6.1 and 11.3: a challenge is a scheme
// token, then a token68 or comma-separated auth-params, and one header may
// hold several challenges). A comma inside a quoted string separates
// nothing.
func AuthSchemes(values []string) []string {
	var out []string
	for _, v := range values {
		for _, el := range splitOutsideQuotes(v) {
			el = strings.TrimSpace(el)
			if el == "" {
				continue
			}
			tok := el
			if i := strings.IndexAny(el, " \t"); i >= 0 {
				tok = el[:i]
			}
			// An auth-param (realm="x") names no scheme; a scheme is a
			// token not followed by "=".
			if strings.Contains(tok, "=") || !isToken(tok) {
				continue
			}
			if len(out) < MaxAuthSchemes && !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, tok) }) {
				out = append(out, tok)
			}
		}
	}
	return out
}

// splitOutsideQuotes splits s at commas that are not inside a quoted
// string (with \ escapes, RFC 9110 section 5.6.4).
func splitOutsideQuotes(s string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
