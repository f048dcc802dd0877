//go:build !windows

package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The HTML page in a real browser: headless Chromium (Debian's) loads it
// with the network shut off, and the page renders its verdict. The
// screenshot is kept as an artifact: $QADOCTOR_ARTIFACTS/report.png when
// set (scripts/test sets it), else in the test's temporary folder.
func TestHTMLInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	dir := testpeer.TempDir(t)
	for _, tc := range []struct {
		lang i18n.Lang
		shot string
		want []string
	}{
		{i18n.English, "report.png", []string{"Most likely cause (tls.handshake)", "tls.versions", "Timeline"}},
		{i18n.Japanese, "report.ja.png", []string{`lang="ja"`, "tls.versions", "最も可能性の高い原因 (tls.handshake)", "タイムライン"}},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			if tc.lang == i18n.Japanese {
				fonts, err := exec.Command("fc-list", ":lang=ja").Output()
				if err != nil || len(bytes.TrimSpace(fonts)) == 0 {
					t.Fatalf("no Japanese font (fc-list :lang=ja: %v): the page would render as boxes; scripts/test installs fonts-ipafont-gothic", err)
				}
			}
			tr := i18n.New(tc.lang)
			var b bytes.Buffer
			if err := WriteHTML(&b, fixtureReport(tr), fixture().Endpoints, tr); err != nil {
				t.Fatal(err)
			}
			page := filepath.Join(dir, "report."+string(tc.lang)+".html")
			os.WriteFile(page, b.Bytes(), 0o644)
			shot := filepath.Join(cmpDir(os.Getenv("QADOCTOR_ARTIFACTS"), dir), tc.shot)
			renderInChromium(t, chromium, filepath.Join(dir, "profile-"+string(tc.lang)), page, shot, tc.want)
		})
	}
}

// renderInChromium loads page with every network path shut, checks the
// DOM holds want, and takes a phone-sized screenshot into shot.
func renderInChromium(t *testing.T, chromium, profile, page, shot string, want []string) {
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile,
		// No network at all: a page that needed one would render broken.
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, chromium, append(base, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, w := range want {
		if !strings.Contains(string(dom), w) {
			t.Errorf("the rendered page lacks %q", w)
		}
	}
	if out, err := exec.CommandContext(ctx, chromium, append(base, "--window-size=412,1600", "--screenshot="+shot, "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 10000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s: %d bytes, %v; want a PNG of the page", shot, len(png), err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}

func cmpDir(a, b string) string {
	if a != "" {
		os.MkdirAll(a, 0o755)
		return a
	}
	return b
}
