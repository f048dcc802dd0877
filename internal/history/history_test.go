package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func TestSplitURL(t *testing.T) {
	long := "/" + strings.Repeat("é", 200) // 2 bytes each: cut at a character boundary
	for _, tt := range []struct {
		url, host, path string
		ok              bool
	}{
		{"https://remoteassistance.support.services.microsoft.com/status/ended?code=123456#x", "remoteassistance.support.services.microsoft.com", "/status/ended", true},
		{"https://REMOTEASSISTANCE.Support.Services.Microsoft.com./screenshare", "remoteassistance.support.services.microsoft.com", "/screenshare", true},
		{"https://user:secret@host.test:8443/a/b?c#d", "host.test", "/a/b", true},
		{"HTTP://host.test", "host.test", "/", true},
		{"https://host.test?q=/x", "host.test", "/", true},
		{"https://host.test#/x", "host.test", "/", true},
		{"https://[::1]:443/x", "[::1]", "/x", true},
		{"https://host.test/caf\xe9\xff/x", "host.test", "/caf\uFFFD/x", true},
		{"https://host.test" + long, "host.test", long[:MaxPath-1], true},
		{"https://host.test/" + strings.Repeat("a", 1000), "host.test", "/" + strings.Repeat("a", MaxPath-1), true},
		{"ftp://host.test/x", "", "", false},
		{"chrome://history/", "", "", false},
		{"https:///x", "", "", false},
		{"https://ho st.test/x", "", "", false},
		{"https://" + strings.Repeat("a", 5000) + "/x", "", "", false},
		{"", "", "", false},
	} {
		host, path, ok := splitURL([]byte(tt.url))
		if host != tt.host || path != tt.path || ok != tt.ok {
			t.Errorf("splitURL(%.60q) = %q, %q, %v; want %q, %q, %v", tt.url, host, path, ok, tt.host, tt.path, tt.ok)
		}
	}
}

func TestTableColumns(t *testing.T) {
	for _, tt := range []struct {
		sql  string
		want []string
	}{
		// Chromium's own (Chromium 156).
		{"CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL)",
			[]string{"id", "url", "title", "visit_count", "typed_count", "last_visit_time", "hidden"}},
		{`create table "t"("Id" int, [url] text, ` + "`b,c`" + ` text default 'x,y', d numeric(10, 2), PRIMARY KEY(Id), UNIQUE(url), CHECK(d > 0), CONSTRAINT k FOREIGN KEY(d) REFERENCES x(y))`,
			[]string{"id", "url", "b,c", "d"}},
		{"create table t(a -- a comment, with a comma\n, b /* another, here */, c)", []string{"a", "b", "c"}},
	} {
		got, err := tableColumns(tt.sql)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("tableColumns(%q) = %q, %v; want %q", tt.sql, got, err, tt.want)
		}
	}
	for _, sql := range []string{"create table t as select 1", "create table t(a, b", "create table t(a 'b)", "create table t(a /* b)"} {
		if got, err := tableColumns(sql); err == nil {
			t.Errorf("tableColumns(%q) = %q; want an error", sql, got)
		}
	}
}

