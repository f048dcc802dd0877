package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

func TestBundleRedacts(t *testing.T) {
	dir := testpeer.TempDir(t)
	hosts := filepath.Join(dir, "hosts")
	os.WriteFile(hosts, []byte("10.20.30.40 fileserver.corp.example\n0.0.0.0 remoteassistance.support.services.microsoft.com\n"), 0o644)
	h := winstate.NewHive()
	h.Set(winstate.KeyCurrentVersion, "CurrentBuildNumber", winstate.StringValue("26200"))
	h.Set(winstate.KeyInetUser, "ProxyEnable", winstate.DWORDValue(1))
	h.Set(winstate.KeyInetUser, "ProxyServer", winstate.StringValue("proxy.corp.example:8080"))
	h.Set(winstate.KeyTcpip, "NV Domain", winstate.StringValue("corp.example"))
	// A bypass list that names the machine and the user's share: it lands in
	// the snapshot, so redaction must find it there.
	h.Set(winstate.KeyInetUser, "ProxyOverride", winstate.StringValue("ALICE-PC;alice-share;192.168.1.50;<local>"))
	nd := gather.Env{System: func() facts.System { return winstate.Collect(h, "live", "", nil) }, Getenv: func(string) string { return "" },
		OSStack:  func(context.Context, string) facts.OSStack { return facts.OSStack{State: facts.OSStackNotWindows} },
		Identity: func() (string, string) { return `CORP\alice`, "ALICE-PC" }}

	run := func(noRedact bool) map[string]string {
		out := filepath.Join(dir, "bundle.zip")
		var o, e strings.Builder
		opts := &BundleOptions{Diagnose: DiagnoseOptions{IO: IOStreams{Out: &o, ErrOut: &e}, Build: BuildInfo{Version: "test"}, Env: nd,
			Timeout: DefaultTimeout, HostsFile: hosts, Only: []string{"net.hosts-file", "net.proxy", "os.version"}},
			Output: out, NoRedact: noRedact, Journal: filepath.Join(dir, "journal")}
		if err := runBundle(context.Background(), opts); err != nil && err != errFindingsFailed {
			t.Fatalf("bundle: %v (%s)", err, e.String())
		}
		return readZip(t, out)
	}

	files := run(false)
	for _, name := range []string{"report.json", "report.html", "snapshot.json", "versions.txt", "redactions.txt"} {
		if files[name] == "" {
			t.Errorf("the bundle lacks %s (has %d files)", name, len(files))
		}
	}
	all := ""
	for name, body := range files {
		if name != "redactions.txt" {
			all += body
		}
	}
	for _, secret := range []string{"alice", "ALICE-PC", "fileserver.corp.example", "proxy.corp.example", "192.168.1.50", "corp.example"} {
		if strings.Contains(strings.ToLower(all), strings.ToLower(secret)) {
			t.Errorf("the redacted bundle still contains %q", secret)
		}
	}
	if !strings.Contains(all, "remoteassistance.support.services.microsoft.com") || !strings.Contains(all, "<host-") || !strings.Contains(all, "<private-ip-1>") {
		t.Error("the profile's endpoints must stay, and placeholders must replace the rest")
	}
	red := files["redactions.txt"]
	for _, kind := range []string{"user name", "machine name", "internal host names", "private addresses"} {
		if !strings.Contains(red, kind) {
			t.Errorf("redactions.txt does not mention %s:\n%s", kind, red)
		}
	}
	if strings.Contains(red, "alice") || strings.Contains(red, "10.20.30.40") {
		t.Error("redactions.txt must not hold the values it redacted")
	}

	kept := run(true)
	if !strings.Contains(kept["report.json"], "proxy.corp.example") || !strings.Contains(kept["snapshot.json"], "ALICE-PC") || !strings.Contains(kept["redactions.txt"], "NOT redacted") {
		t.Error("--no-redact keeps the values and says so")
	}
}

// leaks finds secret in data in any form the bundle could hold it: as
// text (any case), UTF-16LE, and inside any hex or base64 run, decoded.
func leaks(data []byte, secret string) string {
	lower := strings.ToLower(string(data))
	s := strings.ToLower(secret)
	utf16le := func(x string) string {
		var b strings.Builder
		for _, r := range x {
			b.WriteByte(byte(r))
			b.WriteByte(0)
		}
		return b.String()
	}
	if strings.Contains(lower, s) {
		return "text"
	}
	if strings.Contains(lower, utf16le(s)) {
		return "UTF-16LE"
	}
	for _, m := range hexRun.FindAllString(string(data), -1) {
		for off := 0; off <= 1; off++ {
			if b, err := hex.DecodeString(m[off : off+(len(m)-off)/2*2]); err == nil {
				d := strings.ToLower(string(b))
				if strings.Contains(d, s) || strings.Contains(d, utf16le(s)) {
					return "hex"
				}
			}
		}
	}
	for _, m := range base64Run.FindAllString(string(data), -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding} {
			if b, err := enc.DecodeString(m); err == nil {
				d := strings.ToLower(string(b))
				if strings.Contains(d, s) || strings.Contains(d, utf16le(s)) {
					return "base64"
				}
			}
		}
	}
	return ""
}

