package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// Hostile and broken peers: each must end in a classified error, never a
// panic, and never outlive the context.

func TestStallingServerIsCutOffAtTheDeadline(t *testing.T) {
	addr := testpeer.RawServer(t, func(c net.Conn) {
		buf := make([]byte, 64<<10)
		c.Read(buf)
		// A ServerHello header, then one byte a second: forever, if let.
		c.Write([]byte{0x16, 0x03, 0x03, 0x00, 0x7a})
		for i := 0; i < 30; i++ {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte{0x02}); err != nil {
				return
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	ap := mustAddrPort(t, addr)
	dr, err := Dial(ctx, &net.Dialer{}, ap.addrs, ap.port)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res, err := Handshake(ctx, dr.Conn, HandshakeConfig{ServerName: "localhost"})
	if elapsed := time.Since(start); elapsed > 2500*time.Millisecond {
		t.Errorf("handshake with a stalling server took %s; the deadline was 1.5s", elapsed)
	}
	if ClassifyTLS(err) != facts.KindTimeout || res.BytesRead == 0 {
		t.Errorf("ClassifyTLS(%v) = %q after %d bytes; want a timeout after some bytes", err, ClassifyTLS(err), res.BytesRead)
	}
}

// chainServer serves the test leaf followed by n more certificates.
func chainServer(t *testing.T, n int) string {
	t.Helper()
	pki := testpeer.LocalPKI(t)
	cert := pki.Cert
	// Pad the chain with copies of the leaf's own DER: a hostile server may
	// send anything; the client must cope.
	for i := 0; i < n; i++ {
		cert.Certificate = append(cert.Certificate, pki.Cert.Certificate[0])
	}
	return testpeer.TLSServer(t, cert, testpeer.ServerOptions{MaxVersion: tls.VersionTLS12})
}

func TestHugeChains(t *testing.T) {
	tests := []struct {
		name  string
		certs int
	}{
		{"100 certificates", 100},
		{"several megabytes", 2000}, // ~1 KiB each: far over every cap
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := chainServer(t, tt.certs)
			res, err := handshakeWith(t, addr, HandshakeConfig{ServerName: "localhost", Verify: true, Roots: x509.NewCertPool()})
			if res.BytesRead > MaxHandshakeBytes {
				t.Errorf("read %d bytes; the cap is %d", res.BytesRead, MaxHandshakeBytes)
			}
			if tt.certs > 1000 && err == nil {
				t.Errorf("a %d-certificate chain was accepted", tt.certs)
			}
			if err == nil && res.VerifyErr == nil {
				t.Errorf("a padded chain verified")
			}
		})
	}
}

func TestHostileProxies(t *testing.T) {
	tests := []struct {
		name    string
		handler func(net.Conn)
		kind    string
	}{
		{"garbage answer", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Write([]byte("\x00\x01\x02 not http at all\r\n\r\n"))
		}, KindProxyGarbage},
		{"endless header", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Write([]byte("HTTP/1.1 200 OK\r\n"))
			junk := bytes.Repeat([]byte("X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"), 1000)
			c.Write(junk)
		}, KindProxyGarbage},
		{"never answers", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			io.Copy(io.Discard, c) // holds the connection until the client gives up
		}, KindProxyTimeout},
		{"hangs up", func(c net.Conn) {
			c.Read(make([]byte, 4096))
		}, KindProxyDead},
		{"refuses", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"))
		}, KindProxyRefused},
		{"100 Continue, then 200", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\n\r\n"))
			io.Copy(io.Discard, c)
		}, ""},
		{"a 2xx other than 200", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			c.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
			io.Copy(io.Discard, c)
		}, ""},
		{"an endless run of 100 Continue", func(c net.Conn) {
			c.Read(make([]byte, 4096))
			for range 10000 {
				if _, err := c.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
					return
				}
			}
		}, KindProxyGarbage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := testpeer.RawServer(t, tt.handler)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			d := &ProxyDialer{Proxy: &url.URL{Scheme: "http", Host: addr}}
			if tt.kind == "" { // the tunnel opens
				c, err := d.DialContext(ctx, "tcp", "example.test:443")
				if err != nil {
					t.Fatalf("DialContext = %v; want the tunnel open", err)
				}
				c.Close()
				return
			}
			start := time.Now()
			_, err := d.DialContext(ctx, "tcp", "example.test:443")
			if got := ClassifyNet(err); got != tt.kind {
				t.Errorf("ClassifyNet(%v) = %q; want %q", err, got, tt.kind)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("the proxy held the dial past the deadline")
			}
			if err != nil && !strings.Contains(err.Error(), addr) {
				t.Errorf("error %q should name the proxy", err)
			}
		})
	}
}

type addrPort struct {
	addrs []netip.Addr
	port  int
}

func mustAddrPort(t *testing.T, addr string) addrPort {
	t.Helper()
	ap := netip.MustParseAddrPort(addr)
	return addrPort{[]netip.Addr{ap.Addr()}, int(ap.Port())}
}
