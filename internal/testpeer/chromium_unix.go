//go:build !windows

package testpeer

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
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
