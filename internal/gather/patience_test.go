package gather_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

// linuxLinear is a kernel with tcp_syn_linear_timeouts = 4 (its default).
var linuxLinear = gather.SYNSchedule{InitialRTO: s, Linear: 4, Retries: 10}

func TestSYNSchedule(t *testing.T) {
	tests := []struct {
		name  string
		s     gather.SYNSchedule
		after time.Duration
		sent  int
	}{
		{"Linux: the first SYN alone before 1 s", gather.LinuxSYNs, 999 * ms, 1},
		{"Linux: 0 and 1 s before 2 s", gather.LinuxSYNs, 2 * s, 2},
		{"Linux: 0, 1 and 3 s before 3.5 s", gather.LinuxSYNs, 3500 * ms, 3},
		{"Linux: all 7 before it gives up at 127 s", gather.LinuxSYNs, 127 * s, 7},
		{"Linux, linear: the SYN due at 2 s not yet counted", linuxLinear, 2 * s, 2},
		{"Linux, linear: 0, 1 and 2 s before 2.1 s", linuxLinear, 2100 * ms, 3},
		{"Linux, linear: all 11 before it gives up at 131 s", linuxLinear, 131 * s, 11},
		{"Windows: 0 and 1 s before 2 s", gather.WindowsSYNs, 2 * s, 2},
		{"Windows: 0, 1 and 3 s, then no more", gather.WindowsSYNs, 15 * s, 3},
		{"nothing before the start", gather.LinuxSYNs, 0, 0},
	}
	for _, tt := range tests {
		if got := tt.s.Sent(tt.after); got != tt.sent {
			t.Errorf("%s: %+v.Sent(%s) = %d; want %d", tt.name, tt.s, tt.after, got, tt.sent)
		}
	}
	// The documented last retransmissions: 63 s (ip-sysctl.rst before the
	// linear timeouts), 67 s with them.
	for _, tt := range []struct {
		s    gather.SYNSchedule
		i    int
		want time.Duration
	}{
		{gather.LinuxSYNs, 1, s}, {gather.LinuxSYNs, 2, 3 * s}, {gather.LinuxSYNs, 6, 63 * s},
		{linuxLinear, 5, 5 * s}, {linuxLinear, 6, 7 * s}, {linuxLinear, 10, 67 * s},
	} {
		if got := tt.s.Retransmission(tt.i); got != tt.want {
			t.Errorf("%+v.Retransmission(%d) = %s; want %s", tt.s, tt.i, got, tt.want)
		}
	}
}

