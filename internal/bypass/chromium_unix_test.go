//go:build !windows

package bypass

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// chromiumHarness asks the generated FindProxyForURL about every host
// (%s, a JSON list; the last one is no endpoint) and answers one proxy
// list Chromium can record: verdict-ok when every endpoint went DIRECT
// and the other host to PROXY_HERE, else the first answer that did not.
const chromiumHarness = `
var __generated = FindProxyForURL;
FindProxyForURL = function (url, host) {
  var hosts = %s;
  for (var i = 0; i < hosts.length; i++) {
    var got = __generated("https://" + hosts[i] + "/", hosts[i]);
    if (got != (i == hosts.length - 1 ? "PROXY PROXY_HERE" : "DIRECT")) return /^PROXY [a-z0-9.:-]+$/i.test(got) ? got : "PROXY verdict-bad.test:1";
  }
  return "PROXY verdict-ok.test:1";
};
`

// Chromium (V8, the engine WebView2 evaluates PACs with) reads U+2028 and
// U+2029 as line terminators in a PAC served as UTF-8, which pacparser's
// SpiderMonkey does not: the PAC for a hostile profile, run as Chromium's
// PAC, still sends every endpoint DIRECT and nothing to the proxy the
// profile's text names.
func TestPACOfHostileProfileInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	var b bytes.Buffer
	if err := WritePAC(&b, hostileJS()); err != nil {
		t.Fatal(err)
	}
	list, _ := json.Marshal(append(pacHostsOf(hostileJS()), "www.example.com"))
	pac := b.String() + fmt.Sprintf(chromiumHarness, list)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Served as UTF-8, as a web server configured for UTF-8 text
		// serves it: Chromium reads a PAC with no charset as Latin-1, in
		// which U+2028's bytes are no line terminator.
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig; charset=utf-8")
		fmt.Fprint(w, pac)
	}))
	t.Cleanup(srv.Close)
	dir := testpeer.TempDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	netlog := filepath.Join(dir, "netlog.json")
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--proxy-pac-url="+srv.URL+"/bypass.pac",
		"--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--log-net-log="+netlog, "--net-log-capture-mode=Everything", "--dump-dom", "https://a.test/")
	if out, err := cmd.CombinedOutput(); err != nil && ctx.Err() != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	data, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatalf("chromium wrote no NetLog: %v", err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int `json:"type"`
			Params struct {
				ProxyInfo string `json:"proxy_info"`
				Message   string `json:"message"`
			} `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("chromium's NetLog: %v", err)
	}
	var answer, jsErr string
	for _, e := range log.Events {
		switch e.Type {
		case log.Constants.LogEventTypes["PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST"]:
			if answer == "" {
				answer = e.Params.ProxyInfo
			}
		case log.Constants.LogEventTypes["PAC_JAVASCRIPT_ERROR"]:
			jsErr = e.Params.Message
		}
	}
	if !strings.EqualFold(answer, "PROXY verdict-ok.test:1") || jsErr != "" {
		t.Errorf("Chromium: %q (JavaScript error %q); want every endpoint DIRECT (verdict-ok)\n%s", answer, jsErr, pac)
	}
}
