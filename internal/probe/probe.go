// Package probe performs the network steps of a diagnosis one at a time:
// a name lookup, a TCP connection, a TLS handshake. Each honours its
// context, so a run's deadline cuts it off, and each reports failures
// classified into the kinds in package facts. Probe knows nothing of
// profiles or checks; package gather decides what to run and when.
package probe

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// LookupRetries are when a lookup without an answer is asked again,
// beside the tries before it: the Windows DNS client waits one second for
// its preferred server, then asks again and waits longer ("DNS client
// resolution timeouts", Microsoft Learn: 1, 2 and 4 seconds), where a
// resolver reading resolv.conf waits five. A lost UDP query then costs
// about what it costs Quick Assist.
var LookupRetries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// Lookup resolves host to its addresses. An IP literal resolves to itself
// without a query. A lookup still unanswered is asked again at each of
// LookupRetries, beside the tries before, and the first answer wins.
func Lookup(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	spellings := retrySpellings(host)
	addrs, err := hedged(ctx, LookupRetries, func(ctx context.Context, try int) ([]netip.Addr, error) {
		return r.LookupNetIP(ctx, "ip", spellings[try%len(spellings)])
	})
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

// retrySpellings are ways to write host that ask DNS the same question:
// as given, rooted, and in capitals (names compare without case, RFC 4343).
// Go's resolver merges lookups of one spelling in flight, so each retry
// must be spelled anew to go out as a query of its own.
func retrySpellings(host string) []string {
	bare := strings.TrimSuffix(host, ".")
	upper := strings.ToUpper(bare)
	return []string{host, bare + ".", upper, upper + "."}
}

// hedged runs ask, and again beside the tries before at each of after
// while none has answered; the first answer wins and the others are
// cancelled. try numbers the tries from 0.
func hedged[T any](ctx context.Context, after []time.Duration, ask func(ctx context.Context, try int) (T, error)) (T, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	answers := make(chan answer, len(after)+1)
	start := func(try int) {
		go func() {
			v, err := ask(ctx, try)
			answers <- answer{v, err}
		}()
	}
	start(0)
	begun := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for try := 1; ; try++ {
		next := timer.C
		if try <= len(after) {
			timer.Reset(time.Until(begun.Add(after[try-1])))
		} else {
			next = nil // no tries left: wait for an answer
		}
		select {
		case a := <-answers:
			return a.v, a.err
		case <-next:
			start(try)
		}
	}
}

// DialResult is where a Dial ended up.
type DialResult struct {
	Conn     net.Conn
	Remote   string          // the address that answered
	Attempts []facts.Attempt // every other address tried: failed, or abandoned when another answered first
}

// FallbackDelay is how long a connection to the first address family gets
// before one to the other family starts beside it: Chromium's
// kIPv6FallbackTime (net/socket/tcp_connect_job.h, earlier
// transport_connect_job.h: "base::Milliseconds(300)"), which WebView2 and
// so Quick Assist inherit. RFC 8305 section 5 recommends 250 ms.
const FallbackDelay = 300 * time.Millisecond

// Dial connects to port on one of addrs the way Chromium does (Happy
// Eyeballs): IPv6 addresses first, each family in the resolver's order;
// the next address after a failure; and, when the first attempt has not
// connected within FallbackDelay and both families are there, a second
// attempt preferring IPv4 beside it. No address is tried twice, the
// first connection wins, the others are abandoned (and recorded so), and
// a total failure returns the last error. Within one attempt each address
// gets an equal share of the time left, so one silent address does not
// use up the deadline.
func Dial(ctx context.Context, d Dialer, addrs []netip.Addr, port int) (DialResult, error) {
	if len(addrs) == 0 {
		return DialResult{}, errors.New("no addresses to dial")
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &race{d: d, port: port, untried: slices.Clone(addrs), start: start}
	primary := preferring(addrs, true)
	fallback := preferring(addrs, false)
	both := primary[0].Is4() != fallback[0].Is4()

	type outcome struct {
		conn   net.Conn
		remote string
		err    error
	}
	results := make(chan outcome, 2)
	run := func(order []netip.Addr) {
		conn, remote, err := r.walk(ctx, order)
		results <- outcome{conn, remote, err}
	}
	go run(primary)
	running := 1
	var timer <-chan time.Time
	if both {
		t := time.NewTimer(FallbackDelay)
		defer t.Stop()
		timer = t.C
	}
	var lastErr error
	for running > 0 {
		select {
		case <-timer:
			timer = nil
			if r.left() > 0 {
				go run(fallback)
				running++
			}
		case o := <-results:
			running--
			if o.err == nil {
				r.mu.Lock()
				r.won = true
				r.mu.Unlock()
				cancel() // the other attempt, if any, is abandoned
				for ; running > 0; running-- {
					if late := <-results; late.conn != nil {
						late.conn.Close()
					}
				}
				return DialResult{Conn: o.conn, Remote: o.remote, Attempts: r.record(o.remote)}, nil
			}
			lastErr = o.err
			if running == 0 && timer != nil && r.left() > 0 && ctx.Err() == nil {
				// The first attempt failed through before the fallback was
				// due: the other family goes now.
				timer = nil
				go run(fallback)
				running++
			}
		}
	}
	return DialResult{Attempts: r.record("")}, lastErr
}

// preferring orders addrs with one family first, IPv6 when v6 is true,
// each family in the resolver's order.
func preferring(addrs []netip.Addr, v6 bool) []netip.Addr {
	out := make([]netip.Addr, 0, len(addrs))
	for _, want := range []bool{v6, !v6} {
		for _, a := range addrs {
			if a.Is6() == want {
				out = append(out, a)
			}
		}
	}
	return out
}

// race is the state the attempts of one Dial share.
type race struct {
	d     Dialer
	port  int
	start time.Time

	mu       sync.Mutex
	untried  []netip.Addr
	attempts []facts.Attempt
	inFlight map[string]time.Time
	won      bool // an address connected: attempts still waiting are abandoned
}

// left is how many addresses no attempt has taken yet.
func (r *race) left() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.untried)
}