func TestReadLinuxSYNs(t *testing.T) {
	sysctls := func(m map[string]string) func(string) ([]byte, error) {
		return func(path string) ([]byte, error) {
			if v, ok := m[path]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		}
	}
	const retries, linear = "/proc/sys/net/ipv4/tcp_syn_retries", "/proc/sys/net/ipv4/tcp_syn_linear_timeouts"
	tests := []struct {
		name string
		m    map[string]string
		want gather.SYNSchedule
	}{
		{"a kernel with linear timeouts", map[string]string{retries: "6\n", linear: "4\n"}, linuxLinear},
		{"an older kernel", map[string]string{retries: "6\n"}, gather.LinuxSYNs},
		{"tuned down", map[string]string{retries: "2\n", linear: "0\n"}, gather.SYNSchedule{InitialRTO: s, Retries: 2}},
		{"unreadable", nil, gather.LinuxSYNs},
		{"not a number", map[string]string{retries: "six\n"}, gather.LinuxSYNs},
	}
	for _, tt := range tests {
		if got := gather.ReadLinuxSYNs(sysctls(tt.m)); got != tt.want {
			t.Errorf("%s: ReadLinuxSYNs = %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

func TestDroppedAfter(t *testing.T) {
	tests := []struct {
		name         string
		s            gather.SYNSchedule
		slowest, dns time.Duration
		want         time.Duration
	}{
		{"nothing seen yet: the first retransmission and a second for its answer", gather.LinuxSYNs, 0, 0, 2 * s},
		{"the same on Windows", gather.WindowsSYNs, 0, 0, 2 * s},
		{"the same with linear timeouts", linuxLinear, 0, 0, 2 * s},
		{"loopback-fast evidence changes nothing", gather.LinuxSYNs, 300 * time.Microsecond, ms, 2 * s},
		{"endpoints that answered within 0.5 s", gather.LinuxSYNs, 500 * ms, 20 * ms, 2500 * ms},
		{"a satellite path seen (600 ms)", gather.LinuxSYNs, 600 * ms, 0, 2800 * ms},
		{"a slow resolver for this name", gather.LinuxSYNs, 0, 700 * ms, 3100 * ms},
		{"a connect that lost its first SYN on a satellite path", gather.LinuxSYNs, 1600 * ms, 0, 5800 * ms},
	}
	for _, tt := range tests {
		if got := gather.DroppedAfter(tt.s, tt.slowest, tt.dns); got != tt.want {
			t.Errorf("%s: DroppedAfter(%+v, %s, %s) = %s; want %s", tt.name, tt.s, tt.slowest, tt.dns, got, tt.want)
		}
	}
	// Whatever the run has seen, a 600 ms path that loses its first SYN
	// (connected by the first retransmission's answer, at 1.6 s) is not a
	// drop.
	for _, sched := range []gather.SYNSchedule{gather.LinuxSYNs, linuxLinear, gather.WindowsSYNs} {
		lossySatellite := sched.Retransmission(1) + 600*ms
		if got := gather.DroppedAfter(sched, 0, 0); got <= lossySatellite {
			t.Errorf("DroppedAfter(%+v, 0, 0) = %s; want more than %s (a 600 ms path that lost its first SYN)", sched, got, lossySatellite)
		}
	}
}

// gatedDialer connects to the loopback ports in delay after waiting that
// long (a path that slow), and never to those in silent (a firewall that
// drops their SYNs): it waits until its context ends.
type gatedDialer struct {
	delay  map[string]time.Duration
	silent map[string]bool
}

func (g gatedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, _ := net.SplitHostPort(addr)
	if g.silent[port] {
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	select {
	case <-time.After(g.delay[port]):
	case <-ctx.Done():
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// ipProfile is a profile of endpoints at 127.0.0.1 (no lookup, one
// address each), one per port.
func ipProfile(ports ...string) *profile.Profile {
	p := &profile.Profile{Schema: 1, Version: "test", MinTLS: "1.2"}
	for _, port := range ports {
		n, _ := strconv.Atoi(port)
		p.Endpoints = append(p.Endpoints, profile.Endpoint{Host: "127.0.0.1", Port: n, Required: true, Purpose: "test"})
	}
	return p
}

// A connect nothing answers is given up as dropped at its own bound,
// with the SYNs the schedule sent, long before the run's deadline; one
// the deadline cuts first stays a timeout.
func TestConnectDropped(t *testing.T) {
	open := strconv.Itoa(testpeer.Port(t, testpeer.SilentServer(t)))
	dropped := strconv.Itoa(testpeer.Port(t, testpeer.ClosedPort(t)))
	d := gatedDialer{silent: map[string]bool{dropped: true}}

	f := gather.Run(context.Background(), gather.Options{Profile: ipProfile(open, dropped), Timeout: 30 * time.Second, Needs: facts.Needs{TCP: true}, Env: gather.Env{Dialer: d}})
	if tcp := f.Endpoints[0].TCP; tcp.State != facts.StepOK {
		t.Errorf("the open endpoint: TCP = %+v; want ok", tcp)
	}
	tcp := f.Endpoints[1].TCP
	t.Logf("dropped after %.0f ms (bound %.0f ms), %d SYNs by the schedule", tcp.DurationMS, tcp.BoundMS, tcp.SYNs)
	if tcp.State != facts.StepTimeout || tcp.Kind != facts.KindDropped || tcp.CutOff || tcp.BoundMS == 0 || tcp.SYNs < 2 || tcp.WaitingOn != facts.WaitSYNACK {
		t.Errorf("the silent endpoint: TCP = %+v; want a timeout of kind dropped at its own bound, with at least 2 SYNs, waiting on the SYN-ACK", tcp)
	}

	f = gather.Run(context.Background(), gather.Options{Profile: ipProfile(dropped), Timeout: 500 * time.Millisecond, Needs: facts.Needs{TCP: true}, Env: gather.Env{Dialer: d}})
	if tcp := f.Endpoints[0].TCP; tcp.Kind != facts.KindTimeout || tcp.SYNs != 0 {
		t.Errorf("a deadline before the bound: TCP = %+v; want kind timeout, no SYN count", tcp)
	}
}

// The bound grows as the run learns its paths are slow: an endpoint whose
// connect takes 2.5 s, past the 2 s a run with no evidence allows, is not
// called dropped once another endpoint's connect took 1 s (the bound
// becomes 1 s + 3 × 1 s), although that evidence arrived while it was
// already waiting.
func TestConnectBoundGrowsWithEvidence(t *testing.T) {
	slow := strconv.Itoa(testpeer.Port(t, testpeer.SilentServer(t)))
	slower := strconv.Itoa(testpeer.Port(t, testpeer.SilentServer(t)))
	d := gatedDialer{delay: map[string]time.Duration{slow: time.Second, slower: 2500 * time.Millisecond}}
	f := gather.Run(context.Background(), gather.Options{Profile: ipProfile(slow, slower), Timeout: 30 * time.Second, Needs: facts.Needs{TCP: true}, Env: gather.Env{Dialer: d}})
	for i, e := range f.Endpoints {
		t.Logf("endpoint %d: %s in %.0f ms", i, e.TCP.State, e.TCP.DurationMS)
		if e.TCP.State != facts.StepOK {
			t.Errorf("endpoint %d: TCP = %+v; want ok: a path as slow as the run has seen is no drop", i, e.TCP)
		}
	}
}

// The exchange's bound from evidence: a fast chain in a fast run is given
// up on soon after a lost segment could have come again; a slow chain, a
// slow answer or a slow handshake anywhere in the run lengthens it; with
// nothing known it is the old floor; never past MaxExchangeBound.
func TestExchangeBound(t *testing.T) {
	tests := []struct {
		name                     string
		chain, answer, handshake time.Duration
		wantAtLeast, wantAtMost  time.Duration
	}{
		{"nothing known: the old floor", 0, 0, 0, gather.MinExchangeBound, gather.MinExchangeBound},
		{"a loopback-fast chain, nothing else", 2 * ms, 0, 0, gather.RetransmitFloor + 2*ms, gather.RetransmitFloor + 2*ms},
		{"a fast chain in a fast run", 60 * ms, 30 * ms, 50 * ms, gather.RetransmitFloor + 60*ms, 600 * ms},
		{"a satellite chain (600 ms round trips)", 2400 * ms, 0, 0, gather.MaxExchangeBound, gather.MaxExchangeBound},
		{"a fast chain, but another server answered in 700 ms", 60 * ms, 700 * ms, 100 * ms, 2100 * ms, gather.MaxExchangeBound},
		{"a fast chain, but the run saw a 1.5 s handshake", 60 * ms, 0, 1500 * ms, 1500 * ms, gather.MaxExchangeBound},
		{"everything slow: capped", 5 * s, 5 * s, 5 * s, gather.MaxExchangeBound, gather.MaxExchangeBound},
	}
	for _, tt := range tests {
		got := gather.ExchangeBound(tt.chain, tt.answer, tt.handshake)
		if got < tt.wantAtLeast || got > tt.wantAtMost {
			t.Errorf("%s: ExchangeBound(%s, %s, %s) = %s; want %s to %s", tt.name, tt.chain, tt.answer, tt.handshake, got, tt.wantAtLeast, tt.wantAtMost)
		}
	}
	// However fast the evidence, an answer whose segment was lost once
	// (Windows' 300 ms minimum RTO) still comes in time: a round trip
	// (less than the chain) and the retransmission.
	for _, chain := range []time.Duration{ms, 30 * ms, 200 * ms} {
		if got := gather.ExchangeBound(chain, 0, 0); got < chain+300*ms {
			t.Errorf("ExchangeBound(%s, 0, 0) = %s; want at least a round trip after a lost segment's 300 ms", chain, got)
		}
	}
}

// A version probe's handshake bound from evidence: a server that answered
// another hello in 30 ms is not waited on 2 s; until it has answered
// anything the bound is the handshake's own; a slow path or a slow run
// lengthens it.
func TestVersionBound(t *testing.T) {
	tests := []struct {
		name                    string
		tcp, own, handshake     time.Duration
		wantAtLeast, wantAtMost time.Duration
	}{
		{"nothing known: the handshake's own floor", ms, 0, 0, gather.MinHandshakeBound, gather.MinHandshakeBound},
		{"the run answered, this server not yet", ms, 0, 30 * ms, gather.MinHandshakeBound, gather.MinHandshakeBound},
		{"TLS 1.2 answered in 30 ms", ms, 30 * ms, 30 * ms, gather.RetransmitFloor + 30*ms, gather.RetransmitFloor + 30*ms},
		{"a 100 ms path, answered in 250 ms", 100 * ms, 250 * ms, 250 * ms, 1 * s, 1 * s},
		{"a satellite path (600 ms), answered in 1.2 s", 600 * ms, 1200 * ms, 1200 * ms, 4800 * ms, gather.MaxHandshakeBound},
		{"a fast server in a run that saw a 3 s handshake", ms, 30 * ms, 3 * s, 3 * s, gather.MaxHandshakeBound},
		{"a slow path before any answer", 600 * ms, 0, 0, 4800 * ms, gather.MaxHandshakeBound},
		{"everything slow: capped", 5 * s, 5 * s, 5 * s, gather.MaxHandshakeBound, gather.MaxHandshakeBound},
	}
	for _, tt := range tests {
		got := gather.VersionBound(tt.tcp, tt.own, tt.handshake)
		if got < tt.wantAtLeast || got > tt.wantAtMost {
			t.Errorf("%s: VersionBound(%s, %s, %s) = %s; want %s to %s", tt.name, tt.tcp, tt.own, tt.handshake, got, tt.wantAtLeast, tt.wantAtMost)
		}
	}
	// A 600 ms path is never cut short: whatever its server answered,
	// the bound leaves a round trip and a lost flight beyond that answer;
	// nor a fast server's answer that lost its flight once.
	for _, own := range []time.Duration{0, 1200 * ms, 1800 * ms} {
		if got := gather.VersionBound(600*ms, own, 0); got < max(own, 600*ms)+600*ms+300*ms {
			t.Errorf("VersionBound(600ms, %s, 0) = %s; want room for another answer over a 600 ms path after a lost flight", own, got)
		}
	}
	for _, own := range []time.Duration{ms, 30 * ms} {
		if got := gather.VersionBound(ms, own, 0); got < own+300*ms {
			t.Errorf("VersionBound(1ms, %s, 0) = %s; want room for the same answer after a 300 ms retransmission", own, got)
		}
	}
}
