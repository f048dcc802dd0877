// Package browser asks the PC's own browser how the web leg's requests go.
// Quick Assist's web leg runs in WebView2, which is Chromium's network
// stack; Edge is the same stack with the same proxy settings (WinINet's,
// a PAC, WPAD, SSO to the proxy) and the same certificate store (with AIA
// and an antivirus' root). qadoctor's own probes imitate that stack; the
// browser is the real thing, so where the two disagree on the web leg the
// browser's verdict is the one to trust.
//
// Run starts the browser headless with a fresh temporary profile, no
// extensions and a NetLog, and has it load a page from that private
// folder whose script requests each endpoint (a CORS GET for HTTPS, a
// WebSocket for the channels) and tells a loopback server of ours, which
// answers only the page's secret, when all have ended (page.go). ReadNetLog
// then reads, per endpoint, Chromium's error, the HTTP status, the proxy
// chain it used and the certificate it verified. The run is bounded by
// its context; at the end every process of the browser is ended by id
// (its process group on Unix, a job object on Windows) and the profile
// folder is removed.
//
// Which browser: Find looks for Edge, then the WebView2 runtime's own
// executable, on Windows, and for Chromium elsewhere (how it is tested).
// Add a candidate to the platform's list in find_windows.go or
// find_other.go.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/qadoctor/qadoctor/internal/elevate"
	"github.com/qadoctor/qadoctor/internal/facts"
)

// Ask is one request the browser makes.
type Ask struct {
	URL       string `json:"url"`
	WebSocket bool   `json:"websocket,omitempty"`
}

// Options set up one run.
type Options struct {
	// Program is the browser's executable; Kind names it (edge, webview2,
	// chromium).
	Program, Kind string
	// ProxyServer and PACURL, when set, replace the system's proxy
	// settings (--proxy-server, --proxy-pac-url); Direct sends everything
	// direct. None: the browser's own (the system's) settings.
	ProxyServer, PACURL string
	Direct              bool
	// Args are more command-line switches (tests map host names with
	// --host-resolver-rules).
	Args []string
	// Env, when set, is the browser's environment (tests give it a HOME
	// whose NSS store trusts their CA); nil: ours.
	Env []string
	// Command makes the command the browser runs as (a test's network
	// namespace); nil: exec.Command.
	Command func(name string, args ...string) *exec.Cmd
	// Dir is where the temporary profile is made; "": the system's
	// temporary folder.
	Dir string
	// ProbesDone closes when qadoctor's own probes, started with the
	// browser, have all ended. The browser's requests then get as long
	// as the probes took, counted from when its page sent them, and Slack
	// more: a request not ended by then is NoAnswer. A run whose probes
	// concluded early (offline, a dropped endpoint) does not wait for the
	// deadline on the browser's account, and a browser slow to start is
	// not cut off before its requests had their turn. nil: the budget
	// alone ends the requests.
	ProbesDone <-chan struct{}
	// KeepNetLog, when set, is a file the NetLog is copied to before the
	// profile is removed (tests keep one as a golden).
	KeepNetLog string
}

// Margins within the run's deadline: the browser needs time to start
// before its requests and to end and close its NetLog after them.
const (
	startMargin = 1500 * time.Millisecond
	endMargin   = 1500 * time.Millisecond
	// Slack is how much longer than qadoctor's own probes took the
	// browser's requests may go on (see Options.ProbesDone).
	Slack = 2 * time.Second
	// StartAllowance is how long a browser may take from its start to
	// its page's requests before it is given up (see ProbesDone).
	StartAllowance = 5 * time.Second
	// MinBudget is the least time the requests are given; with less of
	// the deadline left the browser is not started.
	MinBudget = time.Second
)

// ErrNeverAsked means the browser never started its requests: its page,
// or a PAC it waits for, never loaded.
var ErrNeverAsked = errors.New("the browser never started its requests (its page, or a PAC it waits for, never loaded)")

