package main

import (
	"crypto/sha1"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The screen leg's TLS against the real counterpart: Wine's SCHANNEL,
// which reads the SCHANNEL\Protocols switches from the registry as
// Windows does. A TLS-1.2-only server stands in for the RDP relay; with
// TLS 1.2 switched off for SCHANNEL's clients (regedit /S, as an
// administrator or a hardening script would), qadoctor's own TLS still
// reaches it but WinHTTP cannot, and tls.os-stack says the session will end
// when sharing starts, with the registry value as evidence. With the keys
// restored, it passes.
func TestRelaySchannelUnderWine(t *testing.T) {
	if os.Getenv("QADOCTOR_WINE") != "1" {
		t.Skip("rewrites HKLM: runs only under Wine (scripts/test)")
	}
	fixtures, _ := filepath.Abs(filepath.Join("..", "..", "internal", "winstate", "testdata"))
	restore := func() { regedit(t, "/S", filepath.Join(fixtures, "schannel-restore.reg")) }
	t.Cleanup(restore)

	pki := testpeer.LocalPKI(t)
	relay := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
	trustUnderWine(t, pki.CA.Raw)
	prof := relayProfile(t, testpeer.Port(t, relay))
	var verdict relayFinding // the report's most likely cause
	diagnose := func() map[string]relayFinding {
		t.Helper()
		_, out, errOut := qadoctor(t, "diagnose", "--json", "--profile", prof, "--ca-file", pki.CAFile,
			"--only", "tls.handshake,tls.os-stack,os.schannel", "--timeout", "20s")
		var r struct {
			Verdict  relayFinding   `json:"verdict"`
			Findings []relayFinding `json:"findings"`
		}
		defer func() { verdict = r.Verdict }()
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("diagnose --json: %v\n%s\n%s", err, out, errOut)
		}
		byID := map[string]relayFinding{}
		for _, f := range r.Findings {
			byID[f.ID] = f
		}
		return byID
	}

	// Windows' defaults: both stacks reach the relay.
	restore()
	fs := diagnose()
	if fs["tls.handshake"].Status != "pass" || fs["tls.os-stack"].Status != "pass" || fs["os.schannel"].Status != "pass" {
		t.Fatalf("with Windows' defaults: tls.handshake %s, tls.os-stack %s (%s), os.schannel %s; want all pass",
			fs["tls.handshake"].Status, fs["tls.os-stack"].Status, fs["tls.os-stack"].Summary, fs["os.schannel"].Status)
	}

	// TLS 1.2 off for SCHANNEL's clients: Go's handshake passes, SCHANNEL's
	// fails, and the finding says the screen leg breaks when sharing starts.
	regedit(t, "/S", filepath.Join(fixtures, "schannel-tls12-off.reg"))
	fs = diagnose()
	hs, oss, sc := fs["tls.handshake"], fs["tls.os-stack"], fs["os.schannel"]
	if hs.Status != "pass" {
		t.Errorf("tls.handshake = %s (%s); want pass: qadoctor's own TLS does not use SCHANNEL", hs.Status, hs.Summary)
	}
	if oss.Status != "fail" || !strings.HasPrefix(oss.Reason, "os-stack-") || !strings.HasSuffix(oss.Reason, "-local") {
		t.Fatalf("tls.os-stack = %s %q (%s); want fail, os-stack-<error>-local", oss.Status, oss.Reason, oss.Summary)
	}
	if oss.Leg != "screen" || oss.Step != "sharing" || !strings.Contains(oss.Cause, "the session will end when screen sharing starts") {
		t.Errorf("tls.os-stack leg %s, step %s, cause %q; want the screen leg, broken when sharing starts", oss.Leg, oss.Step, oss.Cause)
	}
	relayEvidence, registryEvidence := false, false
	for _, e := range oss.Evidence {
		relayEvidence = relayEvidence || strings.HasPrefix(e.Subject, "localhost:") && e.Status == "fail" && strings.Contains(e.Detail, "the screen leg's TLS")
		registryEvidence = registryEvidence || e.Subject == `SCHANNEL\Protocols\TLS 1.2\Client` && strings.Contains(e.Detail, "Enabled=0x0")
	}
	if !relayEvidence || !registryEvidence {
		t.Errorf("tls.os-stack evidence %+v; want the relay's failed WinHTTP request and TLS 1.2's Enabled=0x0", oss.Evidence)
	}
	if sc.Status != "fail" || sc.Reason != "schannel-tls12-off" {
		t.Errorf("os.schannel = %s %q; want fail, schannel-tls12-off", sc.Status, sc.Reason)
	}
	// The report leads with it: the most likely cause says, in those
	// words, that the session will end when screen sharing starts.
	if verdict.Leg != "screen" || verdict.Step != "sharing" || !strings.Contains(verdict.Cause, "so the session will end when screen sharing starts") {
		t.Errorf("verdict %s: leg %s, step %s, cause %q; want the screen leg, ending when sharing starts", verdict.ID, verdict.Leg, verdict.Step, verdict.Cause)
	}
	t.Logf("WinHTTP under Wine with TLS 1.2 off: %s", oss.Summary)

	// The keys restored: it passes again.
	restore()
	fs = diagnose()
	if fs["tls.os-stack"].Status != "pass" || fs["os.schannel"].Status != "pass" {
		t.Errorf("after restoring the keys: tls.os-stack %s (%s), os.schannel %s; want pass", fs["tls.os-stack"].Status, fs["tls.os-stack"].Summary, fs["os.schannel"].Status)
	}
}

