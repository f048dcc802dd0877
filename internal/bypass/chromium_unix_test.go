//go:build !windows

package bypass

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	answer, jsErr := testpeer.ChromiumPAC(t, testpeer.TempDir(t), srv.URL+"/bypass.pac")
	if !strings.EqualFold(answer, "PROXY verdict-ok.test:1") || jsErr != "" {
		t.Errorf("Chromium: %q (JavaScript error %q); want every endpoint DIRECT (verdict-ok)\n%s", answer, jsErr, pac)
	}
}
