package gather

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qadoctor/qadoctor/internal/probe"
)

// The TCP connect's own bound: patience from evidence. A firewall that
// drops the SYNs to one address (the usual way a company blocks a
// destination, and how many block Quick Assist) answers nothing; without a
// bound of its own the connect would hold the run to its deadline while
// every other endpoint answered in well under a second.

// SYNSchedule is when an operating system sends a connection's SYNs: the
// first at once; while no SYN-ACK comes, a retransmission after
// InitialRTO, the first Linear of the following ones InitialRTO apart too,
// then each wait twice the one before; after Retries retransmissions
// connect gives up.
type SYNSchedule struct {
	InitialRTO time.Duration
	Linear     int // retransmissions after the first that wait InitialRTO too
	Retries    int // retransmissions in all
}

// The schedules qadoctor knows.
//
// RFC 6298 section 2.1: until a round trip has been measured, the RTO is
// 1 second (RFC 2988 had 3); section 5.5 doubles it on each expiry.
//
// Linux: the initial RTO is 1 s (TCP_TIMEOUT_INIT); tcp_syn_retries
// defaults to 6: SYNs at 0, 1, 3, 7, 15, 31 and 63 s, and connect gives up
// at 127 s (Documentation/networking/ip-sysctl.rst). Kernels with
// tcp_syn_linear_timeouts (netdev, 2023-05-09, "tcp: make the first N SYN
// RTO backoffs linear": default 4, macOS's and iOS's schedule; 4 on the
// 6.18 kernel the tests run on) retransmit that many more times, 1 s
// apart, before doubling: SYNs at 0, 1, 2, 3, 4, 5, 7, 11 … 67 s, giving
// up at 131 s. ReadLinuxSYNs reads both from the running kernel: they are
// per network namespace.
//
// Windows: TcpMaxConnectRetransmissions defaults to 2 and TcpInitialRTT to
// 3 s, doubling, so connect gives up at 21 s (Microsoft's registry
// references for Windows 2000 and Server 2003: learn.microsoft.com
// previous-versions cc938209, cc938207, cc758896). Since Windows 8 and
// Server 2012 the initial RTO is set per socket (SIO_TCP_INITIAL_RTO) and
// per TCP template (Set-NetTCPSetting -InitialRtoMs, 300 to 3000 ms), and
// no Microsoft page found gives today's default. 1 s is what others
// measured on current Windows: nmap's maintainers ("initial timeout is 1
// second", github.com/nmap/nmap/issues/2113), and a CI project timing
// connects to a black-holed address on GitHub's Windows runners, 7.0 s
// with MaxSynRetransmissions 2 and 21.0 s with the 4 they ship
// (github.com/SciQLop/speasy/pull/344). WindowsSYNs takes 1 s and the
// documented 2 retransmissions; the retransmissions only change the count
// of SYNs past 7 s, beyond any bound here but the deadline.
var (
	RFC6298SYNs = SYNSchedule{InitialRTO: time.Second, Retries: 6}
	LinuxSYNs   = SYNSchedule{InitialRTO: time.Second, Retries: 6}
	WindowsSYNs = SYNSchedule{InitialRTO: time.Second, Retries: 2}
)

// Retransmission is when the i-th retransmission (from 1) leaves, from
// the first SYN.
func (s SYNSchedule) Retransmission(i int) time.Duration {
	var at time.Duration
	for k := 1; k <= i; k++ {
		wait := s.InitialRTO
		if k > s.Linear+1 {
			wait <<= k - s.Linear - 1
		}
		at += wait
	}
	return at
}

// Sent is how many SYNs the schedule has sent before t: the first, and
// each retransmission due before t. A SYN due at t has had no time to be
// answered, so it does not count.
func (s SYNSchedule) Sent(t time.Duration) int {
	if t <= 0 {
		return 0
	}
	n := 1
	for i := 1; i <= s.Retries && s.Retransmission(i) < t; i++ {
		n++
	}
	return n
}

// ownSYNSchedule is this machine's schedule.
func ownSYNSchedule() SYNSchedule {
	switch runtime.GOOS {
	case "linux":
		return ReadLinuxSYNs(os.ReadFile)
	case "windows":
		return WindowsSYNs
	}
	return RFC6298SYNs
}