// ErrNoTime means too little of the deadline was left to start a browser.
var ErrNoTime = errors.New("too little of the deadline is left to start a browser")

// Run has the browser request every ask and reads its NetLog. The
// requests get what is left of ctx's deadline after the margins; at the
// deadline the browser is ended wherever it is, and what its NetLog holds
// by then is read.
func Run(ctx context.Context, o Options, list []Ask) (facts.Browser, error) {
	start := time.Now()
	b := facts.Browser{Program: o.Program, Kind: o.Kind, Way: o.way()}
	budget := 30 * time.Second
	if d, ok := ctx.Deadline(); ok {
		budget = time.Until(d) - startMargin - endMargin
	}
	if budget < MinBudget {
		return b, ErrNoTime
	}
	top, err := os.MkdirTemp(o.Dir, "qadoctor-browser-")
	if err != nil {
		return b, fmt.Errorf("a temporary profile for the browser: %w", err)
	}
	defer removeAll(top)
	dir, err := private(top)
	if err != nil {
		return b, fmt.Errorf("a private folder for the browser: %w", err)
	}
	page, err := startPage(dir, list, budget)
	if err != nil {
		return b, fmt.Errorf("the page for the browser: %w", err)
	}
	defer page.close()
	netlog := filepath.Join(dir, "netlog.json")
	args := append(o.switches(dir, netlog), o.Args...)
	args = append(args, "--dump-dom", page.url())
	run := exec.Command
	if o.Command != nil {
		run = o.Command
	}
	cmd := run(o.Program, args...)
	// Its own temporary files (Chromium's singleton socket) go in the
	// profile folder, removed with it even when the browser is killed.
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env[:len(env):len(env)], "TMPDIR="+dir, "TMP="+dir, "TEMP="+dir)
	// Standard output and error go nowhere (nil: no pipes, so a helper
	// that outlives the group cannot hold Wait open), and Wait gives up
	// on anything left after WaitDelay.
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.WaitDelay = 2 * time.Second
	g, err := startGroup(cmd)
	if err != nil {
		return b, fmt.Errorf("starting %s: %w", o.Program, err)
	}
	// Closed when the browser process has ended (every wait below may
	// see it).
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// The page's own budget ends its requests; this timer is the
	// backstop should the page never say so (a browser that hangs).
	backstop := time.AfterFunc(startMargin+budget, page.release)
	defer backstop.Stop()
	enough, neverAsked := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case <-o.ProbesDone:
		case <-exited:
			return
		}
		took := time.Since(start)
		// A page not loaded by then (a browser that hangs, a PAC that
		// never comes) is not waited for until the deadline; a browser
		// slow to start (a cold Edge, a busy PC) gets StartAllowance from
		// its start however quick the probes were.
		limit := time.NewTimer(max(took+Slack, StartAllowance-took))
		defer limit.Stop()
		select {
		case <-page.asked:
		case <-limit.C:
			close(neverAsked)
			return
		case <-exited:
			return
		}
		select {
		case <-time.After(time.Until(page.askedAt.Add(took + Slack))):
			close(enough)
		case <-exited:
		}
	}()
	cutOff, asked := false, true
	select {
	case <-exited:
	case <-ctx.Done():
		cutOff = true
	case <-neverAsked:
		asked = false
	case <-enough:
		page.release()
		select {
		case <-exited:
		case <-time.After(endMargin):
		case <-ctx.Done():
			cutOff = true
		}
	case <-page.ended:
		// The page is done: give the browser its end margin to dump the
		// page, close the NetLog and exit.
		select {
		case <-exited:
		case <-time.After(endMargin):
		case <-ctx.Done():
			cutOff = true
		}
	}
	g.end()
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
	}
	b.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	select {
	case <-page.asked:
	default:
		// The browser ended (crashed, refused to run on its own) or was
		// cut off before its page sent a single request: its NetLog
		// would call every endpoint unanswered.
		asked = false
	}
	if !asked && cutOff {
		b.State = facts.BrowserCutOff
		return b, nil
	}
	if !asked {
		return b, fmt.Errorf("%s: %w", filepath.Base(o.Program), ErrNeverAsked)
	}
	b.CutOff = cutOff
	f, err := os.Open(netlog)
	if err != nil {
		if cutOff {
			b.State = facts.BrowserCutOff
			return b, nil
		}
		return b, fmt.Errorf("%s wrote no NetLog (%w)", filepath.Base(o.Program), err)
	}
	defer f.Close()
	if o.KeepNetLog != "" {
		if err := copyFile(o.KeepNetLog, f); err != nil {
			return b, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return b, err
		}
	}
	urls := make([]string, len(list))
	for i, a := range list {
		urls[i] = a.URL
	}
	out, err := ReadNetLog(f, urls)
	if err != nil {
		return b, fmt.Errorf("the browser's NetLog: %w", err)
	}
	b.State = facts.BrowserRan
	b.Truncated, b.NetLogEvents = out.Truncated, out.Events
	for _, a := range list {
		b.Endpoints = append(b.Endpoints, out.Endpoints[a.URL])
	}
	return b, nil
}

