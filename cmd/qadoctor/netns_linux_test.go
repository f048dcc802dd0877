package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/report"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// qadoctorIn runs the binary inside a network namespace, as a user runs
// it on a PC whose network that namespace is, and decodes its JSON report.
func qadoctorIn(t *testing.T, ns *testpeer.Netns, args ...string) (int, *report.Report) {
	t.Helper()
	code, out, errOut := runMain(t, ns.Command(os.Args[0], append([]string{"diagnose", "--json"}, args...)...))
	r, err := decode([]byte(out))
	if err != nil {
		t.Fatalf("not a JSON report (%v); stderr: %s\n%s", err, errOut, out)
	}
	return code, r
}

func decode(out []byte) (*report.Report, error) {
	var r report.Report
	err := json.Unmarshal(out, &r)
	return &r, err
}

func findingOf(t testing.TB, r *report.Report, id string) finding.Finding {
	t.Helper()
	for _, f := range r.Findings {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no finding %s", id)
	return finding.Finding{}
}

// nsServer serves HTTPS inside ns for host with a certificate from a new
// test CA (the leaf, then extra copies of the CA: a chain the size of
// Microsoft's needs padding), and returns the CA, the port and a profile
// with that one required endpoint. How host resolves is the caller's.
func nsServer(t *testing.T, ns *testpeer.Netns, host string, extraCAs int) (pki *testpeer.PKI, port int, profile string) {
	t.Helper()
	now := time.Now()
	pki = testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), host)
	cert := pki.Cert
	for range extraCAs {
		cert.Certificate = append(cert.Certificate, pki.CA.Raw)
	}
	var addr string
	ns.Do(func() { addr = testpeer.HTTPSServer(t, cert, testpeer.HTTPOptions{}) })
	port = testpeer.Port(t, addr)
	return pki, port, testpeer.WriteProfile(t, testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test peer"})
}

// wantCutHandshake checks a run whose connection works and whose
// handshake fails for reason, the cause or fix saying each of says, and
// returns the tls.handshake finding.
func wantCutHandshake(t *testing.T, code int, r *report.Report, reason string, says ...string) finding.Finding {
	t.Helper()
	if code != 1 {
		t.Errorf("exit code = %d; want 1", code)
	}
	if f := findingOf(t, r, "net.reach"); f.Status != finding.Pass {
		t.Errorf("net.reach = %s; want pass (the connection works)", f.Status)
	}
	f := findingOf(t, r, "tls.handshake")
	t.Logf("tls.handshake: %s", f.Evidence[0].Detail)
	if f.Status != finding.Fail || f.Reason != reason {
		t.Errorf("tls.handshake = %s %s (%s); want fail %s", f.Status, f.Reason, f.Cause, reason)
	}
	for _, w := range says {
		if !strings.Contains(f.Cause+strings.Join(f.Fix, " "), w) {
			t.Errorf("cause %q and fix %q should say %q", f.Cause, f.Fix, w)
		}
	}
	if r.Verdict == nil || r.Verdict.ID != "tls.handshake" {
		t.Errorf("verdict = %+v; want tls.handshake", r.Verdict)
	}
	return f
}

// An AAAA record to an address whose packets a firewall drops, beside a
// working A record, served by dnsmasq inside a namespace: qadoctor, like
// Chromium, starts IPv4 300 ms into the silent IPv6 attempt, connects, and
// warns with both addresses instead of spending half the deadline.
func TestHappyEyeballsAroundDeadIPv6(t *testing.T) {
	ns := testpeer.NewNetns(t)
	const host = "he.qadoctor.test"
	pki, port, prof := nsServer(t, ns, host, 0)
	// The IPv6 path is a black hole: SYNs to [::1]:port vanish.
	ns.Nft(fmt.Sprintf(`table inet qadoctor {
  chain out {
    type filter hook output priority 0;
    ip6 daddr ::1 tcp dport %d drop
  }
}
`, port))
	ns.Dnsmasq(map[string][]string{host: {"127.0.0.1", "::1"}})

	code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.dns,net.reach,tls.handshake,service.health", "--timeout", "10s")
	if code != 0 {
		t.Errorf("exit code = %d; want 0 (a warning)", code)
	}
	if f := findingOf(t, r, "net.dns"); f.Status != finding.Pass || !strings.Contains(f.Evidence[0].Detail, "::1") || !strings.Contains(f.Evidence[0].Detail, "127.0.0.1") {
		t.Errorf("net.dns = %s %q; want a pass with both of dnsmasq's addresses", f.Status, f.Evidence[0].Detail)
	}
	f := findingOf(t, r, "net.reach")
	if f.Status != finding.Warn || f.Reason != "ipv6-broken" {
		t.Errorf("net.reach = %s %s (%s); want warn ipv6-broken", f.Status, f.Reason, f.Summary)
	}
	d := f.Evidence[0].Detail
	if !strings.Contains(d, fmt.Sprintf("connected to 127.0.0.1:%d", port)) || !strings.Contains(d, fmt.Sprintf("[::1]:%d gave no answer", port)) || !strings.Contains(d, "abandoned") {
		t.Errorf("evidence %q should name the IPv4 address that answered and the abandoned IPv6 one", d)
	}
	for _, id := range []string{"tls.handshake", "service.health"} {
		if f := findingOf(t, r, id); f.Status != finding.Pass {
			t.Errorf("%s = %s (%s); want pass: the fallback carried the whole chain", id, f.Status, f.Summary)
		}
	}
	// The real Chromium, resolving through the same dnsmasq, connects too
	// (issue 24's differential suite: usable, as qadoctor's warning says).
	if got := testpeer.ChromiumNetError(t, testpeer.TempDir(t), fmt.Sprintf("https://%s:%d/", host, port),
		testpeer.ChromiumOptions{SystemResolver: true, CAFiles: []string{pki.CAFile}, Command: ns.Command}); got != "" {
		t.Errorf("Chromium: %q; want it to connect over IPv4", got)
	}
}

