package testpeer

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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
	startDaemon(n.t, n.Command(name, args...), name+" in "+n.Name, func() (up bool) {
		n.Do(func() {
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				c.Close()
				up = true
			}
		})
		return up
	})
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

// SNIFilter makes squid (squid-openssl) a transparent filter by server
// name inside the namespace, as a firewall that blocks by SNI is: nftables
// redirects connections to port there to squid's intercepting port; squid
// peeks at each ClientHello, cuts the connection when the hello names
// blocked, and passes every other (a hello naming another server, or
// none) through to where it was going. ca signs nothing it serves; squid's
// ssl-bump port just needs one.
func (n *Netns) SNIFilter(port int, blocked string, ca *PKI) {
	n.t.Helper()
	dir := sharedDir(n.t)
	bump := filepath.Join(dir, "bump.pem")
	key, _ := os.ReadFile(ca.CAKeyFile)
	cert, _ := os.ReadFile(ca.CAFile)
	writeFile(n.t, bump, append(key, cert...))
	db := filepath.Join(dir, "ssl_db")
	if out, err := exec.Command("/usr/lib/squid/security_file_certgen", "-c", "-s", db, "-M", "4MB").CombinedOutput(); err != nil {
		n.t.Fatalf("security_file_certgen: %v: %s", err, out)
	}
	exec.Command("chown", "-R", "proxy", db).Run()
	const httpPort, interceptPort = 3128, 3129 // inside the namespace, where nothing else listens
	conf := fmt.Sprintf(`sslcrtd_program /usr/lib/squid/security_file_certgen -s %[1]s -M 4MB
acl step1 at_step SslBump1
acl blocked ssl::server_name %[2]s
ssl_bump peek step1
ssl_bump terminate blocked
ssl_bump splice all
http_port 127.0.0.1:%[3]d
https_port 127.0.0.1:%[4]d intercept ssl-bump cert=%[5]s generate-host-certificates=on dynamic_cert_mem_cache_size=4MB
http_access allow all
cache deny all
access_log none
cache_log %[6]s/cache.log
pid_filename %[6]s/squid.pid
coredump_dir %[6]s
shutdown_lifetime 0 seconds
`, db, blocked, httpPort, interceptPort, bump, dir)
	path := filepath.Join(dir, "squid.conf")
	writeFile(n.t, path, []byte(conf))
	// squid runs as its own user, "proxy": its own connections onward are
	// not redirected back to it.
	n.Nft(fmt.Sprintf("table ip qadoctor_sni {\n  chain output {\n    type nat hook output priority -100;\n    tcp dport %d meta skuid != \"proxy\" redirect to :%d\n  }\n}\n", port, interceptPort))
	n.Daemon(fmt.Sprintf("127.0.0.1:%d", httpPort), "squid", "-N", "-f", path)
}
