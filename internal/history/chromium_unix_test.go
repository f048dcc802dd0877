//go:build !windows

package history

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The History files these tests read are written by the real Chromium
// (scripts/test installs it) and by SQLite through python3's sqlite3
// module, never by this package: headless Chromium visits the service's
// pages on a loopback HTTPS server, the service's host name mapped to
// 127.0.0.1 with --host-resolver-rules and every other name to nothing, so
// nothing leaves the machine.

// serviceHost is Quick Assist's page host (the profile's
// remote-assistance host); otherHost is a page that must never come out.
const (
	serviceHost = "remoteassistance.support.services.microsoft.com"
	otherHost   = "www.example.test"
)

// longPath is a page path longer than MaxPath.
var longPath = "/p/" + strings.Repeat("a", 300) + "/end"

// wantPaths are the service's pages Chromium visits, in order, as Read
// gives them back: no query, no fragment, the long path cut.
var wantPaths = []string{"/", "/screenshare", "/status/ended", longPath[:MaxPath]}

func isService(h string) bool { return h == serviceHost }

// chromium is a running headless Chromium that has visited the pages.
type chromium struct {
	profile string // the --user-data-dir
	history string // its Default/History
	cmd     *exec.Cmd
	cdp     *os.File      // DevTools pipe, for Browser.close
	exited  chan struct{} // closed when Chromium has exited
	// Before the first page and after the last.
	start, end time.Time
}

// startChromium starts headless Chromium with a fresh profile in dir on
// the service's pages (/, /screenshare, /status/ended?code=123456#x, a
// long path) and then a page of otherHost, each page moving to the next
// from JavaScript, and returns once the last page has loaded. Cleanup
// kills it if it still runs. It fails, never skips, when Chromium is
// missing.
func startChromium(t testing.TB, dir string) *chromium {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	loaded := make(chan struct{}, 1)
	page := func(next string) string {
		return fmt.Sprintf(`<!doctype html><title>page</title><script>setTimeout(function(){location.href=%q},400)</script>`, next)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		host, _, _ := net.SplitHostPort(r.Host)
		switch {
		case host == serviceHost && r.URL.Path == "/":
			io.WriteString(w, page("/screenshare"))
		case host == serviceHost && r.URL.Path == "/screenshare":
			io.WriteString(w, page("/status/ended?code=123456#x"))
		case host == serviceHost && r.URL.Path == "/status/ended":
			io.WriteString(w, page(longPath+"?token=secret"))
		case host == serviceHost && r.URL.Path == longPath:
			_, port, _ := net.SplitHostPort(r.Host)
			io.WriteString(w, page("https://"+otherHost+":"+port+"/other?q=1"))
		case host == otherHost && r.URL.Path == "/other":
			io.WriteString(w, `<!doctype html><title>other</title><script>setTimeout(function(){fetch("/loaded")},400)</script>`)
		case host == otherHost && r.URL.Path == "/loaded":
			select {
			case loaded <- struct{}{}:
			default:
			}
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // Chromium's own probes end handshakes early
	srv.StartTLS()                                   // 127.0.0.1:0
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	// The DevTools pipe: Chromium reads commands on fd 3, answers on fd 4.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &chromium{profile: filepath.Join(dir, "profile"), cdp: cmdW, exited: make(chan struct{})}
	c.history = filepath.Join(c.profile, "Default", "History")
	c.cmd = exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+c.profile, "--ignore-certificate-errors",
		"--host-resolver-rules=MAP "+serviceHost+" 127.0.0.1, MAP "+otherHost+" 127.0.0.1, MAP * ~NOTFOUND",
		"--remote-debugging-pipe",
		"https://"+serviceHost+":"+port+"/")
	c.cmd.ExtraFiles = []*os.File{cmdR, ansW}
	var out strings.Builder
	c.cmd.Stdout, c.cmd.Stderr = &out, &out
	c.start = time.Now()
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	ansW.Close()
	go io.Copy(io.Discard, ansR) // answers are not needed; keep the pipe drained
	var waitErr error
	go func() { waitErr = c.cmd.Wait(); ansR.Close(); close(c.exited) }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
		cmdW.Close()
	})
	select {
	case <-loaded:
	case <-c.exited:
		t.Fatalf("chromium ended before visiting the pages: %v\n%s", waitErr, out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("chromium did not visit the pages within 60s\n%s", out.String())
	}
	c.end = time.Now()
	return c
}

// close ends Chromium the way a user closing it does (Browser.close over
// DevTools), so it commits its history, and waits for it to exit.
func (c *chromium) close(t testing.TB) {
	t.Helper()
	if _, err := c.cdp.Write([]byte(`{"id":1,"method":"Browser.close"}` + "\x00")); err != nil {
		t.Fatalf("Browser.close: %v", err)
	}
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not exit within 30s of Browser.close")
	}
}

// closedHistory is a History written by Chromium and closed, shared by
// the tests of one run (Chromium takes seconds): a folder with History and
// History-journal as Chromium left them, and when its pages were visited.
var closedHistory struct {
	once       sync.Once
	dir        string
	start, end time.Time
	err        string
}

// chromiumHistory copies the shared Chromium-written History (with its
// journal) into a new folder of the test's and returns the History's path.
func chromiumHistory(t testing.TB) (path string, start, end time.Time) {
	t.Helper()
	h := &closedHistory
	h.once.Do(func() {
		dir, err := os.MkdirTemp("", "qadoctor-history-")
		if err != nil {
			h.err = err.Error()
			return
		}
		h.dir = dir
		// If Chromium fails, the first test to ask says why (startChromium
		// fails it) and the later ones say this.
		h.err = "chromium did not write a History: see the first test that asked for one"
		c := startChromium(t, dir)
		c.close(t)
		h.start, h.end, h.err = c.start, c.end, ""
	})
	if h.err != "" {
		t.Fatal(h.err)
	}
	dst := t.TempDir()
	src := filepath.Join(h.dir, "profile", "Default")
	for _, name := range []string{"History", "History-journal", "History-wal"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if os.IsNotExist(err) && name != "History" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dst, "History"), h.start, h.end
}

func TestMain(m *testing.M) {
	code := m.Run()
	if closedHistory.dir != "" {
		os.RemoveAll(closedHistory.dir)
	}
	os.Exit(code)
}

// fileSums are the SHA-256 and modification time of every file in dir.
func fileSums(t testing.TB, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		info, _ := e.Info()
		sums[e.Name()] = fmt.Sprintf("%x %v", sha256.Sum256(data), info.ModTime().UnixNano())
	}
	return sums
}

// python runs a python3 script (SQLite through its sqlite3 module) with
// args and returns its output.
func python(t testing.TB, script string, args ...string) string {
	t.Helper()
	out, err := pythonOutput(script, args...)
	if err != nil {
		t.Fatalf("python3 (with its sqlite3 module): %v\n%s", err, out)
	}
	return out
}

func pythonOutput(script string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/bin/python3", append([]string{"-c", script}, args...)...).CombinedOutput()
	return string(out), err
}
