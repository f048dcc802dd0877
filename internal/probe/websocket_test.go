package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// tlsPeer is a TLS server on loopback whose every connection, once the
// handshake is done, is handed to handle.
func tlsPeer(t *testing.T, handle func(c *tls.Conn)) string {
	pki := testpeer.LocalPKI(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{pki.Cert}, NextProtos: []string{"http/1.1"}}
	return testpeer.RawServer(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		handle(tc)
	})
}

// upgradeAgainst asks addr for an upgrade under a one-second bound.
func upgradeAgainst(t *testing.T, addr string) (UpgradeResult, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	defer tc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	return Upgrade(ctx, tc, "localhost", "/v4/c")
}

// Peers that answer an upgrade badly: each ends in an answer or a
// classified error within the bound, never a hang or a panic.
func TestUpgradeAgainstHostilePeers(t *testing.T) {
	readRequest := func(c *tls.Conn) *http.Request {
		r, _ := http.ReadRequest(bufio.NewReader(c))
		return r
	}
	tests := []struct {
		name     string
		handle   func(c *tls.Conn)
		status   int
		upgraded bool
		kind     string // of the error; "" for an answer
	}{
		{"a proxy's refusal", func(c *tls.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 403 Forbidden\r\nVia: 1.1 inspector\r\nContent-Length: 0\r\n\r\n"))
		}, 403, false, ""},
		{"an interim 100, then a refusal", func(c *tls.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nVia: 1.1 inspector\r\nContent-Length: 0\r\n\r\n"))
		}, 403, false, ""},
		{"101 with a wrong accept key", func(c *tls.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n"))
			io.Copy(io.Discard, c)
		}, 101, false, ""},
		{"not HTTP at all", func(c *tls.Conn) {
			readRequest(c)
			c.Write([]byte("\x00\x01\x02 garbage\r\n\r\n"))
		}, 0, false, facts.KindOther},
		{"an endless header", func(c *tls.Conn) {
			readRequest(c)
			c.Write([]byte("HTTP/1.1 200 OK\r\n"))
			for range 4000 {
				if _, err := c.Write([]byte("X-Junk: " + strings.Repeat("a", 60) + "\r\n")); err != nil {
					return
				}
			}
		}, 0, false, facts.KindOther},
		{"silence", func(c *tls.Conn) { readRequest(c); io.Copy(io.Discard, c) }, 0, false, facts.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := upgradeAgainst(t, tlsPeer(t, tt.handle))
			if got := ClassifyNet(err); got != tt.kind || res.Status != tt.status || res.Upgraded != tt.upgraded {
				t.Errorf("Upgrade = %+v, %v (kind %q); want status %d, upgraded %v, kind %q", res, err, got, tt.status, tt.upgraded, tt.kind)
			}
			if tt.status == 403 && res.Via != "1.1 inspector" {
				t.Errorf("Via = %q; want the proxy's own, kept for the report", res.Via)
			}
		})
	}
}