func TestChromeTime(t *testing.T) {
	for _, tt := range []struct {
		v    value
		want time.Time
		ok   bool
	}{
		{value{kind: 'i', i: 13441036812068051}, time.Date(2026, 12, 6, 13, 20, 12, 68051000, time.UTC), true},
		{value{kind: 'i', i: windowsToUnix * 1e6}, time.Unix(0, 0).UTC(), true},
		{value{kind: 'i', i: windowsToUnix*1e6 - 1}, time.Time{}, false},
		{value{kind: 'i', i: 0}, time.Time{}, false},
		{value{kind: 'i', i: -5}, time.Time{}, false},
		{value{kind: 'i', i: 1<<63 - 1}, time.Time{}, false},
		{value{kind: 't', b: []byte("13441036812068051")}, time.Time{}, false},
	} {
		got, ok := chromeTime(tt.v)
		if !got.Equal(tt.want) || ok != tt.ok || ok && got.Location() != time.UTC {
			t.Errorf("chromeTime(%v) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// Files that are not there or not files: the state and an Error that
// names the file and says what to do.
func TestReadNoFile(t *testing.T) {
	dir := testpeer.TempDir(t)
	missing := filepath.Join(dir, "History")
	hr, visits := Read(context.Background(), missing, isAny, Limits{})
	if hr.State != facts.ReadAbsent || !strings.HasPrefix(hr.Error, missing+": no such file") || !strings.Contains(hr.Error, "run qadoctor as the user who used Quick Assist") || visits != nil {
		t.Errorf("Read(missing) = %+v, %v; want absent, naming the file, saying what to do", hr, visits)
	}
	hr, _ = Read(context.Background(), dir, isAny, Limits{})
	if hr.State != facts.ReadError || !strings.HasPrefix(hr.Error, dir+": not a regular file") {
		t.Errorf("Read(a folder) = %+v; want error, naming it, not a regular file", hr)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	hr, _ = Read(context.Background(), empty, isAny, Limits{})
	if hr.State != facts.ReadCorrupt || !strings.HasPrefix(hr.Error, empty+": not a readable History database") {
		t.Errorf("Read(an empty file) = %+v; want corrupt, naming it", hr)
	}
}

func isAny(string) bool { return true }

// fakeSystem answers Locate's questions from fields.
type fakeSystem struct {
	system          bool
	own             uint32
	ownErr          error
	console         uint32 // 0xFFFFFFFF: none
	users           map[uint32][2]string
	sids            map[string]string
	profiles        map[string]string
	appData, myName string
}

func (f fakeSystem) isSystem() bool                 { return f.system }
func (f fakeSystem) ownSession() (uint32, error)    { return f.own, f.ownErr }
func (f fakeSystem) consoleSession() (uint32, bool) { return f.console, f.console != 0xFFFFFFFF }
func (f fakeSystem) processUser() (string, error)   { return f.myName, nil }
func (f fakeSystem) localAppData() (string, error)  { return f.appData, nil }
func (f fakeSystem) sessionUser(id uint32) (string, string, error) {
	u := f.users[id]
	return u[0], u[1], nil
}

func (f fakeSystem) userSID(_ uint32, domain, user string) (string, error) {
	if s, ok := f.sids[domain+`\`+user]; ok {
		return s, nil
	}
	return "", errors.New("No mapping between account names and security IDs was done.")
}

func (f fakeSystem) profileDir(sid string) (string, error) {
	if p, ok := f.profiles[sid]; ok {
		return p, nil
	}
	return "", errors.New("The system cannot find the file specified.")
}

func TestLocate(t *testing.T) {
	alice := fakeSystem{
		users:    map[uint32][2]string{1: {"PC", "alice"}, 2: {"AzureAD", "BobSmith"}},
		sids:     map[string]string{`PC\alice`: "S-1-5-21-1-2-3-1001", `AzureAD\BobSmith`: "S-1-12-1-4-5-6-7"},
		profiles: map[string]string{"S-1-5-21-1-2-3-1001": `C:\Users\alice`, "S-1-12-1-4-5-6-7": `C:\Users\BobSmith\`},
		appData:  `C:\Users\admin\AppData\Local`, myName: `PC\admin`,
		console: 1,
	}
	with := func(f func(*fakeSystem)) fakeSystem { s := alice; f(&s); return s }
	for _, tt := range []struct {
		name string
		sys  fakeSystem
		want Location
	}{
		{"elevated as another admin in alice's session", with(func(s *fakeSystem) { s.own = 1 }),
			Location{Path: `C:\Users\alice\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`, User: `PC\alice`, Whose: "session"}},
		{"in Bob's remote session while alice has the console", with(func(s *fakeSystem) { s.own = 2 }),
			Location{Path: `C:\Users\BobSmith\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`, User: `AzureAD\BobSmith`, Whose: "session"}},
		{"SYSTEM in session 0, alice at the console", with(func(s *fakeSystem) { s.system, s.own = true, 0 }),
			Location{Path: `C:\Users\alice\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`, User: `PC\alice`, Whose: "console", AsSystem: true}},
		{"SYSTEM, nobody at the console", with(func(s *fakeSystem) { s.system, s.console = true, 0xFFFFFFFF }),
			Location{AsSystem: true, Unavailable: "qadoctor runs as SYSTEM and found no signed-in user whose profile it could read (no session is attached to the console), so there is no Quick Assist History to read; run it again while the user is signed in, or as that user", Notes: []string{"no session is attached to the console"}}},
		{"SYSTEM, the console at the sign-in screen", with(func(s *fakeSystem) { s.system, s.console = true, 3 }),
			Location{AsSystem: true, Unavailable: "qadoctor runs as SYSTEM and found no signed-in user whose profile it could read (the user of session 3: nobody is signed in), so there is no Quick Assist History to read; run it again while the user is signed in, or as that user", Notes: []string{"the user of session 3: nobody is signed in"}}},
		{"the user's SID unknown: qadoctor's own profile", with(func(s *fakeSystem) { s.own = 1; s.sids = nil }),
			Location{Path: `C:\Users\admin\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`, User: `PC\admin`, Whose: "process", Notes: []string{`the user of session 1: the SID of PC\alice: No mapping between account names and security IDs was done.`}}},
		{"no profile folder: qadoctor's own profile", with(func(s *fakeSystem) { s.own = 1; s.profiles = nil }),
			Location{Path: `C:\Users\admin\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`, User: `PC\admin`, Whose: "process", Notes: []string{`the user of session 1: the profile folder of PC\alice: The system cannot find the file specified.`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := locate(tt.sys)
			if got.Path != tt.want.Path || got.User != tt.want.User || got.Whose != tt.want.Whose || got.AsSystem != tt.want.AsSystem || got.Unavailable != tt.want.Unavailable || !slices.Equal(got.Notes, tt.want.Notes) {
				t.Errorf("locate = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestStartsNavigation(t *testing.T) {
	i := func(n int64) value { return value{kind: 'i', i: n} }
	for _, tc := range []struct {
		from, trans value
		want        bool
	}{
		{i(0), i(0x30000006), true},  // the page Quick Assist starts with: AUTO_TOPLEVEL
		{i(0), i(0x30000001), true},  // TYPED
		{i(0), i(0x30000000), false}, // a LINK from a page with a fragment: from_visit 0, still a page's
		{i(3), i(0x30000006), false}, // led to by visit 3
		{i(0), i(0x08), false},       // a reload
		{value{}, i(6), false},       // an old schema without from_visit
	} {
		if got := startsNavigation(tc.from, tc.trans); got != tc.want {
			t.Errorf("startsNavigation(%+v, %+v) = %v; want %v", tc.from, tc.trans, got, tc.want)
		}
	}
}

// splitURL is how the reader takes a urls row apart (urlHost, lowerHost,
// cleanPath), in one call for the table test: it returns the lower-case host and the path of a URL as Chromium
// stores it (canonical: scheme://[userinfo@]host[:port]/path[?query][#fragment]).
// The userinfo, port, query and fragment are dropped: they may carry a
// name, a session code or a token. ok is false for a URL with no host or a
// scheme that is not http or https.
func splitURL(u []byte) (host, path string, ok bool) {
	h, at, ok := urlHost(u)
	if !ok {
		return "", "", false
	}
	var buf [maxHost]byte
	lh, ok := lowerHost(h, &buf)
	if !ok {
		return "", "", false
	}
	return string(lh), cleanPath(u, at), true
}