// take removes the first untried address in order.
func (r *race) take(order []netip.Addr) (netip.Addr, int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range order {
		if i := slices.Index(r.untried, a); i >= 0 {
			r.untried = slices.Delete(r.untried, i, i+1)
			return a, len(r.untried) + 1, true
		}
	}
	return netip.Addr{}, 0, false
}

// walk tries the untried addresses in order until one connects.
func (r *race) walk(ctx context.Context, order []netip.Addr) (net.Conn, string, error) {
	var lastErr error
	for ctx.Err() == nil {
		a, remaining, ok := r.take(order)
		if !ok {
			break
		}
		addr := net.JoinHostPort(a.String(), strconv.Itoa(r.port))
		r.begin(addr)
		actx, cancel := shareOfDeadline(ctx, remaining)
		conn, err := r.d.DialContext(actx, "tcp", addr)
		cancel()
		if err == nil {
			return conn, addr, nil
		}
		r.failed(addr, err)
		lastErr = err
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	if lastErr == nil {
		lastErr = errors.New("no addresses left to dial")
	}
	return nil, "", lastErr
}

func (r *race) begin(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight == nil {
		r.inFlight = map[string]time.Time{}
	}
	r.inFlight[addr] = time.Now()
}

// failed records an address that did not connect: abandoned if another
// had connected by then.
func (r *race) failed(addr string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	abandoned := r.won
	began := r.inFlight[addr]
	delete(r.inFlight, addr)
	a := facts.Attempt{Addr: addr, StartMS: msSince(r.start, began), DurationMS: msSince(began, time.Now()), Kind: ClassifyNet(err), Error: err.Error()}
	if abandoned {
		a.Kind, a.Error = facts.KindAbandoned, ""
	}
	r.attempts = append(r.attempts, a)
}

// record is every attempt but the winner's, in the order they began.
func (r *race) record(winner string) []facts.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for addr, began := range r.inFlight {
		if addr != winner {
			r.attempts = append(r.attempts, facts.Attempt{Addr: addr, StartMS: msSince(r.start, began), DurationMS: msSince(began, now), Kind: facts.KindAbandoned})
		}
	}
	out := slices.Clone(r.attempts)
	slices.SortStableFunc(out, func(a, b facts.Attempt) int { return cmp.Compare(a.StartMS, b.StartMS) })
	return out
}

func msSince(from, to time.Time) float64 {
	return math.Round(float64(to.Sub(from).Microseconds())) / 1000
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
	firstFlight   atomic.Int64 // bytes written before the first byte was read; -1 until then
	limit         int64
}

// NewCountingConn wraps c; reads fail with ErrTooLarge past limit bytes
// (no limit when limit <= 0).
func NewCountingConn(c net.Conn, limit int64) *CountingConn {
	cc := &CountingConn{Conn: c, limit: limit}
	cc.firstFlight.Store(-1)
	return cc
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
	if n > 0 {
		c.firstFlight.CompareAndSwap(-1, c.written.Load())
	}
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

// FirstFlight is how many bytes were written before the peer's first
// byte arrived (for a TLS client, its ClientHello), or all written so far
// if none has.
func (c *CountingConn) FirstFlight() int64 {
	if n := c.firstFlight.Load(); n >= 0 {
		return n
	}
	return c.written.Load()
}

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
