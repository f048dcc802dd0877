package browser

import (
	"errors"
	"path"
	"strings"
	"testing"
)

// Find on Windows, through its seams: Edge first (its three places), then
// the WebView2 runtime's newest version folder; a folder variable that is
// unset or relative is not searched (a planted file there would be run).
func TestFindWindows(t *testing.T) {
	for _, tc := range []struct {
		name        string
		env         map[string]string
		files       []string
		wantProgram string
		wantKind    string
		elevated    bool
	}{
		{"Edge, 32-bit folder", map[string]string{"ProgramFiles(x86)": `C:\Program Files (x86)`, "ProgramFiles": `C:\Program Files`},
			[]string{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `C:\Program Files\Microsoft\Edge\Application\msedge.exe`},
			`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, "edge", false},
		{"Edge, 64-bit folder", map[string]string{"ProgramFiles(x86)": `C:\Program Files (x86)`, "ProgramFiles": `C:\Program Files`},
			[]string{`C:\Program Files\Microsoft\Edge\Application\msedge.exe`}, `C:\Program Files\Microsoft\Edge\Application\msedge.exe`, "edge", false},
		{"Edge for the user only", map[string]string{"LOCALAPPDATA": `C:\Users\a\AppData\Local`},
			[]string{`C:\Users\a\AppData\Local\Microsoft\Edge\Application\msedge.exe`}, `C:\Users\a\AppData\Local\Microsoft\Edge\Application\msedge.exe`, "edge", false},
		{"no Edge: the newest WebView2 runtime, by version number", map[string]string{"ProgramFiles(x86)": `C:\Program Files (x86)`},
			[]string{
				`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\99.0.1150.55\msedgewebview2.exe`,
				`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\120.0.2210.91\msedgewebview2.exe`,
				`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\SetupMetrics\msedgewebview2.exe`,
			},
			`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\120.0.2210.91\msedgewebview2.exe`, "webview2", false},
		{"elevated, a user's own Edge is not run (a program planted there would run as admin)", map[string]string{"LOCALAPPDATA": `C:\Users\a\AppData\Local`, "ProgramFiles(x86)": `C:\Program Files (x86)`},
			[]string{`C:\Users\a\AppData\Local\Microsoft\Edge\Application\msedge.exe`, `C:\Program Files (x86)\Microsoft\EdgeWebView\Application\120.0.2210.91\msedgewebview2.exe`},
			`C:\Program Files (x86)\Microsoft\EdgeWebView\Application\120.0.2210.91\msedgewebview2.exe`, "webview2", true},
		{"a relative folder variable is not searched", map[string]string{"ProgramFiles(x86)": `Program Files (x86)`},
			[]string{`Program Files (x86)\Microsoft\Edge\Application\msedge.exe`}, "", "", false},
		{"nothing", map[string]string{"ProgramFiles(x86)": `C:\Program Files (x86)`}, nil, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			has := map[string]bool{}
			for _, f := range tc.files {
				has[f] = true
			}
			f := Finder{
				GOOS:     "windows",
				Getenv:   func(k string) string { return tc.env[k] },
				Elevated: func() bool { return tc.elevated },
				Exists:   func(p string) bool { return has[p] },
				Glob: func(pattern string) ([]string, error) {
					var out []string
					for _, f := range tc.files {
						// Windows paths matched as slash paths.
						if ok, _ := path.Match(strings.ReplaceAll(pattern, `\`, "/"), strings.ReplaceAll(f, `\`, "/")); ok {
							out = append(out, f)
						}
					}
					return out, nil
				},
				LookPath: func(string) (string, error) { return "", errors.New("not on PATH") },
			}
			program, kind := f.Find()
			if program != tc.wantProgram || kind != tc.wantKind {
				t.Errorf("Find() = %q, %q; want %q, %q", program, kind, tc.wantProgram, tc.wantKind)
			}
		})
	}
}

// Elsewhere the browser is found on PATH, Chromium first.
func TestFindOnPath(t *testing.T) {
	on := map[string]string{"google-chrome": "/opt/google/chrome/google-chrome", "chromium": "/usr/bin/chromium"}
	f := Finder{GOOS: "linux", LookPath: func(n string) (string, error) {
		if p, ok := on[n]; ok {
			return p, nil
		}
		return "", errors.New("not found")
	}}
	if p, k := f.Find(); p != "/usr/bin/chromium" || k != "chromium" {
		t.Errorf("Find() = %q, %q", p, k)
	}
	delete(on, "chromium")
	if p, k := f.Find(); p != "/opt/google/chrome/google-chrome" || k != "chrome" {
		t.Errorf("Find() = %q, %q", p, k)
	}
}
