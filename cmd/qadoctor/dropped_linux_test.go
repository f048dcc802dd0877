package main

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A firewall that drops the SYNs to one endpoint (the usual way companies
// block a destination), beside two endpoints that answer: net.reach names
// that endpoint as dropped (tcp-dropped, not tcp-timeout, which stays for
// a connect the run's deadline cut), and the others pass. Before the
// connect had a bound of its own, the run waited for the whole --timeout
// and called it tcp-timeout.
func TestDroppedSYNsNamed(t *testing.T) {
	ns := testpeer.NewNetns(t)
	now := time.Now()
	const domain = "drop.qadoctor.test"
	pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), "*."+domain)
	var eps []testpeer.Endpoint
	var blockedPort int
	for _, name := range []string{"one", "blocked", "two"} {
		var addr string
		ns.Do(func() { addr = testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{}) })
		port := testpeer.Port(t, addr)
		if name == "blocked" {
			blockedPort = port
		}
		eps = append(eps, testpeer.Endpoint{Host: name + "." + domain, Port: port, Required: true, Purpose: "test peer"})
	}
	// The blocked server is up (without the rule it would pass); the
	// firewall drops every SYN to its address, answering nothing.
	ns.Nft(fmt.Sprintf(`table inet qadoctor {
  chain out {
    type filter hook output priority 0;
    ip daddr 127.0.0.1 tcp dport %d tcp flags & (syn | ack) == syn drop
  }
}
`, blockedPort))
	ns.Dnsmasq(map[string][]string{"." + domain: {"127.0.0.1"}})

	start := time.Now()
	code, r := qadoctorIn(t, ns, "--profile", testpeer.WriteProfile(t, eps...), "--ca-file", pki.CAFile, "--only", "net.dns,net.reach", "--timeout", "15s")
	t.Logf("the run took %s (its deadline: 15s)", time.Since(start).Round(time.Millisecond))
	if code != 1 {
		t.Errorf("exit code = %d; want 1", code)
	}
	f := findingOf(t, r, "net.reach")
	if f.Status != finding.Fail || f.Reason != "tcp-dropped" {
		t.Errorf("net.reach = %s %s (%s); want fail tcp-dropped", f.Status, f.Reason, f.Summary)
	}
	for _, ev := range f.Evidence {
		t.Logf("%s: %s %s", ev.Subject, ev.Status, ev.Detail)
		blocked := strings.HasPrefix(ev.Subject, "blocked.")
		switch {
		case blocked && (ev.Status != finding.Fail || !strings.Contains(ev.Detail, "dropped: no answer to") || !strings.Contains(ev.Detail, "SYNs")):
			t.Errorf("%s: %s %q; want a fail that says the SYNs were dropped", ev.Subject, ev.Status, ev.Detail)
		case !blocked && ev.Status != finding.Pass:
			t.Errorf("%s: %s %q; want pass", ev.Subject, ev.Status, ev.Detail)
		}
	}
	if !strings.Contains(f.Cause, "blocked."+domain) || !strings.Contains(f.Cause, "drops") {
		t.Errorf("cause %q should name the blocked endpoint and say its traffic is dropped", f.Cause)
	}
	if !strings.Contains(strings.Join(f.Fix, " "), "ask IT first") {
		t.Errorf("fix %q should say a block may be policy (ask IT first)", f.Fix)
	}
}

// A slow path is not a dropped SYN: an endpoint 600 ms away (a
// geostationary satellite's round trip), beside one on loopback whose
// connect takes a fraction of a millisecond, connects and passes; so does
// the same path when its first SYN is lost and the OS's first
// retransmission (1 s later) carries the connection.
func TestSlowPathNotDropped(t *testing.T) {
	for _, tt := range []struct {
		name    string
		loseSYN bool
	}{
		{"600 ms round trip", false},
		{"600 ms round trip, first SYN lost", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := testpeer.NewNetns(t)
			now := time.Now()
			const domain = "slow.qadoctor.test"
			pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), "*."+domain)
			path := newSlowPath(t, ns, 600*time.Millisecond, tt.loseSYN)
			far := path.serveHTTPS(t, ns, pki.Cert)
			var near string
			ns.Do(func() { near = testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{}) })
			ns.Dnsmasq(map[string][]string{"far." + domain: {path.peer}, "near." + domain: {"127.0.0.1"}})
			prof := testpeer.WriteProfile(t,
				testpeer.Endpoint{Host: "far." + domain, Port: far, Required: true, Purpose: "test peer"},
				testpeer.Endpoint{Host: "near." + domain, Port: testpeer.Port(t, near), Required: true, Purpose: "test peer"})

			code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.dns,net.reach", "--timeout", "15s")
			f := findingOf(t, r, "net.reach")
			for _, ev := range f.Evidence {
				t.Logf("%s: %s %s", ev.Subject, ev.Status, ev.Detail)
			}
			if code != 0 || f.Status != finding.Pass {
				t.Errorf("exit code %d, net.reach = %s %s (%s); want 0 and pass: a slow path is no dropped SYN", code, f.Status, f.Reason, f.Summary)
			}
			if got := path.synsLost(); tt.loseSYN && got == 0 {
				t.Errorf("no SYN was lost; the test did not make the path it names")
			}
		})
	}
}

