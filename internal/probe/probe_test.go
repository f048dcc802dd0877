package probe

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func handshakeWith(t *testing.T, addr string, hc HandshakeConfig) (HandshakeResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ap := netip.MustParseAddrPort(addr)
	dr, err := Dial(ctx, &net.Dialer{}, []netip.Addr{ap.Addr()}, int(ap.Port()))
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return Handshake(ctx, dr.Conn, hc)
}

func TestClassifyHandshakeFailures(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	tls12 := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MaxVersion: tls.VersionTLS12})
	tests := []struct {
		name string
		addr string
		hc   HandshakeConfig
		kind string
	}{
		{"plain HTTP answer", testpeer.RawServer(t, func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		}), HandshakeConfig{ServerName: "localhost"}, facts.KindNotTLS},
		{"garbage", testpeer.RawServer(t, func(c net.Conn) {
			c.Write([]byte{0x16, 0x03, 0x03, 0xff, 0xff, 1, 2, 3})
		}), HandshakeConfig{ServerName: "localhost"}, facts.KindNotTLS},
		{"reset after the ClientHello", testpeer.RawServer(t, func(c net.Conn) {
			buf := make([]byte, 512)
			c.Read(buf)
			c.(*net.TCPConn).SetLinger(0) // close with RST
		}), HandshakeConfig{ServerName: "localhost"}, facts.KindReset},
		{"closed without a word", testpeer.RawServer(t, func(c net.Conn) {
			// Read the whole ClientHello, or the close turns into a reset.
			buf := make([]byte, 64<<10)
			c.Read(buf)
		}), HandshakeConfig{ServerName: "localhost"}, facts.KindClosed},
		{"version refused by the server", tls12, HandshakeConfig{ServerName: "localhost", MinVersion: tls.VersionTLS13}, facts.KindProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := handshakeWith(t, tt.addr, tt.hc)
			got := ClassifyTLS(err)
			if runtime.GOOS == "windows" && tt.kind == facts.KindReset && got == facts.KindClosed {
				// Wine sometimes turns the linger-0 close into an orderly
				// one; a reset, when it comes, must still read as one.
				t.Logf("ClassifyTLS(%v) = %q under Wine", err, got)
				return
			}
			if got != tt.kind {
				t.Errorf("ClassifyTLS(%v) = %q; want %q", err, got, tt.kind)
			}
		})
	}
}

func TestHandshakeCapsBytesRead(t *testing.T) {
	addr := testpeer.RawServer(t, func(c net.Conn) {
		// A handshake record header announcing a valid length, then an
		// endless stream: more than any certificate chain.
		junk := make([]byte, 16<<10)
		for i := 0; i < 200; i++ {
			if _, err := c.Write(append([]byte{0x16, 0x03, 0x03, 0x40, 0x00}, junk...)); err != nil {
				return
			}
		}
	})
	res, err := handshakeWith(t, addr, HandshakeConfig{ServerName: "localhost"})
	if err == nil {
		t.Fatal("handshake with a junk stream succeeded")
	}
	if res.BytesRead > MaxHandshakeBytes {
		t.Errorf("read %d bytes; the cap is %d", res.BytesRead, MaxHandshakeBytes)
	}
}

func TestAcceptedIsEnoughStopsEarly(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MaxVersion: tls.VersionTLS12})
	res, err := handshakeWith(t, addr, HandshakeConfig{ServerName: "localhost", MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, AcceptedIsEnough: true})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if res.State.Version != tls.VersionTLS12 || res.State.CipherSuite == 0 || len(res.Chain) != 1 {
		t.Errorf("state = version %x suite %x chain %d; want TLS 1.2 with a suite and the chain", res.State.Version, res.State.CipherSuite, len(res.Chain))
	}
}

func TestDialClassifiesRefused(t *testing.T) {
	ap := netip.MustParseAddrPort(testpeer.ClosedPort(t))
	_, err := Dial(context.Background(), &net.Dialer{}, []netip.Addr{ap.Addr()}, int(ap.Port()))
	if got := ClassifyNet(err); got != facts.KindRefused {
		t.Errorf("ClassifyNet(%v) = %q; want %q", err, got, facts.KindRefused)
	}
}

func TestDialFallsBackToTheNextAddress(t *testing.T) {
	ln := testpeer.Listen(t)
	port := testpeer.Port(t, ln.Addr().String())
	// 127.0.0.2 also routes to loopback on Linux but nothing listens there.
	dr, err := Dial(context.Background(), &net.Dialer{}, []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}, port)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer dr.Conn.Close()
	if !strings.HasPrefix(dr.Remote, "127.0.0.1:") || len(dr.Attempts) != 1 {
		t.Errorf("Dial = remote %s attempts %v; want 127.0.0.1 after one failed attempt", dr.Remote, dr.Attempts)
	}
}

