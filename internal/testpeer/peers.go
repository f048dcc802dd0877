package testpeer

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// OpenSSLServer runs `openssl s_server` with cert and the extra args (for
// example "-tls1" to speak only TLS 1.0) on a loopback port and returns its
// address. It is a real TLS peer that nobody here wrote. openssl must be
// installed: scripts/test installs it.
func OpenSSLServer(t testing.TB, pki *PKI, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is not installed (scripts/test installs it): %v", err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		addr := ClosedPort(t)
		argv := append([]string{"s_server", "-accept", addr, "-cert", pki.CertFile, "-key", pki.KeyFile, "-www", "-quiet"}, args...)
		cmd := exec.Command(path, argv...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start openssl: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if err := WaitListening(addr, 5*time.Second); err == nil {
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })
			return addr
		}
		cmd.Process.Kill()
		<-exited
		t.Logf("openssl s_server on %s did not start (attempt %d): %s", addr, attempt+1, stderr.String())
	}
	t.Fatal("openssl s_server would not start")
	return ""
}

// DNSServer serves DNS on 127.0.0.1:0 with handler and returns its address.
// A handler that writes nothing leaves the query unanswered. It serves over
// TCP, which the Go resolver speaks as well as UDP: Wine 8, which runs the
// Windows test binaries, cannot open Go's UDP sockets (it lacks the
// SIO_UDP_CONNRESET ioctl).
func DNSServer(t testing.TB, handler dns.HandlerFunc) string {
	t.Helper()
	ln := Listen(t)
	started := make(chan struct{})
	srv := &dns.Server{Listener: ln, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

// Resolver is a pure-Go resolver that asks only the DNS server at addr,
// over TCP.
func Resolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
}

// Zone answers A queries from a table: a name mapped to an address answers
// it, to "NXDOMAIN" or "SERVFAIL" answers that rcode, to "SILENT" answers
// nothing, to "MALFORMED" answers bytes that are no DNS message. Unknown
// names get NXDOMAIN; AAAA queries get an empty answer.
func Zone(table map[string]string) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		m := new(dns.Msg)
		m.SetReply(r)
		// Names compare without case (RFC 4343), as a real server does:
		// the lookup's retries spell the name in capitals.
		v, ok := table[strings.ToLower(q.Name)]
		switch {
		case v == "SILENT":
			return
		case v == "MALFORMED":
			// The reply's ID, then a header cut short: the resolver takes it
			// for the answer and cannot parse it.
			w.Write([]byte{byte(r.Id >> 8), byte(r.Id), 0x81, 0x80, 0x00})
			return
		case !ok || v == "NXDOMAIN":
			m.Rcode = dns.RcodeNameError
		case v == "SERVFAIL":
			m.Rcode = dns.RcodeServerFailure
		case q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.ParseIP(v),
			})
		}
		w.WriteMsg(m)
	}
}

// Addr joins a host and port.
func Addr(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

// ntpAnswers sends one NTP client request and reports whether any reply came.
func ntpAnswers(addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	req := make([]byte, 48)
	req[0] = 0x23 // LI 0, version 4, mode 3 (client)
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Write(req); err != nil {
		return false
	}
	_, err = c.Read(make([]byte, 128))
	return err == nil
}

// freeUDPPort returns a loopback UDP port nothing listens on. Where UDP
// sockets cannot be opened (Go under Wine 8), a free TCP port's number
// stands in: the two port spaces are separate, and the same number is
// almost surely free in both.
func freeUDPPort(t testing.TB) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return Port(t, ClosedPort(t))
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// ClosedUDPPort returns "127.0.0.1:port" where no UDP socket listens.
func ClosedUDPPort(t testing.TB) string {
	return fmt.Sprintf("127.0.0.1:%d", freeUDPPort(t))
}

// MuteToOldHellos stands in front of the server at upstream and drops
// every hello older than TLS 1.2 without a word (no alert, the connection
// held open), as a server or a device in front of it may; newer hellos
// and all that follows go to upstream unchanged.
func MuteToOldHellos(t testing.TB, upstream string) string {
	t.Helper()
	return RawServer(t, func(c net.Conn) {
		// A record header (5 bytes), then the ClientHello's type and
		// length (4) and its legacy_version (2): 0x0303 for TLS 1.2 and
		// 1.3 (RFC 8446 section 4.1.2), less for older ones.
		head := make([]byte, 11)
		if _, err := io.ReadFull(c, head); err != nil {
			return
		}
		if binary.BigEndian.Uint16(head[9:]) < tls.VersionTLS12 {
			io.Copy(io.Discard, c) // until the client gives up
			return
		}
		up, err := net.Dial("tcp", upstream)
		if err != nil {
			return
		}
		defer up.Close()
		if _, err := up.Write(head); err != nil {
			return
		}
		go func() {
			io.Copy(c, up)
			c.Close()
		}()
		io.Copy(up, c)
	})
}
