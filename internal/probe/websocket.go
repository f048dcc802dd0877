package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync"

	"github.com/coder/websocket"
)

// UpgradeResult is a WebSocket upgrade's answer.
type UpgradeResult struct {
	Status   int  // the HTTP status answered (101 when upgraded)
	Upgraded bool // 101 with a valid Sec-WebSocket-Accept
	Via      string
	Server   string
}

// Upgrade asks for a WebSocket upgrade of path on an established TLS
// connection (RFC 6455 section 4.1), as a WebSocket client opens a
// long-lived channel, and closes the socket at once if the server agrees.
// The connection must have negotiated HTTP/1.1 (or no ALPN): the upgrade is
// an HTTP/1.1 mechanism. A server or proxy that answers with anything but a
// valid 101 is an answer, not an error: Status says what it was. err is for
// an exchange that did not finish (no answer, a reset, a non-HTTP reply).
func Upgrade(ctx context.Context, conn *tls.Conn, host, path string) (UpgradeResult, error) {
	var res UpgradeResult
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	once := oneConn{conn: conn}
	client := &http.Client{
		Transport: &http.Transport{
			DialTLSContext:    once.dial,
			DisableKeepAlives: true,
			// The answer's headers only; a proxy's error page is cut.
			MaxResponseHeaderBytes: MaxHTTPHeaderBytes,
		},
		// A redirect answers the upgrade; it is not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	u := url.URL{Scheme: "wss", Host: host, Path: path}
	if p, err := url.ParseRequestURI(path); err == nil {
		u.Path, u.RawQuery = p.Path, p.RawQuery
	}
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: client,
		HTTPHeader: http.Header{"User-Agent": {"qadoctor"}},
	})
	if resp != nil {
		res.Status = resp.StatusCode
		res.Via, res.Server = resp.Header.Get("Via"), resp.Header.Get("Server")
	}
	if ws != nil {
		res.Upgraded = true
		ws.CloseNow()
		return res, nil
	}
	if resp != nil {
		// The server (or something in the path) answered, and refused.
		return res, nil
	}
	if err == nil {
		err = errors.New("the WebSocket upgrade ended without an answer")
	}
	return res, err
}

// oneConn hands out one established connection, once: the upgrade goes
// over the endpoint's own TLS connection, not a new one.
type oneConn struct {
	mu   sync.Mutex
	conn net.Conn
}

func (o *oneConn) dial(context.Context, string, string) (net.Conn, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return nil, errors.New("the connection was already used")
	}
	c := o.conn
	o.conn = nil
	return c, nil
}