// relayFinding is what the test reads of a finding in the JSON report.
type relayFinding struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Summary  string `json:"summary"`
	Cause    string `json:"cause"`
	Leg      string `json:"leg"`
	Step     string `json:"step"`
	Evidence []struct {
		Subject string `json:"subject"`
		Status  string `json:"status"`
		Detail  string `json:"detail"`
	} `json:"evidence"`
}

// relayProfile writes a profile whose one endpoint is an RDP relay on
// localhost:port, met when sharing starts.
func relayProfile(t *testing.T, port int) string {
	t.Helper()
	p := map[string]any{
		"schema": 1, "version": "test", "min_tls": "1.2",
		"source":      map[string]string{"title": "test", "url": "https://example.invalid/", "date": "2026-01-01"},
		"ntp_servers": []string{testpeer.ClosedUDPPort(t)},
		"endpoints": []map[string]any{{
			"host": "localhost", "port": port, "required": true, "purpose": "RDP relay stand-in",
			"issuers": []string{"qadoctor Test CA"}, "role": "rdp-relay", "step": "sharing",
		}},
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(testpeer.TempDir(t), "relay-profile.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// trustUnderWine puts a CA certificate in HKLM's Root store, where Wine's
// certificate chain engine (and so its WinHTTP) looks for trusted roots,
// and takes it out at cleanup. The value is the registry store's own
// format: the certificate as property 32 (CERT_CERT_PROP_ID: a property
// ID, a reserved 1, the length, the DER), under the key named by the
// certificate's SHA-1 thumbprint.
func trustUnderWine(t *testing.T, der []byte) {
	t.Helper()
	key := fmt.Sprintf(`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\SystemCertificates\Root\Certificates\%X`, sha1.Sum(der))
	blob := binary.LittleEndian.AppendUint32(nil, 32)
	blob = binary.LittleEndian.AppendUint32(blob, 1)
	blob = binary.LittleEndian.AppendUint32(blob, uint32(len(der)))
	blob = append(blob, der...)
	bytes := make([]string, len(blob))
	for i, b := range blob {
		bytes[i] = fmt.Sprintf("%02x", b)
	}
	dir := testpeer.TempDir(t)
	add, del := filepath.Join(dir, "trust.reg"), filepath.Join(dir, "untrust.reg")
	writeReg(t, add, "["+key+"]\r\n\"Blob\"=hex:"+strings.Join(bytes, ",")+"\r\n")
	writeReg(t, del, "[-"+key+"]\r\n")
	regedit(t, "/S", add)
	t.Cleanup(func() { regedit(t, "/S", del) })
}

// writeReg writes a .reg file as regedit exports them: UTF-16LE with a
// byte-order mark.
func writeReg(t *testing.T, path, body string) {
	t.Helper()
	text := "Windows Registry Editor Version 5.00\r\n\r\n" + body
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The built-in list names the RDP relay, and so do the lists made from it
// for the network team: qadoctor profile show and qadoctor bypass.
func TestBinaryListsTheRelay(t *testing.T) {
	const relay = "rdprelayv3eastusprod-0.support.services.microsoft.com"
	for _, args := range [][]string{{"profile", "show"}, {"bypass"}, {"bypass", "--format", "pac"}} {
		code, out, errOut := qadoctor(t, args...)
		if code != 0 || !strings.Contains(out, relay) {
			t.Errorf("qadoctor %s: exit %d, relay listed %v; want 0 and %s listed\n%s", strings.Join(args, " "), code, strings.Contains(out, relay), relay, errOut)
		}
	}
}
