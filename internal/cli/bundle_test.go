package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
