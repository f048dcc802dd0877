package testpeer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Netns is a network namespace of the test's own (iproute2's ip netns),
// with only its loopback up: peers inside it and qadoctor run inside it
// see no other network, so nftables rules there shape only the test's
// traffic. Making one needs root, as CI has.
type Netns struct {
	Name string
	t    testing.TB
}

// NewNetns makes a namespace and removes it, with its /etc/netns folder,
// at cleanup.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	n := &Netns{Name: "qadoctor-" + hex.EncodeToString(b), t: t}
	if out, err := exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add (needs root and iproute2, as CI has): %v: %s", err, out)
	}
	t.Cleanup(func() {
		exec.Command("ip", "netns", "del", n.Name).Run()
		os.RemoveAll(filepath.Join("/etc/netns", n.Name))
	})
	n.Run("ip", "link", "set", "lo", "up")
	return n
}

// Command is name run inside the namespace. ip netns exec also mounts the
// files under /etc/netns/<name> over /etc (resolv.conf, hosts).
func (n *Netns) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Run runs a command inside the namespace and fails the test if it fails.
func (n *Netns) Run(name string, args ...string) {
	n.t.Helper()
	if out, err := n.Command(name, args...).CombinedOutput(); err != nil {
		n.t.Fatalf("in %s: %s %s: %v: %s", n.Name, name, strings.Join(args, " "), err, out)
	}
}

// Nft loads an nftables ruleset into the namespace.
func (n *Netns) Nft(ruleset string) {
	n.t.Helper()
	cmd := n.Command("nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.t.Fatalf("nft in %s: %v: %s\n%s", n.Name, err, out, ruleset)
	}
}

// EtcFile writes a file ip netns exec mounts over /etc/<name> inside the
// namespace ("resolv.conf", "hosts").
func (n *Netns) EtcFile(name, content string) {
	n.t.Helper()
	dir := filepath.Join("/etc/netns", n.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		n.t.Fatal(err)
	}
	writeFile(n.t, filepath.Join(dir, name), []byte(content))
}

// Do runs fn on an OS thread that has joined the namespace, so sockets fn
// opens (a listener, a probe dial) live there; a listener keeps working
// from any goroutine afterwards.
func (n *Netns) Do(fn func()) {
	n.t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		n.t.Fatal(err)
	}
	defer own.Close()
	target, err := os.Open(filepath.Join("/var/run/netns", n.Name))
	if err != nil {
		n.t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		n.t.Fatalf("setns into %s: %v", n.Name, err)
	}
	defer func() {
		if err := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); err != nil {
			panic("cannot leave the test's network namespace: " + err.Error()) // the thread must not be reused
		}
	}()
	fn()
}

// Daemon starts a program inside the namespace, waits until addr (inside
// it) accepts TCP connections, and kills it at cleanup.
func (n *Netns) Daemon(addr, name string, args ...string) {
	n.t.Helper()
	cmd := n.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s in %s: %v", name, n.Name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	n.t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			n.t.Fatalf("%s exited in %s: %s", name, n.Name, out.String())
		default:
		}
		var up bool
		n.Do(func() {
			c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				c.Close()
				up = true
			}
		})
		if up {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	n.t.Fatalf("%s did not listen on %s in %s: %s", name, addr, n.Name, out.String())
}

// Dnsmasq runs dnsmasq as the namespace's resolver on 127.0.0.1:53,
// answering each name with the addresses records gives it (A and AAAA
// alike) and nothing else, and points the namespace's resolv.conf at it.
// A name starting with "." is a domain: every name under it gets the
// addresses.
func (n *Netns) Dnsmasq(records map[string][]string) {
	n.t.Helper()
	args := []string{"--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces",
		"--listen-address=127.0.0.1", "--port=53", "--user=root", "--pid-file=", "--log-facility=-"}
	for name, addrs := range records {
		if strings.HasPrefix(name, ".") {
			for _, a := range addrs {
				args = append(args, "--address=/"+name[1:]+"/"+a)
			}
			continue
		}
		args = append(args, "--host-record="+name+","+strings.Join(addrs, ","))
	}
	n.EtcFile("resolv.conf", "nameserver 127.0.0.1\n")
	n.Daemon("127.0.0.1:53", "dnsmasq", args...)
}

// Relay listens inside the namespace on a loopback port and carries each
// connection to upstream, a server on the test's own loopback, delaying
// every chunk by oneWay in each direction: a path with a round trip of
// twice oneWay between the namespace and the server, made without netem
// (which this kernel lacks). Order is kept; nothing is lost. It returns
// the address inside the namespace.
func (n *Netns) Relay(upstream string, oneWay time.Duration) string {
	return n.LossyRelay(upstream, oneWay, 0)
}

// LossyRelay is Relay whose first chunk from the server on each
// connection comes lost later more: a lost first flight, resent after
// the retransmission timeout (Linux's minimum is 200 ms).
func (n *Netns) LossyRelay(upstream string, oneWay, lost time.Duration) string {
	n.t.Helper()
	var ln net.Listener
	n.Do(func() { ln = Listen(n.t) })
	serve(n.t, ln, func(c net.Conn) {
		// The SYN's way there and the SYN-ACK's way back.
		time.Sleep(2 * oneWay)
		up, err := net.DialTimeout("tcp", upstream, 5*time.Second) // from the test's namespace
		if err != nil {
			return
		}
		defer up.Close()
		done := make(chan struct{}, 2)
		go func() { delayLine(up, c, oneWay, 0); done <- struct{}{} }()
		go func() { delayLine(c, up, oneWay, lost); done <- struct{}{} }()
		<-done
		<-done
	})
	return ln.Addr().String()
}

// delayLine copies from src to dst, each chunk oneWay after it was read,
// the first lost later more.
func delayLine(dst, src net.Conn, oneWay, lost time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 256)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			k, err := src.Read(buf)
			if k > 0 {
				chunks <- chunk{buf[:k], time.Now().Add(oneWay + lost)}
				lost = 0
			}
			if err != nil {
				return
			}
		}
	}()
	for ch := range chunks {
		time.Sleep(time.Until(ch.at))
		if _, err := dst.Write(ch.b); err != nil {
			break
		}
	}
	if tc, ok := dst.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	} else {
		dst.Close()
	}
}