var (
	hexRun    = regexp.MustCompile(`[0-9a-fA-F]{8,}`)
	base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{8,}={0,2}`)
)

// Secrets planted where a real PC keeps them (the user and machine, a
// proxy password someone typed into ProxyServer, internal names, private
// addresses) appear in no file of the bundle in any encoding, and the
// JSON files stay JSON with their keys intact, even for a user whose name
// is a piece of a key.
func TestBundleLeaksNothingInAnyEncoding(t *testing.T) {
	for _, user := range []string{`CORP\alice`, "st"} {
		t.Run(user, func(t *testing.T) {
			dir := testpeer.TempDir(t)
			hosts := filepath.Join(dir, "hosts")
			os.WriteFile(hosts, []byte("10.20.30.40 fileserver.corp.example\n"), 0o644)
			h := winstate.NewHive()
			h.Set(winstate.KeyCurrentVersion, "CurrentBuildNumber", winstate.StringValue("26200"))
			h.Set(winstate.KeyInetUser, "ProxyEnable", winstate.DWORDValue(1))
			h.Set(winstate.KeyInetUser, "ProxyServer", winstate.StringValue("bob:hunter2@proxy.corp.example:8080"))
			h.Set(winstate.KeyInetUser, "ProxyOverride", winstate.StringValue("ALICE-PC;192.168.1.50;<local>"))
			h.Set(winstate.KeyTcpip, "NV Domain", winstate.StringValue("corp.example"))
			env := gather.Env{System: func() facts.System { return winstate.Collect(h, "live", "", nil) }, Getenv: func(string) string { return "" },
				OSStack:  func(context.Context, string) facts.OSStack { return facts.OSStack{State: facts.OSStackNotWindows} },
				Identity: func() (string, string) { return user, "ALICE-PC" }}
			out := filepath.Join(dir, "bundle.zip")
			var o, e strings.Builder
			opts := &BundleOptions{Diagnose: DiagnoseOptions{IO: IOStreams{Out: &o, ErrOut: &e}, Build: BuildInfo{Version: "test"}, Env: env,
				Timeout: 2 * time.Second, HostsFile: hosts, Only: []string{"net.hosts-file", "net.proxy", "os.version", "os.inet"}},
				Output: out, Journal: filepath.Join(dir, "journal")}
			if err := runBundle(context.Background(), opts); err != nil && err != errFindingsFailed {
				t.Fatalf("bundle: %v (%s)", err, e.String())
			}
			files := readZip(t, out)
			secrets := []string{"ALICE-PC", "hunter2", "bob:", "proxy.corp.example", "fileserver.corp.example", "corp.example", "192.168.1.50", "10.20.30.40"}
			if user != "st" {
				secrets = append(secrets, "alice")
			}
			for name, body := range files {
				if name == "redactions.txt" {
					continue
				}
				for _, s := range secrets {
					if how := leaks([]byte(body), s); how != "" {
						t.Errorf("%s holds %q (as %s)", name, s, how)
					}
				}
				if strings.HasSuffix(name, ".json") {
					var v map[string]any
					if err := json.Unmarshal([]byte(body), &v); err != nil {
						t.Errorf("%s is no longer JSON: %v", name, err)
					}
				}
			}
			if !strings.Contains(files["report.json"], `"status"`) || !strings.Contains(files["snapshot.json"], `"state"`) {
				t.Error("the JSON keys must survive redaction")
			}
		})
	}
}

// bundle's job is the bundle: written, it exits 0, whatever the checks in
// it found.
func TestBundleExitsZeroOnceWritten(t *testing.T) {
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, testpeer.ClosedPort(t))) // net.reach fails
	out := filepath.Join(testpeer.TempDir(t), "b.zip")
	code, _, errOut := runCLI(t, gather.Env{}, "bundle", "-o", out, "--profile", prof, "-q", "--timeout", "2s")
	if code != ExitOK || !strings.Contains(errOut, "Wrote") {
		t.Errorf("bundle with a failing check: exit %d, %q; want 0 once written", code, errOut)
	}
	if files := readZip(t, out); !strings.Contains(files["report.json"], `"status": "fail"`) {
		t.Error("the report inside should still say fail")
	}
}