// ReadLinuxSYNs reads the running kernel's schedule from its sysctls with
// read (os.ReadFile): tcp_syn_retries, and tcp_syn_linear_timeouts where
// the kernel has it (the retransmissions are both together). A value it
// cannot read keeps LinuxSYNs'.
func ReadLinuxSYNs(read func(string) ([]byte, error)) SYNSchedule {
	s := LinuxSYNs
	sysctl := func(name string) (int, bool) {
		b, err := read("/proc/sys/net/ipv4/" + name)
		if err != nil {
			return 0, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		return n, err == nil && n >= 0 && n <= 255
	}
	if n, ok := sysctl("tcp_syn_retries"); ok {
		s.Retries = n
	}
	if n, ok := sysctl("tcp_syn_linear_timeouts"); ok {
		s.Linear = n
		s.Retries += n
	}
	return s
}

// When a SYN is deemed dropped, decided here and nowhere else: when the
// first retransmission (which leaves InitialRTO after the first SYN) has
// gone unanswered as long as an answer over this path could take. That
// is the longest of SlowPathRTT; EvidenceFactor times the slowest connect
// this run completed to any address (a connect is one round trip); and
// EvidenceFactor times the resolver's answer for this endpoint's name (a
// slow path slows both: a satellite link carries the DNS query too).
// SlowPathRTT covers a geostationary satellite's round trip (4 × 35,786 km
// at the speed of light is 477 ms; about 600 ms with the ground) and its
// queues; EvidenceFactor leaves room for an endpoint behind a slower path
// than any the run saw (another region, another front door).
//
// So a SYN and its retransmission both went unanswered, on any path the
// run has seen: a 600 ms path is never called a drop, not even when it
// loses its first SYN and connects at 1.6 s, while beside endpoints that
// answer within half a second a dropped SYN is concluded 2 to 2.5 s after
// it left instead of at the deadline. The bound is worked out again each
// time a slower connect completes, so it grows while the run learns its
// paths are slow. The run's deadline stays the hard cap: a connect it cuts
// is a timeout, not a drop.
const (
	SlowPathRTT    = time.Second
	EvidenceFactor = 3
)

// DroppedAfter is how long a connect waits for a SYN-ACK before its SYNs
// are deemed dropped, on schedule s, given the slowest connect the run
// completed so far and the resolver's answer time for the endpoint's name
// (0 when unknown).
func DroppedAfter(s SYNSchedule, slowestConnect, dnsAnswer time.Duration) time.Duration {
	return s.Retransmission(1) + max(SlowPathRTT, EvidenceFactor*slowestConnect, EvidenceFactor*dnsAnswer)
}

// slowest is the slowest time of one kind the run has seen so far, shared
// by every endpoint, and a channel closed when it grows.
type slowest struct {
	mu   sync.Mutex
	d    time.Duration
	grew chan struct{} // closed when d grows, then replaced
}

// saw records a time of d.
func (s *slowest) saw(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= s.d {
		return
	}
	s.d = d
	if s.grew != nil {
		close(s.grew)
		s.grew = nil
	}
}

// get returns the slowest so far and a channel closed when a slower one
// is seen.
func (s *slowest) get() (time.Duration, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.grew == nil {
		s.grew = make(chan struct{})
	}
	return s.d, s.grew
}

// connectEvidence is what the run has seen of its paths, shared by every
// endpoint: the slowest connect completed so far (the embedded slowest,
// for DroppedAfter), the slowest TLS handshake completed (any endpoint's,
// its chain's or a version probe's), and the slowest answer an exchange
// after a handshake gave (HEAD, the upgrade, the TURN Allocate).
type connectEvidence struct {
	slowest
	handshakes slowest
	answers    slowest
}

// connected records a connect that took d.
func (c *connectEvidence) connected(d time.Duration) { c.saw(d) }

// patientDialer bounds each TCP connect with DroppedAfter, worked out
// again whenever the run sees a slower connect, and records each connect
// that completes as evidence for the others. Only direct connections take
// it: through a proxy, the proxy's own connect is what waits.
type patientDialer struct {
	base     probe.Dialer
	evidence *connectEvidence
	syns     SYNSchedule
	dns      time.Duration // the resolver's answer time for this endpoint's name
}

func (d patientDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	start := time.Now()
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := d.base.DialContext(dctx, network, addr)
		done <- result{c, err}
	}()
	for {
		slowest, grew := d.evidence.get()
		bound := DroppedAfter(d.syns, slowest, d.dns)
		timer := time.NewTimer(bound - time.Since(start))
		select {
		case res := <-done:
			timer.Stop()
			if res.err == nil {
				d.evidence.connected(time.Since(start))
			}
			return res.conn, res.err
		case <-grew:
			timer.Stop()
			continue // a slower path was seen: work the bound out again
		case <-timer.C:
		}
		stop()
		res := <-done
		switch {
		case res.err == nil:
			// It connected as the bound passed.
			d.evidence.connected(time.Since(start))
			return res.conn, nil
		case ctx.Err() != nil || !errors.Is(res.err, context.Canceled):
			// The deadline, another address winning, or the peer's own
			// answer (a refusal) came at the same time: that is what
			// ended it.
			return nil, res.err
		}
		return nil, &probe.DroppedError{Addr: addr, After: bound, SYNs: d.syns.Sent(bound), Err: res.err}
	}
}

