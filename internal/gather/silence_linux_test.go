package gather_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// modernCoturn runs coturn's turnserver as testpeer.Coturn does, TURN over
// TLS only, with TLS 1.0 and 1.1 turned off (--no-tlsv1 --no-tlsv1_1): to
// a hello of those versions it sends nothing at all, no alert, and keeps
// the connection open. It returns the TLS address.
func modernCoturn(t *testing.T, pki *testpeer.PKI) string {
	t.Helper()
	path, err := exec.LookPath("turnserver")
	if err != nil {
		t.Fatalf("turnserver is not installed (scripts/test installs it): %v", err)
	}
	dir := testpeer.TempDir(t)
	addr := testpeer.ClosedPort(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udpPort := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	cmd := exec.Command(path, "-n",
		"--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
		fmt.Sprintf("--listening-port=%d", udpPort),
		fmt.Sprintf("--tls-listening-port=%d", testpeer.Port(t, addr)),
		"--no-dtls", "--no-tcp", "--no-udp", "--no-tlsv1", "--no-tlsv1_1",
		"--cert="+pki.CertFile, "--pkey="+pki.KeyFile,
		"--lt-cred-mech", "--user=helper:s3cret", "--realm=qadoctor.test",
		"--min-port=49152", "--max-port=49200",
		"--no-cli", "--log-file=stdout", "--simple-log",
		"--pidfile="+filepath.Join(dir, "turnserver.pid"),
		"--userdb="+filepath.Join(dir, "turndb"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start turnserver: %v", err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	if err := testpeer.WaitListening(addr, 15*time.Second); err != nil {
		t.Fatalf("turnserver does not listen on %s: %v\n%s", addr, err, out.String())
	}
	return addr
}

// relayProfile is one TURN relay at addr, named by its IP address.
func relayProfile(t *testing.T, addr string) *profile.Profile {
	t.Helper()
	p := ipProfile(fmt.Sprint(testpeer.Port(t, addr)))
	p.Endpoints[0].Role = profile.RoleTURN
	return p
}

// judge runs the checks named by ids on f.
func judge(t *testing.T, f *facts.Facts, ids ...string) map[string]finding.Finding {
	t.Helper()
	cs, err := checks.Select(ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]finding.Finding{}
	for _, fd := range checks.Judge(f, cs, i18n.New(i18n.English)) {
		out[fd.ID] = fd
	}
	return out
}

// Old hellos to a modern relay: coturn with --no-tlsv1 --no-tlsv1_1
// refuses them with a protocol-version alert (coturn 4.6.1 on OpenSSL 3.0,
// as run here), a refusal said as such; the same relay behind something
// that drops them without a word has them reported as no answer within
// their own bound, not as refused and not as cut by the deadline,
// although the relay's quick TLS 1.2 answer shortens that bound.
func TestOldHellosToAModernRelay(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	coturn := modernCoturn(t, pki)
	tests := []struct {
		name    string
		addr    string
		old     func(facts.VersionProbe) bool
		verdict string // in tls.versions' evidence, for each old version
	}{
		{"coturn refuses them", coturn, func(v facts.VersionProbe) bool {
			return v.State == facts.StepFailed && v.Kind == facts.KindProtocol
		}, "refused"},
		{"dropped without a word", testpeer.MuteToOldHellos(t, coturn), func(v facts.VersionProbe) bool {
			return v.Unanswered() && v.WaitingOn == facts.WaitServerHello
		}, "no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := gather.Run(context.Background(), gather.Options{Profile: relayProfile(t, tt.addr), Timeout: 10 * time.Second,
				Needs: facts.Needs{TLS: true, HTTP: true, Versions: true}, Roots: roots(pki)})
			e := f.Endpoints[0]
			if e.TLS.State != facts.StepOK || !e.TLS.Verified {
				t.Fatalf("TLS = %+v; want ok and verified", e.TLS.Step)
			}
			for _, v := range e.Versions {
				t.Logf("TLS %s: %s %s after %.0f ms (bound %.0f ms)", v.Version, v.State, v.Kind, v.DurationMS, v.BoundMS)
				switch v.Version {
				case "1.0", "1.1":
					if !tt.old(v) {
						t.Errorf("TLS %s = %+v; want %s", v.Version, v.Step, tt.verdict)
					}
				default:
					if v.State != facts.StepOK {
						t.Errorf("TLS %s = %+v; want accepted", v.Version, v.Step)
					}
				}
			}
			if r := e.Relay; r.State != facts.StepOK {
				t.Errorf("relay = %+v; want coturn's answer", r.Step)
			}
			fd := judge(t, f, "tls.versions")["tls.versions"]
			var detail string
			for _, ev := range fd.Evidence {
				detail += ev.Detail
			}
			for _, v := range []string{"1.0", "1.1"} {
				if !strings.Contains(detail, "TLS "+v+" "+tt.verdict) {
					t.Errorf("tls.versions evidence %q; want TLS %s %s", detail, v, tt.verdict)
				}
			}
			if fd.Status != finding.Pass {
				t.Errorf("tls.versions = %s (%s); want pass: TLS 1.2 and 1.3 are accepted", fd.Status, fd.Summary)
			}
		})
	}
}