// Live asks this PC's browser, unless a policy or the account forbids it:
// what gather runs when no test replaced it. It says why it did not run
// in the facts, never as an error.
func Live(ctx context.Context, o Options, list []Ask) facts.Browser {
	skip := func(why, detail string) facts.Browser {
		return facts.Browser{State: facts.BrowserSkippedRun, Skipped: why, Error: detail, Program: o.Program, Kind: o.Kind, Way: o.way()}
	}
	if elevate.IsSystem() {
		return skip(facts.BrowserSkipSystem, "")
	}
	if blocked, where := HeadlessBlocked(); blocked {
		return skip(facts.BrowserSkipPolicy, where)
	}
	if o.Program == "" {
		o.Program, o.Kind = Finder{}.Find()
		if o.Program == "" {
			return skip(facts.BrowserSkipNone, "")
		}
	}
	b, err := Run(ctx, o, list)
	switch {
	case errors.Is(err, ErrNoTime):
		return skip(facts.BrowserSkipTime, "")
	case errors.Is(err, ErrNeverAsked):
		return skip(facts.BrowserSkipNeverAsked, "")
	case err != nil && ctx.Err() != nil:
		b.State, b.Error = facts.BrowserCutOff, err.Error()
	case err != nil:
		b.State, b.Error = facts.BrowserFailed, err.Error()
	}
	return b
}

// switches are the browser's command line: headless, a fresh profile
// that nothing else shares, no extensions, nothing in the background,
// and the NetLog.
func (o Options) switches(dir, netlog string) []string {
	args := []string{
		"--headless=new",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
		"--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-component-extensions-with-background-pages",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-gpu", "--mute-audio",
		"--log-net-log=" + netlog, "--net-log-capture-mode=Default",
		"--disable-crash-reporter", // no crash handler outliving the browser's group
	}
	switch {
	case o.Direct:
		args = append(args, "--no-proxy-server")
	case o.ProxyServer != "":
		args = append(args, "--proxy-server="+o.ProxyServer)
	case o.PACURL != "":
		args = append(args, "--proxy-pac-url="+o.PACURL)
	}
	return append(args, noSandbox()...)
}

func (o Options) way() string {
	switch {
	case o.Direct:
		return "direct"
	case o.ProxyServer != "":
		return "--proxy " + o.ProxyServer
	case o.PACURL != "":
		return "--pac " + o.PACURL
	}
	return ""
}

// removeAll removes the temporary profile; a browser process that has
// only just ended may still hold a file for a moment on Windows.
func removeAll(dir string) {
	for i := 0; i < 10; i++ {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Edge's policy that can switch headless mode off.
const (
	policyKey   = `SOFTWARE\Policies\Microsoft\Edge`
	policyValue = "HeadlessModeEnabled"
)

func copyFile(to string, from io.Reader) error {
	w, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, io.LimitReader(from, MaxNetLogBytes)); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
