package cli

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/console"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestProgressView(t *testing.T) {
	steps := []gather.Progress{
		{Done: 1, Total: 12, Task: "remoteassistance.support.services.microsoft.com:443", OK: true},
		{Done: 2, Total: 12, Task: "a.test:443", OK: false},
	}
	tests := []struct {
		name      string
		io        IOStreams
		want      []string // substrings, in order
		wantNot   []string
		endsClean bool // the last write blanks the live line
	}{
		{"piped: a plain line per probe", IOStreams{}, []string{
			"qadoctor: [ 1/12] remoteassistance.support.services.microsoft.com:443: ok\n",
			"qadoctor: [ 2/12] a.test:443: failed\n"}, []string{"\r", "\x1b["}, false},
		{"terminal: one line rewritten", IOStreams{ErrTTY: true}, []string{
			"\rChecking [ 1/12] remoteassistance.support.services.microsoft.com:443 ok",
			"\rChecking [ 2/12] a.test:443 failed"}, []string{"\n", "\x1b["}, true},
		{"terminal with colour", IOStreams{ErrTTY: true, Color: true}, []string{ansiGreen + "ok" + ansiReset, ansiRed + "failed" + ansiReset}, []string{"\n"}, true},
		{"Japanese", IOStreams{ErrTTY: true, Tr: i18n.New(i18n.Japanese)}, []string{"チェック中 [ 2/12] a.test:443 失敗"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.io.ErrOut = &b
			v := newProgressView(tt.io, false)
			for _, s := range steps {
				v.update(s)
			}
			v.done()
			out := b.String()
			at := 0
			for _, w := range tt.want {
				i := strings.Index(out[at:], w)
				if i < 0 {
					t.Fatalf("progress %q lacks %q after byte %d", out, w, at)
				}
				at += i + len(w)
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("progress %q contains %q", out, w)
				}
			}
			if tt.endsClean {
				last := out[strings.LastIndex(out[:len(out)-1], "\r"):]
				if strings.Trim(last, "\r ") != "" {
					t.Errorf("the live line is not blanked at the end: %q", last)
				}
				// Each redraw covers every column of the one before, in
				// terminal columns (a Japanese character takes two).
				shown := 0 // columns of text on screen
				for _, seg := range strings.Split(ansi.ReplaceAllString(out, ""), "\r") {
					if w := i18n.Width(seg); seg != "" && w < shown {
						t.Errorf("a redraw of %d columns leaves part of a %d-column line: %q", w, shown, seg)
					}
					if seg != "" {
						shown = i18n.Width(strings.TrimRight(seg, " "))
					}
				}
			}
		})
	}
	if newProgressView(IOStreams{ErrOut: &strings.Builder{}}, true) != nil {
		t.Error("--quiet still shows progress")
	}
}

func TestColorAllowed(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want bool
	}{
		{nil, true},
		{map[string]string{"NO_COLOR": "1"}, false},
		{map[string]string{"TERM": "dumb"}, false},
		{map[string]string{"TERM": "xterm-256color"}, true},
	} {
		if got := console.ColorAllowed(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("ColorAllowed(%v) = %v; want %v", tt.env, got, tt.want)
		}
	}
}

// A diagnose run shows its progress on standard error and keeps standard
// output for the report.
func TestDiagnoseShowsProgress(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	_, out, errOut := runCLI(t, gather.Env{}, "diagnose", "--profile", prof, "--skip", "net.hosts-file", "--json")
	if !regexp.MustCompile(`qadoctor: \[\d/\d\] localhost:\d+: failed\n`).MatchString(errOut) {
		t.Errorf("stderr %q lacks the progress line", errOut)
	}
	if strings.Contains(out, "[1/1]") {
		t.Error("progress went to standard output")
	}
	_, _, errOut = runCLI(t, gather.Env{}, "diagnose", "--profile", prof, "--skip", "net.hosts-file", "--json", "-q")
	if errOut != "" {
		t.Errorf("--quiet: stderr %q; want nothing", errOut)
	}
}