// The bounds after the connect: the TLS handshake's, the version probes'
// and the exchange's, each decided here and nowhere else. A silent peer
// (a relay that completes TLS and then says nothing, a server that drops
// a TLS 1.0 hello without an alert) is concluded silent once an answer
// over its path, by the evidence, would have come: the run's deadline
// stays the hard cap, and a step it cuts is a cut-off, not "no answer".
//
// Evidence comes in two kinds. The endpoint's own (its TCP connect, its
// chain, the answers its server gave to other hellos) says how fast this
// path and this server answer; the run's (the slowest handshake any
// endpoint completed, the slowest answer any exchange gave) says how slow
// a path or a server of this run can be, and only ever lengthens a bound.
// A bound is worked out again each time the evidence changes, also while
// it is waiting (patiently), so a probe started before the first answers
// came shortens or lengthens its wait as they come.
//
// RetransmitFloor is what a lost segment adds to an answer: it is sent
// again after the sender's retransmission timeout, at least 200 ms on
// Linux (TCP_RTO_MIN, include/net/tcp.h) and 300 ms on Windows (MinRtoMs
// of Set-NetTCPSetting: 300 in the Internet template as Get-NetTCPSetting
// shows it; no Microsoft page found gives the default), and on a fast
// path it is that minimum. So every bound with evidence waits at least
// RetransmitFloor beyond the answer the evidence expects (lostFlight): an
// answer that lost a segment once still comes in time; on a slow path the
// evidence itself is slow and the bound grows with it.
const RetransmitFloor = 300 * time.Millisecond

// lostFlight is how long an answer that takes answer takes when one of
// its segments is lost once.
func lostFlight(answer time.Duration) time.Duration { return RetransmitFloor + answer }

// HandshakeBound is the bound of the endpoint's own TLS handshake after a
// TCP connection that took tcp: the handshake is one or two round trips
// (RFC 8446 section 2; TLS 1.2 two) and the server's signature, where the
// TCP connection was one round trip, so HandshakeFactor × tcp leaves room
// for a busy server and a retransmitted flight. MinHandshakeBound covers a
// lost flight on a fast path (Linux's first retransmission waits at least
// 200 ms, Windows' 300 ms, and doubles each time) before anything of this
// server is known; MaxHandshakeBound keeps a device that holds the
// handshake from holding the run, so the follow-up probes that say why
// still fit in the deadline.
const (
	HandshakeFactor   = 8
	MinHandshakeBound = 2 * time.Second
	MaxHandshakeBound = 6 * time.Second
)

// HandshakeBound is the bound of the handshake after a connection that
// took tcp.
func HandshakeBound(tcp time.Duration) time.Duration {
	return min(max(HandshakeFactor*tcp, MinHandshakeBound), MaxHandshakeBound)
}