func TestLookupIPLiteral(t *testing.T) {
	addrs, err := Lookup(context.Background(), nil, "192.0.2.7")
	if err != nil || len(addrs) != 1 || addrs[0].String() != "192.0.2.7" {
		t.Errorf("Lookup(IP literal) = %v, %v; want the address itself without a query", addrs, err)
	}
}

// fakeDialer answers each address as its table says: "ok", "refuse", or
// "hang" (until the context ends).
type fakeDialer map[string]string

func (f fakeDialer) DialContext(ctx context.Context, _, addr string) (net.Conn, error) {
	switch f[addr] {
	case "ok":
		c, s := net.Pipe()
		go func() { <-ctx.Done(); s.Close() }()
		return c, nil
	case "refuse":
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// Dial races the families as Chromium does: IPv6 first, IPv4 beside it
// after FallbackDelay, the next address at once after a failure.
func TestDialHappyEyeballs(t *testing.T) {
	v6, v6b, v4, v4b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	tests := []struct {
		name     string
		addrs    []netip.Addr
		answers  fakeDialer
		remote   string
		attempts []string // addr=kind, in the order they began
	}{
		{"dead IPv6 beside working IPv4", []netip.Addr{v6, v4}, fakeDialer{"[2001:db8::1]:443": "hang", "192.0.2.1:443": "ok"},
			"192.0.2.1:443", []string{"[2001:db8::1]:443=abandoned"}},
		{"IPv6 first whatever the resolver's order", []netip.Addr{v4, v6}, fakeDialer{"[2001:db8::1]:443": "ok", "192.0.2.1:443": "ok"},
			"[2001:db8::1]:443", nil},
		{"refused IPv6 moves on at once", []netip.Addr{v6, v4}, fakeDialer{"[2001:db8::1]:443": "refuse", "192.0.2.1:443": "ok"},
			"192.0.2.1:443", []string{"[2001:db8::1]:443=refused"}},
		{"one family: no fallback attempt, the next address after a failure", []netip.Addr{v4, v4b}, fakeDialer{"192.0.2.1:443": "refuse", "192.0.2.2:443": "ok"},
			"192.0.2.2:443", []string{"192.0.2.1:443=refused"}},
		{"every address refuses", []netip.Addr{v6, v6b, v4}, fakeDialer{"[2001:db8::1]:443": "refuse", "[2001:db8::2]:443": "refuse", "192.0.2.1:443": "refuse"},
			"", []string{"[2001:db8::1]:443=refused", "[2001:db8::2]:443=refused", "192.0.2.1:443=refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			dr, err := Dial(ctx, tt.answers, tt.addrs, 443)
			if dr.Conn != nil {
				dr.Conn.Close()
			}
			if tt.remote == "" && err == nil || tt.remote != "" && err != nil || dr.Remote != tt.remote {
				t.Errorf("Dial = %q, %v; want %q", dr.Remote, err, tt.remote)
			}
			var got []string
			for _, a := range dr.Attempts {
				got = append(got, a.Addr+"="+a.Kind)
			}
			if !slices.Equal(got, tt.attempts) {
				t.Errorf("attempts = %v; want %v", got, tt.attempts)
			}
		})
	}
}

// dropFirst is a resolver that loses the first query for each spelling it
// has not seen (as a UDP query is lost) and answers the next.
type dropFirst struct {
	mu    sync.Mutex
	asked []string
}

func (d *dropFirst) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	d.asked = append(d.asked, host)
	first := len(d.asked) == 1
	d.mu.Unlock()
	if first {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return []netip.Addr{netip.MustParseAddr("192.0.2.7")}, nil
}

// A lost query is asked again after a second, as the Windows DNS client
// does, spelled so that Go's resolver sends it anew.
func TestLookupRetriesALostQuery(t *testing.T) {
	d := &dropFirst{}
	addrs, err := Lookup(context.Background(), d, "a.example.test")
	if err != nil || len(addrs) != 1 {
		t.Fatalf("Lookup = %v, %v; want the retry's answer", addrs, err)
	}
	if want := []string{"a.example.test", "a.example.test."}; !slices.Equal(d.asked, want) {
		t.Errorf("asked %q; want %q", d.asked, want)
	}
}
