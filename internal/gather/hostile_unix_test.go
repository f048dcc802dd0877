//go:build !windows

// UDP peers: Go under Wine cannot open UDP sockets, so these run on Linux.

package gather_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// udpServer answers every datagram with reply(request).
func udpServer(t *testing.T, reply func([]byte) []byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1024)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if r := reply(buf[:n]); r != nil {
				pc.WriteTo(r, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func TestHostileNTPServers(t *testing.T) {
	kissOfDeath := func(req []byte) []byte {
		r := make([]byte, 48)
		r[0] = 0x24 // LI 0, version 4, mode 4 (server)
		r[1] = 0    // stratum 0: a kiss code follows
		copy(r[12:16], "RATE")
		copy(r[24:32], req[40:48]) // origin = the client's transmit time
		binary.BigEndian.PutUint32(r[40:], uint32(time.Now().Unix()+2208988800))
		return r
	}
	tests := []struct {
		name  string
		reply func([]byte) []byte
		kind  string
	}{
		{"malformed packet", func([]byte) []byte { return []byte("not ntp") }, facts.KindOther},
		{"kiss of death", kissOfDeath, "kiss-of-death"},
		{"silence", func([]byte) []byte { return nil }, facts.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := udpServer(t, tt.reply)
			p := &profile.Profile{Schema: 1, Version: "t", MinTLS: "1.2", NTPServers: []string{addr}}
			start := time.Now()
			f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: time.Second, Needs: facts.Needs{NTP: true}})
			if time.Since(start) > 2*time.Second {
				t.Errorf("the NTP probe outlived the deadline")
			}
			s := f.Clock.NTP[0]
			if s.State == facts.StepOK || s.Kind != tt.kind {
				t.Errorf("NTP sample = %s %q (%s); want a failure of kind %q", s.State, s.Kind, s.Error, tt.kind)
			}
		})
	}
}

// lostFirst is a resolver that loses the first query for each name, as a
// resolver that drops a burst does, and answers loopback to the retry.
type lostFirst struct {
	mu    sync.Mutex
	asked map[string]int
}

func (l *lostFirst) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	key := strings.ToLower(strings.TrimSuffix(host, "."))
	l.mu.Lock()
	l.asked[key]++
	first := l.asked[key] == 1
	l.mu.Unlock()
	if first {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

// The NTP server's name is looked up as the endpoints' are, through the
// run's resolver with its retries: a lost query is asked again, and the
// server answers, instead of the NTP library's own lookup waiting out the
// resolver's whole timeout (or asking the system's resolver at all).
func TestNTPNameLookedUpWithRetries(t *testing.T) {
	served := make(chan struct{}, 1)
	addr := udpServer(t, func(req []byte) []byte {
		select {
		case served <- struct{}{}:
		default:
		}
		return nil
	})
	_, port, _ := net.SplitHostPort(addr)
	res := &lostFirst{asked: map[string]int{}}
	p := &profile.Profile{Schema: 1, Version: "t", MinTLS: "1.2", NTPServers: []string{"ntp.qadoctor.test:" + port}}
	f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: 3 * time.Second, Needs: facts.Needs{NTP: true}, Env: gather.Env{Resolver: res}})
	s := f.Clock.NTP[0]
	if res.asked["ntp.qadoctor.test"] < 2 {
		t.Errorf("the run's resolver was asked %d times for the NTP server; want the lost query asked again", res.asked["ntp.qadoctor.test"])
	}
	select {
	case <-served:
	default:
		t.Errorf("the NTP query never reached the server at %s (sample %s %q: %s)", addr, s.State, s.Kind, s.Error)
	}
}