// VersionBound is the bound of a version probe's handshake (one hello
// pinned to one TLS version, on its own connection), from the probe's own
// TCP connect (tcp), the slowest answer this endpoint's server gave to
// another hello so far (ownAnswer: the chain's handshake or another
// version probe, accepted or refused with an alert; 0 while none has
// come), and the slowest handshake the run has completed.
//
// A server that answered a TLS 1.2 hello in T answers a TLS 1.0 one as
// fast, accepting it or refusing it with a few-byte alert, so the longer
// of AnswerFactor × T and T after a lost flight (lostFlight) is as long
// as an answer can take; one that stays silent past that is not going to
// answer. Until the server has answered anything the bound is the
// handshake's own (HandshakeBound): a server slow to answer every hello
// is not silent. The run's slowest handshake only lengthens it: a run
// whose paths are slow waits as long as a handshake over them took.
func VersionBound(tcp, ownAnswer, slowestHandshake time.Duration) time.Duration {
	floor := MinHandshakeBound
	if ownAnswer > 0 {
		floor = max(lostFlight(ownAnswer), AnswerFactor*ownAnswer)
	}
	return min(max(floor, HandshakeFactor*tcp, slowestHandshake), MaxHandshakeBound)
}

// AnswerFactor is how many times the slowest answer seen an answer to the
// same question may take: room for a busy server.
const AnswerFactor = 4

// ExchangeBound is the bound of the application exchange after the
// handshake (HEAD, the WebSocket upgrade, the TURN Allocate), on the same
// connection, from this endpoint's own chain (TCP and TLS, 0 when
// unknown), the slowest answer any endpoint's exchange gave in this run,
// and the slowest handshake the run has completed.
//
// A server that finished TCP and TLS in T answers a request in about the
// same time (one round trip and its own work, where the chain took three
// or four round trips), so ExchangeBoundFactor × T leaves room for a busy
// server; EvidenceFactor × the slowest answer of the run leaves room for
// a server busier than any the run saw (a service's front ends answer
// alike); the slowest handshake is several round trips on the slowest
// path seen, more than one answer over it takes. lostFlight(T) covers a
// lost segment on a fast path (the chain is longer than one round trip);
// with no evidence at all the bound is
// MinExchangeBound. MaxExchangeBound keeps a server that will not answer
// this question (a relay asked HEAD, a channel that waits for the client
// to speak first) from holding the run to its deadline: a healthy
// Microsoft front end answers in well under a second (REFERENCE.md's
// measured chains are 60-300 ms).
const (
	ExchangeBoundFactor = 4
	MinExchangeBound    = time.Second
	MaxExchangeBound    = 3 * time.Second
)

// ExchangeBound is the bound of the exchange after a chain that took
// chain, given the run's slowest exchange answer and handshake so far.
func ExchangeBound(chain, slowestAnswer, slowestHandshake time.Duration) time.Duration {
	floor := lostFlight(chain)
	if chain <= 0 {
		floor = MinExchangeBound
	}
	return min(max(floor, ExchangeBoundFactor*chain, EvidenceFactor*slowestAnswer, slowestHandshake), MaxExchangeBound)
}

// FollowUpBound is the bound of each follow-up handshake after the
// endpoint's own was reset, closed or went unanswered (followUps): that
// server has given no answer to learn from, so it is the exchange's rule
// on the TCP connect alone, at least MinExchangeBound.
func FollowUpBound(tcp time.Duration) time.Duration {
	return min(max(ExchangeBoundFactor*tcp, MinExchangeBound), MaxExchangeBound)
}

// boundFunc works a bound out from the evidence so far, with channels
// closed when that evidence changes (a nil one never is).
type boundFunc func() (time.Duration, <-chan struct{}, <-chan struct{})

// patiently runs fn for as long as bound allows, from now: bound is
// worked out again each time one of the channels it returns closes (the
// evidence changed), and when the time since
// the start passes it, fn's context is cancelled. byBound says the bound,
// rather than ctx (the run's deadline), ended fn; applied is the bound
// that held last.
func patiently(ctx context.Context, bound boundFunc, fn func(context.Context) error) (byBound bool, applied time.Duration, err error) {
	start := time.Now()
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type verdict struct {
		bound time.Duration
		cut   bool
	}
	done := make(chan struct{})
	out := make(chan verdict, 1)
	go func() {
		for {
			b, grewA, grewB := bound()
			timer := time.NewTimer(b - time.Since(start))
			select {
			case <-done:
				timer.Stop()
				out <- verdict{b, false}
				return
			case <-grewA:
				timer.Stop()
				continue
			case <-grewB:
				timer.Stop()
				continue
			case <-timer.C:
				cancel()
				out <- verdict{b, true}
				return
			}
		}
	}()
	err = fn(pctx)
	close(done)
	v := <-out
	return err != nil && v.cut && ctx.Err() == nil, v.bound, err
}
