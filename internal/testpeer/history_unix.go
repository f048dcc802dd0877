//go:build !windows

package testpeer

import (
	"context"
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
	"testing"
	"time"
)

// ServiceHost is Quick Assist's page host, the one its WebView2 History
// records a session by.
const ServiceHost = "remoteassistance.support.services.microsoft.com"

// ChromiumHistory has the real headless Chromium visit the service's pages
// in order (paths, each with its query), on a loopback HTTPS server with
// the service's host name mapped to 127.0.0.1 and every other name to
// nothing, then closes it as a user does (Browser.close over DevTools), so
// it commits its History. It returns the History file's path. It fails,
// never skips, when Chromium is missing (scripts/test installs it).
func ChromiumHistory(t testing.TB, paths ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (scripts/test installs it): %v", err)
	}
	done := make(chan struct{}, 1)
	next := map[string]string{}
	for i, p := range paths {
		u, _, _ := strings.Cut(p, "?")
		if i+1 < len(paths) {
			next[u] = paths[i+1]
		} else {
			next[u] = ""
		}
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, ok := next[r.URL.Path]
		switch {
		case r.URL.Path == "/done":
			select {
			case done <- struct{}{}:
			default:
			}
			return
		case !ok:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		if n == "" { // the last page says it has loaded without leaving (a visit of its own would be one more)
			io.WriteString(w, `<!doctype html><title>qa</title><script>setTimeout(function(){fetch("/done")},300)</script>`)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>qa</title><script>setTimeout(function(){location.href=%q},300)</script>`, n)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	dir := TempDir(t)
	profile := filepath.Join(dir, "profile")
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--ignore-certificate-errors",
		"--host-resolver-rules=MAP "+ServiceHost+" 127.0.0.1, MAP * ~NOTFOUND",
		"--remote-debugging-pipe", "https://"+ServiceHost+":"+port+paths[0])
	cmd.ExtraFiles = []*os.File{cmdR, ansW} // DevTools: commands on fd 3, answers on fd 4
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	ansW.Close()
	go io.Copy(io.Discard, ansR)
	exited := make(chan struct{})
	go func() { cmd.Wait(); ansR.Close(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited; cmdW.Close() })
	select {
	case <-done:
	case <-exited:
		t.Fatalf("chromium ended before visiting the pages:\n%s", out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("chromium did not visit the pages within 60 s:\n%s", out.String())
	}
	if _, err := cmdW.Write([]byte(`{"id":1,"method":"Browser.close"}` + "\x00")); err != nil {
		t.Fatalf("Browser.close: %v", err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("chromium did not exit within 30 s of Browser.close")
	}
	return filepath.Join(profile, "Default", "History")
}

// SetVisitTimes moves the visits of a Chromium History, in the order they
// were made (a page Chromium visited twice, on a reload, takes the next
// time too, so give one time per visit), to the times given (SQLite itself writes, through python3's
// sqlite3 module): a History Chromium wrote today then lines up with the
// records of a real event log from another day.
func SetVisitTimes(t testing.TB, history string, times ...time.Time) {
	t.Helper()
	var args []string
	for _, at := range times { // microseconds since 1601-01-01 (a Duration cannot span 400 years)
		args = append(args, fmt.Sprint((at.Unix()+11644473600)*1e6+int64(at.Nanosecond()/1e3)))
	}
	const script = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("select id from visits order by visit_time, id")]
if len(ids) != len(sys.argv) - 2:
    sys.exit("History has %d visits, %d times given" % (len(ids), len(sys.argv) - 2))
for i, t in zip(ids, sys.argv[2:]):
    db.execute("update visits set visit_time = ? where id = ?", (int(t), i))
db.commit()
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "python3", append([]string{"-c", script, history}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("python3 sqlite3: %v\n%s", err, out)
	}
}
