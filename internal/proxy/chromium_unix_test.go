//go:build !windows

package proxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

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
				answer, jsErr := testpeer.ChromiumPAC(t, filepath.Join(dir, fmt.Sprint(i)), fmt.Sprintf("%s/%d.pac", srv.URL, i))
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
