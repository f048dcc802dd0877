package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/elevate"
)

// candidate is a place a browser may be: a path under an environment
// variable's folder (a "*" stands for the runtime's version folder), or
// a name looked up on PATH.
type candidate struct {
	kind string
	env  string // the folder's variable; "" for a name on PATH
	path string
	// user marks a folder the signed-in user can write: never run from
	// it elevated, where a program planted there would run as admin.
	user bool
}

// Candidates, in the order they are tried, per GOOS. Edge first: it is on
// every Windows 10 and 11 and shares WebView2's network stack; then the
// WebView2 runtime's own executable, which Quick Assist itself runs (it
// is made to be started by the WebView2 loader, so it may refuse to run
// on its own: the check then says it could not be started).
var candidates = map[string][]candidate{
	"windows": {
		{kind: "edge", env: "ProgramFiles(x86)", path: `Microsoft\Edge\Application\msedge.exe`},
		{kind: "edge", env: "ProgramFiles", path: `Microsoft\Edge\Application\msedge.exe`},
		{kind: "edge", env: "LOCALAPPDATA", path: `Microsoft\Edge\Application\msedge.exe`, user: true},
		{kind: "webview2", env: "ProgramFiles(x86)", path: `Microsoft\EdgeWebView\Application\*\msedgewebview2.exe`},
		{kind: "webview2", env: "ProgramFiles", path: `Microsoft\EdgeWebView\Application\*\msedgewebview2.exe`},
		{kind: "webview2", env: "LOCALAPPDATA", path: `Microsoft\EdgeWebView\Application\*\msedgewebview2.exe`, user: true},
	},
	"other": {
		{kind: "chromium", path: "chromium"},
		{kind: "chromium", path: "chromium-browser"},
		{kind: "chrome", path: "google-chrome"},
		{kind: "chrome", path: "google-chrome-stable"},
		{kind: "edge", path: "microsoft-edge"},
		{kind: "edge", path: "microsoft-edge-stable"},
	},
}

// Finder looks for a browser; its fields are the machine it looks at (nil:
// this one's).
type Finder struct {
	GOOS string
	// Getenv gives a candidate's folder by its variable's name; on
	// Windows the live one asks for the known folder itself
	// (SHGetKnownFolderPath), not the environment, which a user can set.
	Getenv   func(string) string
	Elevated func() bool       // the process runs as an administrator
	Exists   func(string) bool // a regular file is there
	Glob     func(string) ([]string, error)
	LookPath func(string) (string, error)
}

// Find returns the first browser of the platform's candidates, and which
// kind it is; "" when there is none.
func (f Finder) Find() (program, kind string) {
	f = f.live()
	list := candidates["other"]
	if f.GOOS == "windows" {
		list = candidates["windows"]
	}
	elevated := f.Elevated()
	for _, c := range list {
		if c.user && elevated {
			continue
		}
		if c.env == "" {
			if p, err := f.LookPath(c.path); err == nil {
				return p, c.kind
			}
			continue
		}
		dir := f.Getenv(c.env)
		if dir == "" || !absolute(f.GOOS, dir) {
			continue // an unset or relative folder would find a planted file
		}
		pattern := strings.TrimRight(dir, `\/`) + `\` + c.path
		if f.GOOS != "windows" {
			pattern = filepath.Join(dir, filepath.FromSlash(strings.ReplaceAll(c.path, `\`, "/")))
		}
		if !strings.Contains(c.path, "*") {
			if f.Exists(pattern) {
				return pattern, c.kind
			}
			continue
		}
		found, _ := f.Glob(pattern)
		for _, p := range newestFirst(found) {
			if f.Exists(p) {
				return p, c.kind
			}
		}
	}
	return "", ""
}

func (f Finder) live() Finder {
	if f.GOOS == "" {
		f.GOOS = runtime.GOOS
	}
	if f.Getenv == nil {
		f.Getenv = folder
	}
	if f.Elevated == nil {
		f.Elevated = elevate.IsElevated
	}
	if f.Exists == nil {
		f.Exists = func(p string) bool {
			st, err := os.Stat(p)
			return err == nil && st.Mode().IsRegular()
		}
	}
	if f.Glob == nil {
		f.Glob = filepath.Glob
	}
	if f.LookPath == nil {
		f.LookPath = exec.LookPath
	}
	return f
}

func absolute(goos, dir string) bool {
	if goos == "windows" {
		return len(dir) >= 3 && dir[1] == ':' && (dir[2] == '\\' || dir[2] == '/') || strings.HasPrefix(dir, `\\`)
	}
	return filepath.IsAbs(dir)
}

// newestFirst orders the WebView2 runtime's version folders, highest
// version first ("120.0.2210.91" after "99.0.1150.55" by number, not by
// text).
func newestFirst(paths []string) []string {
	paths = slices.Clone(paths)
	version := func(p string) []int {
		parts := strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' })
		if len(parts) < 2 {
			return nil
		}
		var v []int
		for _, n := range strings.Split(parts[len(parts)-2], ".") {
			i, err := strconv.Atoi(n)
			if err != nil {
				return nil
			}
			v = append(v, i)
		}
		return v
	}
	slices.SortStableFunc(paths, func(a, b string) int { return slices.Compare(version(b), version(a)) })
	return paths
}
