package cli

import (
	"context"
	"encoding/binary"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/proxy"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// deadlineSlack is what README.md promises: a diagnosing command never
// outlives --timeout by more than a second, whatever a peer or a file does.
// It is a bound, not a speed figure: before proxy discovery ran under the
// deadline, these runs took 5 s (a silent PAC server) and 25 s (five silent
// WPAD candidates) with --timeout 1s and 3s.
const deadlineSlack = time.Second

// within runs fn and fails when it outlives timeout by more than the slack.
func within(t *testing.T, timeout time.Duration, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	if took := time.Since(start); took > timeout+deadlineSlack {
		t.Errorf("took %s with --timeout %s; the promise is at most %s", took.Round(time.Millisecond), timeout, timeout+deadlineSlack)
	}
}

// testCAEndpoint is a local endpoint whose certificates come from the
// test CA.
func testCAEndpoint(t *testing.T, addr string) testpeer.Endpoint {
	e := testpeer.LocalEndpoint(t, addr)
	e.Issuers = []string{"qadoctor Test CA"}
	return e
}

// silentPAC is a PC whose Internet Settings name a PAC script on a server
// that accepts connections and never answers.
func silentPAC(t *testing.T) (gather.Env, string) {
	pacURL := "http://" + testpeer.SilentServer(t) + "/proxy.pac"
	sys := testpeer.InternetSettings(map[string]winstate.Value{"AutoConfigURL": winstate.StringValue(pacURL)})
	return gather.Env{System: func() facts.System { return sys }}, pacURL
}

// Every command that diagnoses holds --timeout 1s against a silent PAC
// server, and the report says what the PAC server did.
func TestTimeoutHoldsWithASilentPACServer(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	prof := testpeer.WriteProfile(t, testCAEndpoint(t, testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})))
	env, pacURL := silentPAC(t)
	dir := testpeer.TempDir(t)
	common := []string{"--profile", prof, "--ca-file", pki.CAFile, "--timeout", "1s"}
	tests := []struct {
		name string
		args []string
		says string // on standard output
	}{
		{"diagnose", append([]string{"diagnose"}, common...), "did not arrive in time"},
		{"intune detect", append([]string{"intune", "detect"}, common...), "net.proxy(proxy-pac)"},
		{"bundle", append([]string{"bundle", "-o", filepath.Join(dir, "b.zip")}, common...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut string
			within(t, time.Second, func() { _, out, errOut = runCLI(t, env, tt.args...) })
			if !strings.Contains(out, tt.says) {
				t.Errorf("output lacks %q:\n%s\n%s", tt.says, out, errOut)
			}
		})
	}
	t.Run("the finding", func(t *testing.T) {
		_, r := diagnoseJSON(t, env, common...)
		f := want(t, r, "net.proxy", finding.Fail, "proxy-pac")
		if !strings.Contains(f.Summary, pacURL) {
			t.Errorf("summary %q should name the PAC %s", f.Summary, pacURL)
		}
	})
	t.Run("double-click", func(t *testing.T) {
		var out, errOut strings.Builder
		d := &Deps{IO: IOStreams{In: strings.NewReader("\n"), Out: &out, ErrOut: &errOut}, Build: BuildInfo{Version: "test"},
			Env: env, UILanguage: func() string { return "" }}
		d.Env.Getenv = func(string) string { return "" }
		dc := DoubleClickDeps{SaveDir: func() string { return dir }, Open: func(string) error { return nil }}
		within(t, time.Second, func() {
			runDoubleClick(t.Context(), d, dc, &DiagnoseOptions{Env: d.Env, ProfilePath: prof, CAFile: pki.CAFile, Timeout: time.Second})
		})
		if !strings.Contains(out.String(), "did not arrive in time") {
			t.Errorf("the window does not say what the PAC server did:\n%s", out.String())
		}
	})
}

// wpadSettings is a PC with "Automatically detect settings" on and a DNS
// suffix of the given depth.
func wpadSettings(suffix string) facts.System {
	h := winstate.NewHive()
	blob := make([]byte, 12)
	binary.LittleEndian.PutUint32(blob[8:], 0x8|0x1) // auto-detect, direct
	h.Set(winstate.KeyConnectionsUser, "DefaultConnectionSettings", winstate.Value{Type: winstate.TypeBinary, Data: blob})
	h.Set(winstate.KeyTcpip, "Domain", winstate.StringValue(suffix))
	return winstate.Collect(h, "live", "", nil)
}

// Six WPAD candidates, every one a real HTTP fetch to a server that accepts
// and never answers: the run still ends within --timeout 1s, and goes
// direct, as Windows does when WPAD finds nothing.
func TestTimeoutHoldsWithSilentWPADCandidates(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	prof := testpeer.WriteProfile(t, testCAEndpoint(t, testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})))
	silent := testpeer.SilentServer(t)
	sys := wpadSettings("a.b.c.d.e.corp.test")
	env := gather.Env{
		System: func() facts.System { return sys },
		// The candidates' names (wpad.a.b.c.d.e.corp.test…) exist nowhere:
		// each fetch goes to the silent server instead, through the real
		// fetcher.
		FetchPAC: func(ctx context.Context, raw string) ([]byte, error) {
			u, err := url.Parse(raw)
			if err != nil {
				return nil, err
			}
			u.Host = silent
			return proxy.FetchPAC(ctx, u.String())
		},
	}
	var code int
	var out string
	within(t, time.Second, func() {
		code, out, _ = runCLI(t, env, "diagnose", "--json", "--profile", prof, "--ca-file", pki.CAFile, "--timeout", "1s", "--only", "net.proxy,tls.handshake")
	})
	rep := decodeReport(t, out)
	want(t, rep, "net.proxy", finding.Pass, "")
	want(t, rep, "tls.handshake", finding.Pass, "")
	if code != ExitOK {
		t.Errorf("exit code = %d; want %d", code, ExitOK)
	}
	if f := byID(t, rep, "net.proxy"); !strings.Contains(evidenceText(f), "wpad.corp.test") {
		t.Errorf("net.proxy evidence should list the WPAD candidates tried: %+v", f.Evidence)
	}
}

func evidenceText(f finding.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Subject + ": " + e.Detail + "\n")
	}
	return b.String()
}

// A folder as the hosts file is refused as not a regular file, on every
// platform (the FIFO case, Unix only, is in deadline_unix_test.go).
func TestHostsFileNotRegular(t *testing.T) {
	dir := testpeer.TempDir(t)
	_, out, _ := runCLI(t, gather.Env{}, "diagnose", "--json", "--only", "net.hosts-file", "--hosts-file", dir, "--timeout", "1s")
	f := want(t, decodeReport(t, out), "net.hosts-file", finding.Error, "hosts-unreadable")
	if !strings.Contains(f.Cause, "not a regular file") {
		t.Errorf("cause %q should say the hosts file is not a regular file", f.Cause)
	}
}
