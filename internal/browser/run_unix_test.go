//go:build !windows

package browser

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// TestRunAsksChromium has the real Chromium here request a healthy
// server, a WebSocket server, one whose CA it does not trust, a closed
// port and a server that never answers, and checks what its NetLog says
// of each, and that nothing of the run is left behind.
func TestRunAsksChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	const host = "browser.qadoctor.test"
	now := time.Now()
	pki := testpeer.NewPKI(t, testpeer.TempDir(t), "qadoctor Test CA", now.Add(-time.Hour), now.Add(24*time.Hour), host)
	other := testpeer.NewPKI(t, testpeer.TempDir(t), "Untrusted Inspector CA", now.Add(-time.Hour), now.Add(24*time.Hour), host)
	healthy := testpeer.HTTPSServer(t, pki.Cert, testpeer.HTTPOptions{Status: 404})
	ws := testpeer.WebSocketServer(t, pki.Cert, "/v4/c")
	untrusted := testpeer.HTTPSServer(t, other.Cert, testpeer.HTTPOptions{})
	closed := testpeer.ClosedPort(t)
	silent := testpeer.SilentServer(t)
	url := func(scheme, addr, path string) string {
		return scheme + "://" + host + ":" + itoa(testpeer.Port(t, addr)) + path
	}
	asks := []Ask{
		{URL: url("https", healthy, "/")},
		{URL: url("wss", ws, "/v4/c"), WebSocket: true},
		{URL: url("https", untrusted, "/")},
		{URL: url("https", closed, "/")},
		{URL: url("https", silent, "/")},
	}
	dir := testpeer.TempDir(t)
	home := testpeer.ChromiumHome(t, dir, pki.CAFile)
	tmp := filepath.Join(dir, "tmp")
	os.Mkdir(tmp, 0o700)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	got, err := Run(ctx, Options{
		Program: chromium, Kind: "chromium", Direct: true, Dir: tmp,
		Args:       []string{"--host-resolver-rules=MAP " + host + " 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"},
		Env:        append(os.Environ(), "HOME="+home),
		KeepNetLog: os.Getenv("QADOCTOR_KEEP_NETLOG"),
	}, asks)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != facts.BrowserRan || len(got.Endpoints) != len(asks) {
		t.Fatalf("state %q, %d endpoints: %+v", got.State, len(got.Endpoints), got)
	}
	want := []struct {
		usable bool
		err    string
		status int
		opened bool
	}{
		{true, "", 404, false},
		{true, "", 101, true},
		{false, "CERT_AUTHORITY_INVALID", 0, false},
		{false, "CONNECTION_REFUSED", 0, false},
		{false, facts.BrowserNoAnswer, 0, false},
	}
	for i, w := range want {
		e := got.Endpoints[i]
		if e.Usable != w.usable || e.NetError != w.err || e.Status != w.status || e.Opened != w.opened {
			t.Errorf("%s: usable %v, error %q, status %d, opened %v; want %v, %q, %d, %v", e.URL, e.Usable, e.NetError, e.Status, e.Opened, w.usable, w.err, w.status, w.opened)
		}
		if e.ProxyChain != "[direct://]" {
			t.Errorf("%s: proxy chain %q, want [direct://]", e.URL, e.ProxyChain)
		}
	}
	if e := got.Endpoints[2]; e.CertIssuer != "Untrusted Inspector CA" {
		t.Errorf("the untrusted server's certificate: issuer %q", e.CertIssuer)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the run left %d entries behind in its temporary folder", len(left))
	}
	t.Logf("the browser ran for %.0f ms", got.DurationMS)
}

func itoa(i int) string { return strconv.Itoa(i) }

// Once qadoctor's own probes have ended, the browser's requests get as
// long as the probes took, from when its page sent them, and Slack more;
// then it is ended, not left to the deadline: a server that never
// answers is NoAnswer well before the 30 s the run had.
func TestRunEndsAfterTheProbes(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	silent := testpeer.SilentServer(t)
	probesDone := make(chan struct{})
	close(probesDone) // the probes took no time at all
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := Run(ctx, Options{Program: chromium, Direct: true, ProbesDone: probesDone},
		[]Ask{{URL: "https://localhost:" + strconv.Itoa(testpeer.Port(t, silent)) + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != facts.BrowserRan || got.Endpoints[0].NetError != facts.BrowserNoAnswer {
		t.Fatalf("%+v; want the silent server unanswered", got)
	}
	// Its own budget was 27 s (30 s less the margins); 20 s is far from
	// both the budget and the probes' rule.
	if got.DurationMS >= 20000 {
		t.Errorf("the browser ran %.0f ms: it was left to its budget", got.DurationMS)
	}
	t.Logf("ended after %.0f ms", got.DurationMS)
}

// A browser that never loads its page (here a program that only sleeps,
// standing in for a wedged browser or a PAC that never comes) is ended
// soon after qadoctor's own probes, and says so, not at the deadline.
func TestRunEndsABrowserThatNeverAsks(t *testing.T) {
	sleeper := filepath.Join(testpeer.TempDir(t), "wedged-browser")
	if err := os.WriteFile(sleeper, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	probesDone := make(chan struct{})
	close(probesDone)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := Run(ctx, Options{Program: sleeper, ProbesDone: probesDone}, []Ask{{URL: "https://localhost:1/"}})
	if !errors.Is(err, ErrNeverAsked) {
		t.Fatalf("error %v; want the page never loaded", err)
	}
	if got.DurationMS >= 20000 {
		t.Errorf("the browser ran %.0f ms: it was left to its budget", got.DurationMS)
	}
}

// A browser that ends (crashes, refuses to run) before its page sent a
// request is never taken at its NetLog's word: that log would call every
// endpoint unanswered. Here a program writes a real NetLog and exits.
func TestRunABrowserThatEndsBeforeAsking(t *testing.T) {
	golden, err := filepath.Abs("testdata/chromium-156.json")
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(testpeer.TempDir(t), "crashing-browser")
	script := "#!/bin/sh\nfor a; do case $a in --log-net-log=*) cp " + golden + " \"${a#--log-net-log=}\";; esac; done\nexit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = Run(ctx, Options{Program: fake}, []Ask{{URL: "https://localhost:1/"}})
	if !errors.Is(err, ErrNeverAsked) {
		t.Fatalf("error %v; want the requests never started", err)
	}
}
