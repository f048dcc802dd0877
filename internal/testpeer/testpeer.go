// Package testpeer starts real peers for tests: crypto/tls servers pinned
// to TLS versions, openssl s_server, listeners that never answer, DNS
// servers, and the certificates and profiles that go with them. Every
// helper owns its cleanup through t.Cleanup and listens on 127.0.0.1:0.
package testpeer

import (
	"cmp"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// PKI is a test certificate authority and one server certificate it issued.
type PKI struct {
	CA        *x509.Certificate
	CAFile    string // PEM of the CA, for --ca-file
	CAKeyFile string // PEM of the CA's key, for peers that sign (squid ssl-bump)
	CertFile  string // PEM of the server certificate
	KeyFile   string // PEM of the server key
	Cert      tls.Certificate
}

// NewPKI makes a CA named caName and a server certificate for names (DNS
// names or IP addresses), valid from notBefore to notAfter, and writes
// them as world-readable PEM files in dir (peers such as squid run as
// another user and must read them).
func NewPKI(t testing.TB, dir, caName string, notBefore, notAfter time.Time, names ...string) *PKI {
	t.Helper()
	caKey := mustKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: caName, Organization: []string{caName + " Org"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)

	key := mustKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &PKI{
		CA:        ca,
		CAKeyFile: filepath.Join(dir, "ca.key"),
		CAFile:    filepath.Join(dir, "ca.pem"),
		CertFile:  filepath.Join(dir, "server.pem"),
		KeyFile:   filepath.Join(dir, "server.key"),
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	writeFile(t, p.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	writeFile(t, p.CAKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER}))
	writeFile(t, p.CertFile, certPEM)
	writeFile(t, p.KeyFile, keyPEM)
	p.Cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// LocalPKI is NewPKI for localhost and 127.0.0.1, valid now.
func LocalPKI(t testing.TB) *PKI {
	t.Helper()
	now := time.Now()
	return NewPKI(t, TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), "localhost", "127.0.0.1")
}

func mustKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TempDir is t.TempDir, except that a failure to remove the directory at
// cleanup is logged rather than failing the test: Wine 8, which runs the
// Windows test binaries here, lacks the file-disposition call Go's
// RemoveAll uses on Windows.
func TempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "qadoctor-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("leaving %s behind: %v", dir, err)
		}
	})
	return dir
}