// A double-click diagnoses, shows the text report, writes the HTML page to
// the temporary folder, opens it, and waits for Enter.
func TestDoubleClick(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	dir := testpeer.TempDir(t)
	var out, errOut strings.Builder
	var opened string
	d := &Deps{
		IO:         IOStreams{In: strings.NewReader("\n"), Out: &out, ErrOut: &errOut},
		Build:      BuildInfo{Version: "test"},
		Env:        gather.Env{System: notWindows, Getenv: func(k string) string { return map[string]string{"LANG": "ja_JP.UTF-8"}[k] }},
		UILanguage: func() string { return "" },
	}
	dc := DoubleClickDeps{SaveDir: func() string { return dir }, Open: func(p string) error { opened = p; return nil }}
	code := runDoubleClick(t.Context(), d, dc, &DiagnoseOptions{ProfilePath: prof, Timeout: DefaultTimeout, Skip: []string{"net.hosts-file"}})
	if code != ExitFailed {
		t.Errorf("exit code = %d; want %d\n%s", code, ExitFailed, errOut.String())
	}
	if filepath.Dir(opened) != dir || !strings.HasSuffix(opened, ".html") {
		t.Fatalf("opened %q; want an .html page in %s", opened, dir)
	}
	page, err := os.ReadFile(opened)
	if err != nil || !strings.Contains(string(page), `lang="ja"`) {
		t.Errorf("the page %s (%v) is not the Japanese HTML report", opened, err)
	}
	text := out.String()
	for _, w := range []string{"最も可能性の高い原因 (net.reach):", "レポートをブラウザーで開きました", "Enter キーを押すと", "ヘルプデスクに送ってください: " + dir} {
		if !strings.Contains(text, w) {
			t.Errorf("the window lacks %q:\n%s", w, text)
		}
	}
	zips, _ := filepath.Glob(filepath.Join(dir, "qadoctor-bundle-*.zip"))
	if len(zips) != 1 {
		t.Fatalf("bundles in %s: %v; want one", dir, zips)
	}
	if z, err := zip.OpenReader(zips[0]); err != nil {
		t.Errorf("the bundle %s: %v", zips[0], err)
	} else {
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
		}
		z.Close()
		if !slices.Contains(names, "report.html") || !slices.Contains(names, "redactions.txt") {
			t.Errorf("the bundle holds %v; want the report and redactions.txt", names)
		}
	}
}

// "o" and Enter opens the folder the files were saved in; Enter alone
// only closes. (The first line answers the symptom question.)
func TestDoubleClickOpensTheFolder(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	for answer, want := range map[string]bool{"\no\n": true, "\n\n": false, "4\no\n": true} {
		dir := testpeer.TempDir(t)
		var out strings.Builder
		var opened []string
		d := &Deps{IO: IOStreams{In: strings.NewReader(answer), Out: &out, ErrOut: io.Discard}, Build: BuildInfo{Version: "test"},
			Env: gather.Env{System: notWindows, Getenv: func(string) string { return "" }}, UILanguage: func() string { return "" }}
		dc := DoubleClickDeps{SaveDir: func() string { return dir }, Open: func(p string) error { opened = append(opened, p); return nil }}
		runDoubleClick(t.Context(), d, dc, &DiagnoseOptions{ProfilePath: prof, Timeout: DefaultTimeout, Skip: []string{"net.hosts-file"}})
		if got := slices.Contains(opened, dir); got != want {
			t.Errorf("answer %q: opened %v; want the folder opened: %v", answer, opened, want)
		}
	}
}

// The window asks, in one question, where the session broke: the answer
// (a number, full-width too) becomes the report's symptom and puts the
// causes met at that step first; Enter, garbage or a closed input is
// "don't know", and the diagnosis runs as without it.
func TestDoubleClickAsksTheSymptom(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	for _, tt := range []struct {
		input string
		want  leg.Step
	}{
		{"4\n\n", leg.Sharing},
		{"１\n\n", leg.Opens},
		{"\n\n", ""},
		{"9\n\n", ""},
		{strings.Repeat("x", 10000) + "\n\n", ""},
		{"", ""},
	} {
		dir := testpeer.TempDir(t)
		var out strings.Builder
		d := &Deps{IO: IOStreams{In: strings.NewReader(tt.input), Out: &out, ErrOut: io.Discard}, Build: BuildInfo{Version: "test"},
			Env: gather.Env{System: notWindows, Getenv: func(string) string { return "" }}, UILanguage: func() string { return "" }}
		dc := DoubleClickDeps{SaveDir: func() string { return dir }, Open: func(string) error { return nil }}
		runDoubleClick(t.Context(), d, dc, &DiagnoseOptions{ProfilePath: prof, Timeout: DefaultTimeout, Skip: []string{"net.hosts-file"}})
		text := out.String()
		if !strings.Contains(text, "What happened when Quick Assist failed?") || !strings.Contains(text, "4. the session ends when screen sharing starts") {
			t.Errorf("input %.20q: the window does not ask the question:\n%s", tt.input, text)
		}
		said := strings.Contains(text, "You said: ")
		if said != (tt.want != "") || tt.want != "" && !strings.Contains(text, "You said: "+tt.want.Seen(i18n.New(i18n.English))) {
			t.Errorf("input %.20q: report says symptom %v; want %q:\n%s", tt.input, said, tt.want, text)
		}
	}
}
