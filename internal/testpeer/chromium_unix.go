//go:build !windows

package testpeer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ChromiumPAC has headless Chromium take its proxy from pacURL for
// https://a.test/ and returns what its NetLog records: the proxy list the
// PAC answered ("DIRECT" too when the PAC failed and Chromium fell back),
// and the JavaScript error, if the PAC had one. Every name but the PAC
// server's loopback address fails to resolve, so nothing leaves the
// machine and Chromium ends quickly.
func ChromiumPAC(t testing.TB, dir, pacURL string) (answer, jsErr string) {
	t.Helper()
	netlog := filepath.Join(dir, "netlog.json")
	runChromium(t, exec.Command(chromiumProgram(t), append(headless(dir),
		"--proxy-pac-url="+pacURL,
		"--proxy-bypass-list=<-loopback>", // the PAC decides for every host, as on Windows
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--log-net-log="+netlog, "--net-log-capture-mode=Everything",
		"--dump-dom", "https://a.test/")...), 60*time.Second)
	data, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatalf("chromium wrote no NetLog: %v", err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int             `json:"type"`
			Params json.RawMessage `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("chromium's NetLog: %v", err)
	}
	resolved, jsError := log.Constants.LogEventTypes["PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST"], log.Constants.LogEventTypes["PAC_JAVASCRIPT_ERROR"]
	for _, e := range log.Events {
		var p struct {
			ProxyInfo string `json:"proxy_info"`
			Message   string `json:"message"`
		}
		json.Unmarshal(e.Params, &p)
		switch {
		case e.Type == resolved && answer == "":
			answer = p.ProxyInfo
		case e.Type == jsError && jsErr == "":
			jsErr = p.Message
		}
	}
	if answer == "" && jsErr == "" {
		t.Fatalf("chromium's NetLog has no proxy resolution for https://a.test/ (%d events)", len(log.Events))
	}
	return answer, jsErr
}

// ChromiumOptions say how ChromiumNetError's Chromium is set up.
type ChromiumOptions struct {
	// Map is a host name mapped to 127.0.0.1 (or to MapTo); every other
	// name but loopback fails to resolve, so nothing leaves the machine.
	Map, MapTo string
	// SystemResolver leaves names to the system's resolver (inside a
	// network namespace, its dnsmasq) instead of Map's rules.
	SystemResolver bool
	// CAFiles are PEM CAs trusted in Chromium's own store (NSS).
	CAFiles []string
	// PACURL, when set, is Chromium's proxy auto-config; loopback is not
	// bypassed, so the PAC decides for it too. Else no proxy.
	PACURL string
	// Command, when set, makes the command Chromium runs as (a network
	// namespace's Netns.Command); else it runs here.
	Command func(name string, args ...string) *exec.Cmd
	// Wait bounds how long Chromium waits for the page (headless
	// --timeout); a request still unanswered then is NoAnswer. Default
	// 10 s.
	Wait time.Duration
}

// ChromiumHome makes a home folder under dir whose NSS store (the one
// Chromium on Linux trusts, ~/.pki/nssdb) trusts caFiles, and returns it:
// run Chromium with HOME set to it.
func ChromiumHome(t testing.TB, dir string, caFiles ...string) string {
	t.Helper()
	home := filepath.Join(dir, "home")
	nss := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{{"-N", "-d", "sql:" + nss, "--empty-password"}}
	for i, ca := range caFiles {
		steps = append(steps, []string{"-A", "-d", "sql:" + nss, "-t", "C,,", "-n", fmt.Sprintf("qadoctor test CA %d", i), "-i", ca})
	}
	for _, args := range steps {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v (scripts/test installs libnss3-tools): %v\n%s", args, err, out)
		}
	}
	return home
}

// NoAnswer is ChromiumNetError's word for a request Chromium was still
// waiting on when its Wait ran out: no error, no answer.
const NoAnswer = "NO_ANSWER"

// ChromiumNetError has headless Chromium fetch url as o sets it up and
// returns the net error its NetLog gives the request ("" when it
// succeeded; the name without ERR_, as net/base/net_error_list.h spells
// it): what WebView2 would say of the same path.
func ChromiumNetError(t testing.TB, dir, url string, o ChromiumOptions) string {
	t.Helper()
	chromium := chromiumProgram(t)
	home := ChromiumHome(t, dir, o.CAFiles...)
	rules := "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
	if o.Map != "" {
		to := o.MapTo
		if to == "" {
			to = "127.0.0.1"
		}
		rules = "MAP " + o.Map + " " + to + ", " + rules
	}
	proxyFlags := []string{"--no-proxy-server"}
	if o.PACURL != "" {
		proxyFlags = []string{"--proxy-pac-url=" + o.PACURL, "--proxy-bypass-list=<-loopback>"}
	}
	netlog := filepath.Join(dir, "netlog.json")
	wait := o.Wait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	args := append(headless(dir), fmt.Sprintf("--timeout=%d", wait.Milliseconds()),
		"--log-net-log="+netlog, "--net-log-capture-mode=Default")
	args = append(args, proxyFlags...)
	if !o.SystemResolver {
		args = append(args, "--host-resolver-rules="+rules)
	}
	run := exec.Command
	if o.Command != nil {
		run = o.Command
	}
	cmd := run(chromium, append(args, "--dump-dom", url)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	runChromium(t, cmd, wait+50*time.Second)
	data, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatalf("chromium wrote no NetLog: %v", err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
			NetError      map[string]int `json:"netError"`
		} `json:"constants"`
		Events []struct {
			Type   int `json:"type"`
			Phase  int `json:"phase"`
			Source struct {
				ID int `json:"id"`
			} `json:"source"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("chromium's NetLog: %v", err)
	}
	names := map[int]string{}
	for name, code := range log.Constants.NetError {
		names[code] = name
	}
	// The request for url: its URL_REQUEST_START_JOB names the URL; the
	// first net error its source logs is the request's.
	job := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	ours := map[int]bool{}
	for _, e := range log.Events {
		if e.Type == job && e.Params["url"] == url {
			ours[e.Source.ID] = true
		}
	}
	if len(ours) == 0 {
		t.Fatalf("chromium's NetLog has no request for %s (%d events)", url, len(log.Events))
	}
	ended := false
	for _, e := range log.Events {
		if !ours[e.Source.ID] {
			continue
		}
		if code, ok := e.Params["net_error"].(float64); ok && code < 0 {
			return strings.TrimPrefix(names[int(code)], "ERR_")
		}
		if e.Type == job && e.Phase == phaseEnd {
			ended = true
		}
	}
	if !ended {
		return NoAnswer
	}
	return ""
}