// The two size faults of a path, made with nftables inside a namespace
// around a real TLS server: a firewall that drops TCP segments over 1,000
// bytes to the server (the large-ClientHello fault: Quick Assist's hello,
// with its post-quantum key share, is ~1.5 KB), and a path that drops the
// server's packets over 1,300 bytes with no ICMP back (a VPN's MTU black
// hole). Each is named by the follow-up handshakes, not blamed on SNI
// filtering or "a device in the path".
func TestHandshakeSizeFaults(t *testing.T) {
	tests := []struct {
		name     string
		rule     string // the nftables match that drops, %d the server's port
		reason   string
		says     []string
		chromium string // what the real Chromium makes of the same path
	}{
		{"large ClientHello dropped", "tcp dport %d meta length > 1000 drop", "tls-large-hello-dropped", []string{"X25519MLKEM768", "PostQuantumKeyAgreementEnabled", "Chromium's own hello"}, testpeer.NoAnswer},
		{"MTU black hole", "tcp sport %d meta length > 1300 drop", "tls-mtu-black-hole", []string{"MTU black hole", "refusal"}, testpeer.NoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := testpeer.NewNetns(t)
			const host = "size.qadoctor.test"
			// Two more certificates after the leaf: like Microsoft's chain
			// (a few KB), its flight does not fit one 1,300-byte packet.
			pki, port, prof := nsServer(t, ns, host, 2)
			ns.Nft(fmt.Sprintf("table inet qadoctor {\n  chain out {\n    type filter hook output priority 0;\n    "+tt.rule+"\n  }\n}\n", port))
			ns.EtcFile("hosts", "127.0.0.1 "+host+"\n")

			code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.reach,tls.handshake,tls.versions", "--timeout", "15s")
			wantCutHandshake(t, code, r, tt.reason, tt.says...)
			// The real Chromium on the same path (issue 24's differential
			// suite): its hello, or the server's answer, never gets through.
			if got := testpeer.ChromiumNetError(t, testpeer.TempDir(t), fmt.Sprintf("https://%s:%d/", host, port),
				testpeer.ChromiumOptions{Map: host, CAFiles: []string{pki.CAFile}, Command: ns.Command, Wait: 8 * time.Second}); got != tt.chromium {
				t.Errorf("Chromium: %q; want %q", got, tt.chromium)
			}
			v := findingOf(t, r, "tls.versions")
			t.Logf("tls.versions: %s %s: %s", v.Status, v.Reason, v.Summary)
			for _, ev := range v.Evidence {
				t.Logf("  %s", ev.Detail)
			}
			if tt.reason == "tls-mtu-black-hole" && strings.Contains(v.Summary+v.Cause, "accept no TLS version") {
				t.Errorf("tls.versions %q / %q calls the black hole's silence a refusal", v.Summary, v.Cause)
			}
		})
	}
}

// A firewall that blocks by server name, for real: squid intercepting
// transparently inside a namespace, cutting every hello that names the
// endpoint and passing the others. The follow-up hello without a name is
// answered (the server's refusal of RC4 comes back), those naming the
// endpoint are cut: tls-sni-filtered, not a size fault or "a device in the
// path".
func TestSNIFilterNamed(t *testing.T) {
	ns := testpeer.NewNetns(t)
	const host = "sni.qadoctor.test"
	pki, port, prof := nsServer(t, ns, host, 0)
	ns.EtcFile("hosts", "127.0.0.1 "+host+"\n")
	ns.SNIFilter(port, host, pki)

	code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.reach,tls.handshake", "--timeout", "15s")
	wantCutHandshake(t, code, r, "tls-sni-filtered", "server name (SNI)")
}

// A resolver that drops bursts, for real: dnsmasq in a namespace behind an
// nftables limit that lets 20 queries through at once and 400 a second
// after (a home router's, or a 2-core sandbox's, resolver under a burst).
// 40 names, each two queries: lookups clocked by answers and paced once a
// query was lost still resolve every name (a lost query costs its retry),
// and none is called missing or unanswered.
func TestResolverThatDropsBursts(t *testing.T) {
	ns := testpeer.NewNetns(t)
	const domain = "burst.qadoctor.test"
	pki, port, _ := nsServer(t, ns, "e00."+domain, 0)
	ns.Dnsmasq(map[string][]string{"." + domain: {"127.0.0.1"}})
	ns.Nft("table inet qadoctor {\n  chain in {\n    type filter hook input priority 0;\n    udp dport 53 limit rate over 400/second burst 20 packets drop\n  }\n}\n")
	var eps []testpeer.Endpoint
	for i := range 40 {
		eps = append(eps, testpeer.Endpoint{Host: fmt.Sprintf("e%02d.%s", i, domain), Port: port, Required: true, Purpose: "test peer"})
	}
	prof := testpeer.WriteProfile(t, eps...)
	code, r := qadoctorIn(t, ns, "--profile", prof, "--ca-file", pki.CAFile, "--only", "net.dns", "--timeout", "15s")
	f := findingOf(t, r, "net.dns")
	if code != 0 || f.Status != finding.Pass {
		t.Errorf("exit %d, net.dns = %s %s (%s); want every name resolved", code, f.Status, f.Reason, f.Summary)
	}
	t.Logf("40 names through a resolver that drops bursts: %.0f ms", r.DurationMS)
}
