package gather_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func localProfile(t testing.TB, addrs ...string) *profile.Profile {
	t.Helper()
	p := &profile.Profile{Schema: 1, Version: "test", MinTLS: "1.2"}
	for _, a := range addrs {
		p.Endpoints = append(p.Endpoints, profile.Endpoint{Host: "localhost", Port: testpeer.Port(t, a), Required: true, Purpose: "test"})
	}
	return p
}

func roots(pki *testpeer.PKI) *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(pki.CA)
	return pool
}

// countingDialer counts the TCP connections a run opens.
type countingDialer struct {
	n atomic.Int32
	d net.Dialer
}

func (c *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c.n.Add(1)
	return c.d.DialContext(ctx, network, addr)
}

// Each endpoint gets one lookup and one TCP+TLS chain; version probes add
// one connection per version and nothing else.
func TestRunSharesWork(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	tests := []struct {
		name  string
		needs facts.Needs
		conns int32
	}{
		{"dns only", facts.Needs{DNS: true}, 0},
		{"reach", facts.Needs{TCP: true}, 1},
		{"reach and handshake share one connection", facts.Needs{TCP: true, TLS: true}, 1},
		{"versions add one per version", facts.Needs{TLS: true, Versions: true}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &countingDialer{}
			f := gather.Run(context.Background(), gather.Options{
				Profile: localProfile(t, addr), Timeout: 5 * time.Second, Needs: tt.needs, Env: gather.Env{Dialer: d}, Roots: roots(pki),
			})
			if got := d.n.Load(); got != tt.conns {
				t.Errorf("connections = %d; want %d", got, tt.conns)
			}
			e := f.Endpoints[0]
			if e.DNS.State != facts.StepOK {
				t.Errorf("DNS state = %s; want ok", e.DNS.State)
			}
			if tt.needs.TLS && (e.TLS.State != facts.StepOK || !e.TLS.Verified) {
				t.Errorf("TLS = %+v; want a verified handshake", e.TLS)
			}
			if !tt.needs.TLS && e.TLS.Kind != facts.KindNotSelected {
				t.Errorf("TLS kind = %q; want %q when not planned", e.TLS.Kind, facts.KindNotSelected)
			}
			if f.Hosts.State != facts.HostsNotSelected {
				t.Errorf("hosts file state = %q; want %q", f.Hosts.State, facts.HostsNotSelected)
			}
		})
	}
}

// hangingResolver ignores its context, as a broken platform resolver
// might: the run must still end at the deadline plus the grace.
type hangingResolver struct{}

func (hangingResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	time.Sleep(3 * time.Second)
	return nil, context.DeadlineExceeded
}

func TestRunCutsOffProbesThatIgnoreTheDeadline(t *testing.T) {
	p := localProfile(t, "127.0.0.1:443")
	p.Endpoints[0].Host = "hang.qadoctor.test"
	f := gather.Run(context.Background(), gather.Options{
		Profile: p, Timeout: 100 * time.Millisecond, Needs: facts.Needs{TLS: true}, Env: gather.Env{Resolver: hangingResolver{}},
	})
	d := f.Endpoints[0].DNS
	// Run returned before the resolver did: the step was cut off, not ended.
	if d.State != facts.StepTimeout || !d.CutOff || d.WaitingOn != facts.WaitDNSAnswer {
		t.Errorf("DNS step = %+v; want a cut-off timeout saying what it waited on", d.Step)
	}
	if f.Endpoints[0].TCP.State != facts.StepNotRun {
		t.Errorf("TCP state = %s; want not-run", f.Endpoints[0].TCP.State)
	}
}

func TestNeedsUnion(t *testing.T) {
	got := facts.Needs{DNS: true}.Union(facts.Needs{Versions: true})
	if want := (facts.Needs{DNS: true, Versions: true}); got != want {
		t.Errorf("Union = %+v; want %+v", got, want)
	}
}

// The handshake step records the negotiated parameters and the whole chain
// even when the chain does not verify.
func TestRunRecordsUnverifiedChain(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MaxVersion: tls.VersionTLS12})
	f := gather.Run(context.Background(), gather.Options{
		Profile: localProfile(t, addr), Timeout: 5 * time.Second, Needs: facts.Needs{TLS: true}, Roots: x509.NewCertPool(),
	})
	tl := f.Endpoints[0].TLS
	if tl.State != facts.StepOK || tl.Verified || tl.VerifyKind != "unknown-authority" {
		t.Errorf("TLS = state %s verified %v kind %q; want ok, unverified, unknown-authority", tl.State, tl.Verified, tl.VerifyKind)
	}
	if tl.Version != "1.2" || tl.CipherSuite == "" || tl.ALPN != "h2" {
		t.Errorf("negotiated %s %s ALPN %q; want TLS 1.2, a suite, h2", tl.Version, tl.CipherSuite, tl.ALPN)
	}
	if len(tl.Chain) != 1 || tl.Chain[0].Issuer != pki.CA.Subject.String() || len(tl.Chain[0].SHA256) != 64 {
		t.Errorf("chain = %+v; want the leaf issued by the test CA with its SHA-256", tl.Chain)
	}
}

