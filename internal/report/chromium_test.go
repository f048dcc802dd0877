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
	f := fixture()
	var b bytes.Buffer
	if err := WriteHTML(&b, fixtureReport(), f.Endpoints); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	os.WriteFile(page, b.Bytes(), 0o644)
	shot := filepath.Join(cmpDir(os.Getenv("QADOCTOR_ARTIFACTS"), dir), "report.png")

	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		// No network at all: a page that needed one would render broken.
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, chromium, append(base, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, want := range []string{"Most likely cause (tls.handshake)", "tls.versions", "Timeline"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the rendered page lacks %q", want)
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
