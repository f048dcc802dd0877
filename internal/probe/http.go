package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/net/http2"
)

// MaxHTTPHeaderBytes caps what Head reads of a response: a HEAD answer is a
// status line and headers, a few KiB at most.
const MaxHTTPHeaderBytes = 64 << 10

// HTTPResult is one HEAD request's answer.
type HTTPResult struct {
	Status int
	Proto  string
	Date   string // the Date header, as sent
	Server string // the Server header
	Sent   time.Time
	Recv   time.Time // wall-clock times (from now) around the exchange
}

// readFinal reads the final answer to req: interim answers (100 Continue,
// 102 Processing, 103 Early Hints) come first and a client must wait past
// them (RFC 9110 section 15.2); 101 ends the exchange, so it is final. The
// reader's own limit bounds how many interim answers a peer can send.
func readFinal(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	resp, err := http.ReadResponse(br, req)
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(br, req)
	}
	return resp, err
}

// Head sends HEAD / on an established TLS connection, speaking HTTP/2 or
// HTTP/1.1 as ALPN chose, and reads the answer's status and headers. It
// reuses the diagnosis's own connection, so the answer comes the way the
// service's traffic goes.
func Head(ctx context.Context, conn *tls.Conn, host string, now func() time.Time) (HTTPResult, error) {
	var res HTTPResult
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "https://"+host+"/", nil)
	if err != nil {
		return res, err
	}
	req.Header.Set("User-Agent", "qadoctor")
	res.Sent = now()
	var resp *http.Response
	if conn.ConnectionState().NegotiatedProtocol == "h2" {
		t := &http2.Transport{MaxHeaderListSize: MaxHTTPHeaderBytes}
		cc, err := t.NewClientConn(conn)
		if err != nil {
			return res, fmt.Errorf("start HTTP/2: %w", err)
		}
		defer cc.Close()
		resp, err = cc.RoundTrip(req)
		if err != nil {
			return res, fmt.Errorf("HTTP/2 HEAD: %w", err)
		}
	} else {
		req.Close = true
		if err := req.Write(conn); err != nil {
			return res, fmt.Errorf("send HEAD: %w", err)
		}
		resp, err = readFinal(bufio.NewReader(io.LimitReader(conn, MaxHTTPHeaderBytes)), req)
		if err != nil {
			return res, fmt.Errorf("read the answer to HEAD: %w", err)
		}
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// 101 answers a request to upgrade, and HEAD asked for none (RFC
		// 9110 section 15.2.2): not an answer a web server gives.
		return res, errors.New("answered HEAD / with 101 Switching Protocols, though no upgrade was asked for")
	}
	res.Recv = now()
	res.Status, res.Proto = resp.StatusCode, resp.Proto
	res.Date, res.Server = resp.Header.Get("Date"), resp.Header.Get("Server")
	return res, nil
}