// A server that completes TLS and then says nothing, as a relay or as a
// web server, still warns "no answer within its bound", at its own bound
// (short beside a fast handshake), not at the deadline.
func TestSilentAfterHandshakeWarns(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	mute := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{Mute: true})
	tests := []struct {
		name, check, reason string
		role                profile.Role
		step                func(facts.EndpointFacts) facts.Step
	}{
		{"relay", "net.relay", "relay-no-answer", profile.RoleTURN, func(e facts.EndpointFacts) facts.Step { return e.Relay.Step }},
		{"web server", "service.health", "http-no-answer", profile.RoleHTTPS, func(e facts.EndpointFacts) facts.Step { return e.HTTP.Step }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := relayProfile(t, mute)
			p.Endpoints[0].Role = tt.role
			f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: 10 * time.Second, Needs: facts.Needs{TLS: true, HTTP: true}, Roots: roots(pki)})
			s := tt.step(f.Endpoints[0])
			t.Logf("%s: %s after %.0f ms (bound %.0f ms)", tt.name, s.State, s.DurationMS, s.BoundMS)
			if !s.Unanswered() {
				t.Errorf("exchange = %+v; want no answer within its own bound", s)
			}
			if fd := judge(t, f, tt.check)[tt.check]; fd.Status != finding.Warn || fd.Reason != tt.reason {
				t.Errorf("%s = %s %s (%s); want warn %s", tt.check, fd.Status, fd.Reason, fd.Summary, tt.reason)
			}
		})
	}
}

// slowPath stands in front of upstream and delays each answer the server
// sends by delay: a path as slow as a geostationary satellite's.
func slowPath(t *testing.T, upstream string, delay time.Duration) string {
	t.Helper()
	return testpeer.RawServer(t, func(c net.Conn) {
		up, err := net.Dial("tcp", upstream)
		if err != nil {
			return
		}
		defer up.Close()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := up.Read(buf)
				if n > 0 {
					time.Sleep(delay)
					if _, err := c.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}()
		io.Copy(up, c)
	})
}

// On a slow path the evidence is slow and the bounds grow with it: a
// server that refuses TLS 1.0 and 1.1 with an alert 600 ms late is said to
// refuse them, and its answer to the upgrade, as late, is an answer.
func TestSlowPathIsNotSilence(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	ws := slowPath(t, testpeer.WebSocketServer(t, pki.Cert, "/ws"), 600*time.Millisecond)
	p := relayProfile(t, ws)
	p.Endpoints[0].Role, p.Endpoints[0].Path = profile.RoleWebSocket, "/ws"
	f := gather.Run(context.Background(), gather.Options{Profile: p, Timeout: 15 * time.Second,
		Needs: facts.Needs{TLS: true, HTTP: true, Versions: true}, Roots: roots(pki)})
	e := f.Endpoints[0]
	for _, v := range e.Versions {
		t.Logf("TLS %s: %s %s after %.0f ms (bound %.0f ms)", v.Version, v.State, v.Kind, v.DurationMS, v.BoundMS)
		if v.Unanswered() || v.CutOff {
			t.Errorf("TLS %s = %+v; want an answer: the server answers, late", v.Version, v.Step)
		}
	}
	t.Logf("upgrade: %s after %.0f ms (bound %.0f ms)", e.HTTP.State, e.HTTP.DurationMS, e.HTTP.BoundMS)
	if e.TLS.State != facts.StepOK || e.HTTP.State != facts.StepOK || !e.HTTP.Upgraded {
		t.Errorf("TLS %s, upgrade %+v; want both ok: a slow path is no silence", e.TLS.State, e.HTTP.Step)
	}
}
