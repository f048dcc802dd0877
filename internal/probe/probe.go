// Package probe performs the network steps of a diagnosis one at a time:
// a name lookup, a TCP connection, a TLS handshake. Each honours its
// context, so a run's deadline cuts it off, and each reports failures
// classified into the kinds in package facts. Probe knows nothing of
// profiles or checks; package gather decides what to run and when.
package probe

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Resolver looks up a host's addresses. *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer opens connections. *net.Dialer implements it; a proxy dialer can
// stand in for it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Lookup resolves host to its addresses. An IP literal resolves to itself
// without a query.
func Lookup(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no addresses in the answer", Name: host}
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// DialResult is where a Dial ended up.
type DialResult struct {
	Conn     net.Conn
	Remote   string   // the address that answered
	Attempts []string // each address tried and failed before, with its error
}

// Dial connects to port on the first of addrs that answers, in order. Each
// address but the last gets an equal share of the time left, so one
// silent address does not use up the whole deadline.
func Dial(ctx context.Context, d Dialer, addrs []netip.Addr, port int) (DialResult, error) {
	var res DialResult
	var lastErr error
	for i, a := range addrs {
		addr := net.JoinHostPort(a.String(), strconv.Itoa(port))
		actx, cancel := shareOfDeadline(ctx, len(addrs)-i)
		conn, err := d.DialContext(actx, "tcp", addr)
		cancel()
		if err == nil {
			res.Conn, res.Remote = conn, addr
			return res, nil
		}
		lastErr = err
		res.Attempts = append(res.Attempts, fmt.Sprintf("%s: %v", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	if lastErr == nil {
		lastErr = errors.New("no addresses to dial")
	}
	return res, lastErr
}

func shareOfDeadline(ctx context.Context, remaining int) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok || remaining <= 1 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Until(dl)/time.Duration(remaining))
}

// MaxHandshakeBytes caps what a handshake may read from a peer. A real
// chain is a few KiB and Go itself refuses certificate messages over 256
// KiB; a peer still talking after 1 MiB is hostile or not TLS.
const MaxHandshakeBytes = 1 << 20

// ErrTooLarge is returned when a peer sends more than MaxHandshakeBytes
// during a handshake.
var ErrTooLarge = fmt.Errorf("peer sent more than %d bytes during the TLS handshake", MaxHandshakeBytes)

// CountingConn counts the bytes through a connection and refuses to read
// more than a cap. Its counters are safe to read while it is in use.
type CountingConn struct {
	net.Conn
	read, written atomic.Int64
	limit         int64
}

// NewCountingConn wraps c; reads fail with ErrTooLarge past limit bytes
// (no limit when limit <= 0).
func NewCountingConn(c net.Conn, limit int64) *CountingConn {
	return &CountingConn{Conn: c, limit: limit}
}

func (c *CountingConn) Read(p []byte) (int, error) {
	if c.limit > 0 {
		left := c.limit - c.read.Load()
		if left <= 0 {
			return 0, ErrTooLarge
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *CountingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// BytesRead is how many bytes were read so far.
func (c *CountingConn) BytesRead() int64 { return c.read.Load() }

// BytesWritten is how many bytes were written so far.
func (c *CountingConn) BytesWritten() int64 { return c.written.Load() }

// VersionName spells a crypto/tls version the way profiles and reports do.
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	case tls.VersionSSL30: //nolint:staticcheck // named to report it, never offered
		return "SSL 3.0"
	}
	return fmt.Sprintf("0x%04x", v)
}

// AllCipherSuites is every suite crypto/tls implements, insecure ones
// included. Version probes offer them all so that an old server's
// acceptance of an old version is not hidden by a cipher mismatch.
func AllCipherSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// Certificate turns an x509 certificate into report facts.
func Certificate(c *x509.Certificate) facts.Certificate {
	sum := sha256.Sum256(c.Raw)
	return facts.Certificate{
		Subject:    c.Subject.String(),
		Issuer:     c.Issuer.String(),
		SubjectOrg: c.Subject.Organization,
		IssuerOrg:  c.Issuer.Organization,
		DNSNames:   c.DNSNames,
		NotBefore:  c.NotBefore.UTC(),
		NotAfter:   c.NotAfter.UTC(),
		IsCA:       c.IsCA,
		SHA256:     hex.EncodeToString(sum[:]),
	}
}
