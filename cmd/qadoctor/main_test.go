package main

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The test binary doubles as qadoctor: with QADOCTOR_RUN_MAIN set it runs
// main, so these tests exercise the real process, exit codes included.
func TestMain(m *testing.M) {
	if os.Getenv("QADOCTOR_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// qadoctor runs the binary with args and returns its exit code and output.
func qadoctor(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runMain(t, exec.Command(os.Args[0], args...))
}

// runMain runs cmd, the test binary as qadoctor (directly, or under a
// wrapper such as ip netns exec), and returns its exit code and output.
// Variables already in cmd.Env are added to the test's environment.
func runMain(t testing.TB, cmd *exec.Cmd) (code int, stdout, stderr string) {
	t.Helper()
	// English, whatever the machine speaks; no COLUMNS from the shell that
	// runs the tests (a test that wants one sets it after these).
	extra := cmd.Env
	cmd.Env = append(os.Environ(), "QADOCTOR_RUN_MAIN=1", "LC_ALL=C", "COLUMNS=")
	cmd.Env = append(cmd.Env, extra...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("run qadoctor: %v", err)
	}
	return code, out.String(), errOut.String()
}

type jsonReport struct {
	Schema   string `json:"schema"`
	Findings []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"findings"`
}

func statuses(t *testing.T, out string) map[string]string {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, out)
	}
	m := map[string]string{}
	for _, f := range r.Findings {
		m[f.ID] = f.Status
	}
	return m
}

func TestBinaryAgainstTLS13Server(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	addr := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MinVersion: tls.VersionTLS13})
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))

	args := []string{"diagnose", "--profile", prof, "--ca-file", pki.CAFile, "--json"}
	if runtime.GOOS == "windows" {
		// Under Wine the live registry is read too, and Wine has no Quick
		// Assist: judge the network alone (TestBinaryReadsLiveRegistry
		// covers the rest).
		args = append(args, "--only", "net.dns,net.reach,tls.handshake,tls.versions")
	}
	if runtime.GOOS != "windows" {
		// The Chromium here is asked too (net.browser), with the test CA
		// in its own store, as a PC's browser trusts what its users do.
		t.Setenv("HOME", chromiumHome(t, pki.CAFile))
	}
	code, out, errOut := qadoctor(t, args...)
	if code != 0 {
		t.Errorf("exit code = %d; want 0\n%s\n%s", code, out, errOut)
	}
	st := statuses(t, out)
	for _, id := range []string{"net.dns", "net.reach", "tls.handshake", "tls.versions"} {
		if st[id] != "pass" {
			t.Errorf("%s = %q; want pass", id, st[id])
		}
	}
	// The server speaks TLS and then closes: Chromium connects and gets
	// ERR_CONNECTION_CLOSED for its GET, a warning as qadoctor's own
	// http-no-answer is.
	if runtime.GOOS != "windows" && st["net.browser"] != "warn" {
		t.Errorf("net.browser = %q; want warn (connected, no HTTP)", st["net.browser"])
	}
}

func TestBinaryEndsAtDeadline(t *testing.T) {
	addr := testpeer.SilentServer(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	start := time.Now()
	code, _, _ := qadoctor(t, "diagnose", "--profile", prof, "--timeout", "1s", "--json")
	// The command's promise, not a speed figure: --timeout plus one second
	// at most (process start included).
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("diagnose --timeout 1s took %s; want at most 2s", elapsed)
	}
	if code != 1 {
		t.Errorf("exit code = %d; want 1", code)
	}
}

func TestBinaryBadProfileExits2(t *testing.T) {
	bad := filepath.Join(testpeer.TempDir(t), "broken-profile.json")
	os.WriteFile(bad, []byte(`{"schema": 1, "endpoints": [}`), 0o644)
	code, out, errOut := qadoctor(t, "diagnose", "--profile", bad)
	if code != 2 {
		t.Errorf("exit code = %d; want 2", code)
	}
	if out != "" || !strings.Contains(errOut, "broken-profile.json:1:") {
		t.Errorf("stdout %q, stderr %q; want nothing on stdout and the file with its position on stderr", out, errOut)
	}
}

// A profile with several problems gets one line each on standard error,
// not one line with escaped line breaks; a file name holding a line break
// stays visible as \x0a, never a line of its own.
func TestBinaryProfileProblemsOneLineEach(t *testing.T) {
	dir := testpeer.TempDir(t)
	bad := filepath.Join(dir, "two-problems.json")
	os.WriteFile(bad, []byte(`{"schema":1,"version":"t","name":"x","source":{"title":"t","url":"https://x.example","date":"2026-01-01"},"min_tls":"1.2",
"endpoints":[{"host":"a.example","port":70000,"required":true,"purpose":"","issuers":[]}]}`), 0o644)
	code, _, errOut := qadoctor(t, "profile", "validate", bad)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != 2 || len(lines) < 3 || !strings.Contains(lines[0], "port") || !strings.Contains(lines[1], "purpose") || strings.Contains(errOut, `\x0a`) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and one line per problem", code, errOut)
	}
	odd := filepath.Join(dir, "a\nqadoctor: all good.json")
	code, _, errOut = qadoctor(t, "profile", "validate", odd)
	if code != 2 || strings.Contains(errOut, "\nqadoctor: all good") || !strings.Contains(errOut, `\x0a`) {
		t.Errorf("exit %d, stderr %q; want the line break in the name shown as \\x0a", code, errOut)
	}
}

func TestBinaryVersion(t *testing.T) {
	code, out, _ := qadoctor(t, "version")
	if code != 0 || !strings.Contains(out, "qadoctor dev") || !strings.Contains(out, "profile 2026.") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