// Listen opens a TCP listener on 127.0.0.1:0, closed at cleanup.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Port returns the port of a "host:port" address.
func Port(t testing.TB, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// ServerOptions tune a TLS server.
type ServerOptions struct {
	MinVersion, MaxVersion uint16
	// Latency delays the server's answers: every write waits this long,
	// as one way of a round trip would. Zero is loopback speed.
	Latency time.Duration
	// Loss is the share (0 to 1) of connections whose first server flight
	// is "lost" and resent after a retransmission timeout (LossDelay,
	// default 200 ms, TCP's minimum RTO): how packet loss shows to an
	// application over TCP. Deterministic, so runs compare.
	Loss      float64
	LossDelay time.Duration
	// Mute, after the handshake, reads whatever the client sends and never
	// answers, until the client closes: a relay asked HEAD, or a server
	// that hangs after TLS.
	Mute bool
}

// TLSServer serves TLS with cert on 127.0.0.1:0 and returns its address.
// Each connection completes the handshake and is closed.
func TLSServer(t testing.TB, cert tls.Certificate, o ServerOptions) string {
	t.Helper()
	ln := Listen(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: o.MinVersion, MaxVersion: o.MaxVersion,
		NextProtos: []string{"h2", "http/1.1"}}
	var seq atomic.Int64
	serve(t, ln, func(c net.Conn) {
		if o.Latency > 0 || o.Loss > 0 {
			k := float64(seq.Add(1))
			lost := o.Loss > 0 && int(k*o.Loss) != int((k-1)*o.Loss)
			c = &slowConn{Conn: c, delay: o.Latency, lost: lost, lossDelay: cmp.Or(o.LossDelay, 200*time.Millisecond)}
			time.Sleep(o.Latency) // the SYN-ACK's way back
		}
		tc := tls.Server(c, cfg)
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		if tc.Handshake() != nil {
			return
		}
		if o.Mute {
			tc.SetDeadline(time.Time{})
			io.Copy(io.Discard, tc)
			return
		}
		// Let the client read its last flight before closing.
		buf := make([]byte, 1)
		tc.Read(buf)
	})
	return ln.Addr().String()
}

// slowConn delays each write, simulating latency on the server's sends;
// on a "lost" connection the first write waits a retransmission timeout
// more.
type slowConn struct {
	net.Conn
	delay     time.Duration
	lost      bool
	lossDelay time.Duration
}

func (c *slowConn) Write(p []byte) (int, error) {
	d := c.delay
	if c.lost {
		d += c.lossDelay
		c.lost = false
	}
	time.Sleep(d)
	return c.Conn.Write(p)
}

// SilentServer accepts connections and never sends a byte: a device that
// holds the connection without passing it on.
func SilentServer(t testing.TB) string {
	t.Helper()
	ln := Listen(t)
	serve(t, ln, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	return ln.Addr().String()
}

// RawServer accepts TCP connections on 127.0.0.1:0 and hands each to
// handle (a hostile or broken peer written byte by byte), closing it when
// handle returns; it returns the address. At cleanup every connection is
// closed and the handlers are waited for, so a handler that holds a
// connection should read until it is closed rather than sleep.
func RawServer(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln := Listen(t)
	serve(t, ln, handle)
	return ln.Addr().String()
}

// ClosedPort returns a loopback address where nothing listens.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// serve accepts on ln until cleanup, handling each connection in its own
// goroutine; cleanup closes the listener and every open connection.
func serve(t testing.TB, ln net.Listener, handle func(net.Conn)) {
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
}

// Endpoint is a profile endpoint in a test profile.
type Endpoint struct {
	Host     string   `json:"host"`
	Probe    string   `json:"probe,omitempty"`
	Port     int      `json:"port"`
	Required bool     `json:"required"`
	Purpose  string   `json:"purpose"`
	Issuers  []string `json:"issuers"`
	Role     string   `json:"role,omitempty"`
	Path     string   `json:"path,omitempty"`
	UDPPort  int      `json:"udp_port,omitempty"`
	Step     string   `json:"step,omitempty"` // where a person sees it fail (package leg)
}

// LocalEndpoint is a required endpoint at a loopback address "127.0.0.1:port",
// probed as localhost so the certificate's name matches.
func LocalEndpoint(t testing.TB, addr string) Endpoint {
	return Endpoint{Host: "localhost", Port: Port(t, addr), Required: true, Purpose: "test peer"}
}

// ProfileOptions are the profile fields beyond the endpoints.
type ProfileOptions struct {
	// NTPServers default to one closed loopback port, so a test that does
	// not ask for time servers never waits on the real ones.
	NTPServers   []string
	MaxClockSkew string
}

// WriteProfile writes a valid profile with endpoints and returns its path.
func WriteProfile(t testing.TB, endpoints ...Endpoint) string {
	t.Helper()
	return WriteProfileWith(t, ProfileOptions{}, endpoints...)
}

// WriteProfileWith writes a valid profile with endpoints and o.
func WriteProfileWith(t testing.TB, o ProfileOptions, endpoints ...Endpoint) string {
	t.Helper()
	if o.NTPServers == nil {
		o.NTPServers = []string{ClosedUDPPort(t)}
	}
	p := map[string]any{
		"schema":      1,
		"version":     "test",
		"source":      map[string]string{"title": "test", "url": "https://example.invalid/", "date": "2026-01-01"},
		"min_tls":     "1.2",
		"ntp_servers": o.NTPServers,
		"endpoints":   endpoints,
	}
	if o.MaxClockSkew != "" {
		p["max_clock_skew"] = o.MaxClockSkew
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(TempDir(t), "profile.json")
	writeFile(t, path, data)
	return path
}

// WaitListening waits until addr accepts TCP connections.
func WaitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New(addr + " did not start listening")
}

// HTTPOptions shape an HTTPS server's answers.
type HTTPOptions struct {
	Status int // 0: 200
	// DateSkew shifts the Date header from the real time: a server whose
	// clock is off (Go's own clock cannot be faked, so the server lies).
	DateSkew time.Duration
}

// HTTPSServer serves HTTPS with cert on 127.0.0.1:0, answering every
// request as o says, and returns its address.
func HTTPSServer(t testing.TB, cert tls.Certificate, o HTTPOptions) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if o.DateSkew != 0 {
			w.Header().Set("Date", time.Now().Add(o.DateSkew).UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(cmp.Or(o.Status, http.StatusOK))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// WebSocketServer serves WebSocket upgrades on path over TLS with cert on
// 127.0.0.1:0 (coder/websocket's server side, a real RFC 6455
// implementation), answers anything else with 426 Upgrade Required, and
// returns its address. An accepted socket stays open until the client
// closes it.
func WebSocketServer(t testing.TB, cert tls.Certificate, path string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			// What a WebSocket server says to a GET whose Upgrade a proxy
			// dropped (RFC 6455 section 4.2.2).
			w.Header().Set("Sec-WebSocket-Version", "13")
			http.Error(w, "this route only speaks WebSocket", http.StatusUpgradeRequired)
			return
		}
		// Any origin: the browser's page is a loopback one of qadoctor's.
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.Reader(r.Context()) // waits for the client to speak or close
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// HTTPServer serves body at path over plain HTTP on 127.0.0.1:0 and
// returns the URL of path (a PAC script, say).
func HTTPServer(t testing.TB, path, body string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		io.WriteString(w, body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + path
}

// InternetSettings is the system state of a Windows PC whose user's
// Internet Settings hold values (ProxyEnable, ProxyServer, AutoConfigURL…).
func InternetSettings(values map[string]winstate.Value) facts.System {
	h := winstate.NewHive()
	for name, v := range values {
		h.Set(winstate.KeyInetUser, name, v)
	}
	return winstate.Collect(h, "live", "", nil)
}