func TestParseTimedatectl(t *testing.T) {
	// Recorded from `timedatectl show` on Debian 12 with systemd-timesyncd.
	out := []byte("Timezone=Asia/Tokyo\nLocalRTC=no\nCanNTP=yes\nNTP=yes\nNTPSynchronized=yes\nTimeUSec=Wed 2026-11-25 18:40:00 JST\nRTCTimeUSec=Wed 2026-11-25 09:40:00 JST\n")
	v := gather.ParseTimedatectl(out)
	if v["Timezone"] != "Asia/Tokyo" || v["NTP"] != "yes" || v["TimeUSec"] != "Wed 2026-11-25 18:40:00 JST" || len(v) != 7 {
		t.Errorf("ParseTimedatectl = %v", v)
	}
}

type recordedRunner struct {
	out []byte
	err error
}

func (r recordedRunner) Output(context.Context, string, ...string) ([]byte, error) {
	return r.out, r.err
}

func TestTimedatectlMissing(t *testing.T) {
	s := gather.Timedatectl(recordedRunner{err: &exec.Error{Name: "timedatectl", Err: exec.ErrNotFound}})(context.Background())
	if s.State != facts.ClockSettingsUnavailable || s.Problem != facts.ClockNotInstalled {
		t.Errorf("settings = %+v; want unavailable, not installed", s)
	}
}

// Progress hears of each endpoint once, counting up to a total fixed from
// the start, and says which one failed.
func TestRunReportsProgress(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	good := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	closed := testpeer.ClosedPort(t)
	var got []gather.Progress
	gather.Run(context.Background(), gather.Options{
		Profile: localProfile(t, good, closed), Timeout: 5 * time.Second, Roots: roots(pki),
		Needs:    facts.Needs{TCP: true, TLS: true},
		Progress: func(p gather.Progress) { got = append(got, p) },
	})
	if len(got) != 2 {
		t.Fatalf("progress calls = %+v; want one per endpoint", got)
	}
	ok := map[string]bool{}
	for i, p := range got {
		if p.Done != i+1 || p.Total != 2 {
			t.Errorf("call %d = %d/%d; want %d/2", i, p.Done, p.Total, i+1)
		}
		ok[p.Task] = p.OK
	}
	name := func(addr string) string { return fmt.Sprintf("localhost:%d", testpeer.Port(t, addr)) }
	if len(ok) != 2 || ok[name(closed)] || !ok[name(good)] {
		t.Errorf("outcomes = %v; want %s ok and %s failed", ok, good, closed)
	}
}

// With every connection slot held by a server that never answers, an
// endpoint that could not get one is recorded as such, not as a network
// failure: the deadline caught it waiting for the run, not for the
// network.
func TestWaitingForASlotIsNotANetworkFailure(t *testing.T) {
	a, b := testpeer.SilentServer(t), testpeer.SilentServer(t)
	p := localProfile(t, a, b)
	for i := range p.Endpoints {
		p.Endpoints[i].Host = "127.0.0.1" // no lookup: both go straight for the connection slot
	}
	f := gather.Run(context.Background(), gather.Options{
		Profile: p, Timeout: 300 * time.Millisecond, Needs: facts.Needs{TLS: true}, MaxConnections: 1,
	})
	waited := 0
	for _, e := range f.Endpoints {
		if e.DNS.Kind == facts.KindNoSlot || e.TCP.Kind == facts.KindNoSlot {
			// It waited for the lookup's slot or the connection's: either
			// way no step of it may read as a network failure.
			waited++
			for _, s := range []facts.Step{e.DNS.Step, e.TCP.Step, e.TLS.Step} {
				if s.State == facts.StepFailed || s.State == facts.StepTimeout {
					t.Errorf("endpoint that waited for a slot has a step %+v; want none failed or timed out", s)
				}
			}
		} else if e.TCP.State != facts.StepOK || e.TLS.State != facts.StepTimeout {
			t.Errorf("endpoint that got the slot: TCP %+v, TLS %+v; want connected, then the handshake cut off", e.TCP.Step, e.TLS.Step)
		}
	}
	if waited != 1 {
		t.Errorf("%d endpoints waited for the slot; want exactly 1 (the other held it)", waited)
	}
}

// A handshake cut at once gets its follow-ups even when the run has a
// single connection slot: the chain hands its slot back first.
func TestFollowUpsGetTheChainsSlot(t *testing.T) {
	addr := testpeer.RawServer(t, func(c net.Conn) {
		c.Read(make([]byte, 4096)) // the ClientHello, then hang up
	})
	p := localProfile(t, addr)
	p.Endpoints[0].Host = "127.0.0.1"
	f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: 10 * time.Second, Needs: facts.Needs{TLS: true}, MaxConnections: 1})
	tl := f.Endpoints[0].TLS
	if tl.Kind != facts.KindClosed && tl.Kind != facts.KindReset {
		t.Fatalf("TLS = %+v; want the handshake cut", tl.Step)
	}
	if len(tl.FollowUps) != 4 {
		t.Fatalf("follow-ups = %+v; want four", tl.FollowUps)
	}
	for _, h := range tl.FollowUps {
		if h.State == facts.StepNotRun {
			t.Errorf("follow-up %s did not run (%s); the chain's slot should have been handed back", h.Probe, h.Kind)
		}
	}
}