// slowPath is a path of a given round trip inside a namespace, for real
// TCP, made without netem (which this kernel lacks): a TUN device takes
// the packets to peer; the test holds each for half the round trip and
// writes it back with its source and destination addresses swapped, so it
// arrives from peer at local, where the servers listen. Every packet of a
// connection crosses it once each way, the SYN and the SYN-ACK included,
// so a connect takes the whole round trip (testpeer's relays accept at
// once: only the bytes after the handshake are delayed). Swapping two
// addresses leaves the IPv4 and TCP checksums as they were.
type slowPath struct {
	local, peer string // IPv4 addresses inside the namespace
	oneWay      time.Duration
	loseSYN     bool // lose each connection's first SYN, as a lossy link does

	mu   sync.Mutex
	seen map[[2]uint16]bool // the SYNs' port pairs already seen
	lost int
}

func newSlowPath(t *testing.T, ns *testpeer.Netns, rtt time.Duration, loseSYN bool) *slowPath {
	t.Helper()
	const dev = "qdslow0"
	p := &slowPath{local: "10.77.0.1", peer: "10.77.0.2", oneWay: rtt / 2, loseSYN: loseSYN, seen: map[[2]uint16]bool{}}
	var tun *os.File
	ns.Do(func() {
		// Opened inside the namespace: the device is made in the opener's.
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatalf("open /dev/net/tun: %v", err)
		}
		ifr, err := unix.NewIfreq(dev)
		if err != nil {
			t.Fatal(err)
		}
		ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			unix.Close(fd)
			t.Fatalf("TUNSETIFF %s: %v", dev, err)
		}
		tun = os.NewFile(uintptr(fd), dev) // non-blocking: Close ends a Read
	})
	ns.Run("ip", "addr", "add", p.local+"/32", "dev", dev)
	ns.Run("ip", "link", "set", dev, "up")
	ns.Run("ip", "route", "add", p.peer+"/32", "dev", dev, "src", p.local)
	type held struct {
		pkt []byte
		at  time.Time
	}
	line := make(chan held, 4096)
	done := make(chan struct{})
	t.Cleanup(func() { tun.Close(); <-done })
	go func() {
		defer close(line)
		for {
			buf := make([]byte, 65536)
			n, err := tun.Read(buf)
			if err != nil {
				return
			}
			pkt := buf[:n]
			if len(pkt) < 20 || pkt[0]>>4 != 4 || p.lose(pkt) {
				continue // IPv6 (router solicitations), or lost
			}
			line <- held{pkt, time.Now().Add(p.oneWay)}
		}
	}()
	go func() {
		defer close(done)
		for h := range line {
			time.Sleep(time.Until(h.at))
			var a [4]byte
			copy(a[:], h.pkt[12:16])
			copy(h.pkt[12:16], h.pkt[16:20])
			copy(h.pkt[16:20], a[:])
			tun.Write(h.pkt)
		}
	}()
	return p
}

// lose reports a connection's first SYN, when the path loses them.
func (p *slowPath) lose(pkt []byte) bool {
	ihl := int(pkt[0]&0x0f) * 4
	if !p.loseSYN || pkt[9] != unix.IPPROTO_TCP || len(pkt) < ihl+14 {
		return false
	}
	if flags := pkt[ihl+13]; flags&0x12 != 0x02 { // SYN without ACK
		return false
	}
	ports := [2]uint16{binary.BigEndian.Uint16(pkt[ihl:]), binary.BigEndian.Uint16(pkt[ihl+2:])}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[ports] {
		return false
	}
	p.seen[ports] = true
	p.lost++
	return true
}

func (p *slowPath) synsLost() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// serveHTTPS serves HTTPS with cert at the path's local end and returns
// the port; a connection to peer at that port crosses the path.
func (p *slowPath) serveHTTPS(t *testing.T, ns *testpeer.Netns, cert tls.Certificate) int {
	t.Helper()
	var ln net.Listener
	ns.Do(func() {
		var err error
		if ln, err = net.Listen("tcp", p.local+":0"); err != nil {
			t.Fatal(err)
		}
	})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return testpeer.Port(t, ln.Addr().String())
}
