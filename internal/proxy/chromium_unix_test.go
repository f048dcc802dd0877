//go:build !windows

package proxy

import (
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

// chromiumRuns is how many Chromiums run at once: each is mostly waiting
// (start, fetch, resolve), and two cores are shared with other tests.
const chromiumRuns = 2

// The Annex B forms in Chromium, the engine WebView2 (and so Quick Assist)
// takes its proxy from: headless Chromium fetches each form as its PAC from
// a loopback server, resolves the proxy for https://a.test/, and its NetLog
// says what FindProxyForURL answered, or the JavaScript error. webForm.want
// is that answer; this test keeps the table honest.
func TestPACWebCompatAgreesWithChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	forms := append([]webForm{realWorldLabelForm(t)}, webForms...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/%d.pac", &i); err != nil || i < 0 || i >= len(forms) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		fmt.Fprint(w, forms[i].src)
	}))
	t.Cleanup(srv.Close)
	dir := testpeer.TempDir(t)
	slots := make(chan struct{}, chromiumRuns)
	t.Run("forms", func(t *testing.T) {
		for i, f := range forms {
			t.Run(f.name, func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				answer, jsErr := chromiumPAC(t, chromium, filepath.Join(dir, fmt.Sprint(i)), fmt.Sprintf("%s/%d.pac", srv.URL, i))
				switch {
				case f.want == "" && jsErr == "":
					t.Errorf("Chromium answers %q with no JavaScript error; the table says it reports one\n%s", answer, f.src)
				case f.want != "" && (jsErr != "" || !sameProxyList(answer, f.want)):
					t.Errorf("Chromium answers %q (JavaScript error %q); the table says %q\n%s", answer, jsErr, f.want, f.src)
				}
				ours, err := evalForm(t, "form.pac", f.src)
				if (f.want == "") != (err != nil) || f.want != "" && !sameProxyList(ours, answer) {
					t.Errorf("qadoctor answers %q (%v); Chromium %q (JavaScript error %q)", ours, err, answer, jsErr)
				}
			})
		}
	})
}

// chromiumPAC has headless Chromium take its proxy from pacURL for
// https://a.test/ and returns what its NetLog records: the proxy list the
// PAC answered ("DIRECT" too when the PAC failed and Chromium fell back),
// and the JavaScript error, if the PAC had one. Every name but the PAC
// server's loopback address fails to resolve, so nothing leaves the
// machine and Chromium ends quickly.
func chromiumPAC(t *testing.T, chromium, dir, pacURL string) (answer, jsErr string) {
	t.Helper()
	netlog := filepath.Join(dir, "netlog.json")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--proxy-pac-url="+pacURL,
		"--proxy-bypass-list=<-loopback>", // the PAC decides for every host, as on Windows
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--log-net-log="+netlog, "--net-log-capture-mode=Everything",
		"--dump-dom", "https://a.test/")
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

// sameProxyList compares two PAC answers as Chromium writes them back:
// host names in lower case, no space after a semicolon.
func sameProxyList(a, b string) bool {
	norm := func(s string) string {
		parts := strings.Split(strings.ToLower(s), ";")
		for i := range parts {
			parts[i] = strings.Join(strings.Fields(parts[i]), " ")
		}
		return strings.Join(parts, ";")
	}
	return norm(a) == norm(b)
}
