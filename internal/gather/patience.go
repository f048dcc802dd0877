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

// connectEvidence is what the run has seen of connect times: the slowest
// connect completed so far, shared by every endpoint.
type connectEvidence struct {
	mu      sync.Mutex
	slowest time.Duration
	grew    chan struct{} // closed when slowest grows, then replaced
}

// connected records a connect that took d.
func (c *connectEvidence) connected(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= c.slowest {
		return
	}
	c.slowest = d
	if c.grew != nil {
		close(c.grew)
		c.grew = nil
	}
}

// get returns the slowest connect so far and a channel closed when a
// slower one completes.
func (c *connectEvidence) get() (time.Duration, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.grew == nil {
		c.grew = make(chan struct{})
	}
	return c.slowest, c.grew
}

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