// phaseEnd is a NetLog event's phase that ends it (netlog's PHASE_END).
const phaseEnd = 2

// ChromiumRelay has headless Chromium gather ICE candidates through the
// TURN relay at turnURL ("turns:localhost:PORT?transport=tcp"), with the
// user helper:s3cret that Coturn creates and only relayed candidates
// allowed, as Quick Assist's WebRTC would use the relay, and returns the
// candidates it got ("relay udp tls", ...): none means Chromium could not
// use the relay. proxy, when set, is the HTTP proxy Chromium is given
// (loopback names go through it; the page on 127.0.0.1 does not).
func ChromiumRelay(t testing.TB, dir, turnURL, proxy string, caFiles ...string) []string {
	t.Helper()
	chromium := chromiumProgram(t)
	got := make(chan []byte, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, relayPage, strconv.Quote(turnURL))
	})
	release := make(chan struct{})
	var once sync.Once
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		select {
		case got <- b:
		default:
		}
		once.Do(func() { close(release) })
	})
	mux.HandleFunc("/wait.js", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
		io.WriteString(w, "0;")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	args := headless(dir)
	if proxy != "" {
		args = append(args, "--proxy-server=http://"+proxy, "--proxy-bypass-list=<-loopback>;127.0.0.1")
	}
	cmd := exec.Command(chromium, append(args, "--dump-dom", srv.URL+"/")...)
	cmd.Env = append(os.Environ(), "HOME="+ChromiumHome(t, dir, caFiles...))
	out := runChromium(t, cmd, 60*time.Second)
	var candidates []string
	select {
	case b := <-got:
		if err := json.Unmarshal(b, &candidates); err != nil {
			t.Fatalf("the page's candidates %q: %v", b, err)
		}
	default:
		t.Fatalf("the page never said which candidates it got\n%s", out)
	}
	return candidates
}

// relayPage gathers relayed ICE candidates only, then posts them (or
// what it has after 8 s).
const relayPage = `<!doctype html><title>relay</title><script>
const types = [];
let sent = false;
function done() {
  if (sent) return;
  sent = true;
  fetch("/done", {method: "POST", body: JSON.stringify(types)});
}
const pc = new RTCPeerConnection({iceServers: [{urls: %s, username: "helper", credential: "s3cret"}], iceTransportPolicy: "relay"});
pc.onicecandidate = (e) => {
  if (!e.candidate) { done(); return; }
  types.push([e.candidate.type, e.candidate.protocol, e.candidate.relayProtocol || ""].join(" "));
};
pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") done(); };
pc.createDataChannel("qadoctor");
pc.createOffer().then((o) => pc.setLocalDescription(o));
setTimeout(done, 8000);
</script><script src="/wait.js"></script>`

// chromiumProgram is the chromium here; a test fails without it.
func chromiumProgram(t testing.TB) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	return chromium
}

// headless are the switches every test Chromium starts with: headless,
// a fresh profile under dir, nothing in the background.
func headless(dir string) []string {
	return []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
}

// runChromium runs cmd and returns what it printed; past limit it is
// killed and the test fails.
func runChromium(t testing.TB, cmd *exec.Cmd, limit time.Duration) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
	})
	out, err := cmd.CombinedOutput()
	stop()
	if err != nil && ctx.Err() != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	return out
}
