package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/testpeer"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// judgeRegText runs os.cipher-policy on .reg text as analyze reads it.
func judgeRegText(t *testing.T, name string, data []byte) finding.Finding {
	t.Helper()
	reg, source, err := winstate.Open(name, data)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	if source != "reg" {
		t.Fatalf("Open(%s) read it as %q; want a .reg export", name, source)
	}
	f := &facts.Facts{System: winstate.Collect(reg, source, name, nil)}
	return judgeCipherPolicy(f, i18n.New(i18n.English))
}

// TestCipherPolicyExportCoverage: os.cipher-policy passes only when the
// source covers every key that decides it. The verdicts were written from
// Microsoft's documentation before the code: the cipher-suite order in
// effect is the SSL Cipher Suite Order policy's Functions when set, else
// the local order the TLS cmdlets and CNG functions edit, else Windows'
// default (learn.microsoft.com/windows-server/security/tls/manage-tls;
// the policy's ADMX: "If you disable or do not configure this policy
// setting, the default cipher suite order is used"); Ciphers\AES and
// KeyExchangeAlgorithms\ECDH Enabled=0 remove suites whatever the order
// (tls-registry-settings). A live read or a snapshot knows an absent key
// (not configured: the default); a .reg export that does not include a key
// says nothing of it, so the verdict is not known and the check is
// skipped, naming the keys to export.
func TestCipherPolicyExportCoverage(t *testing.T) {
	dir := testpeer.Samples(t, "reg")
	policy, local := winstate.KeyCipherPolicy, winstate.KeyCipherLocal
	ciphers, kex := winstate.KeySchannelCiphers, winstate.KeySchannelKeyExchanges
	tests := []struct {
		file   string
		want   finding.Status
		names  []string // keys the summary names as not in the export
		absent []string // keys the summary must not name
	}{
		// A regedit export of SCHANNEL alone: Ciphers, Hashes and
		// KeyExchangeAlgorithms present and empty (every switch at its
		// default), neither the policy nor the local order in it.
		{"02-pssl-schannel-export-utf16.reg", finding.Skip, []string{policy, local}, []string{ciphers, kex}},
		// ECDH off: no ECDHE suite is left whatever the order.
		{"23-imperva-ecdh-off-no-policy-key.reg", finding.Fail, nil, nil},
		// The policy lists only TLS_RSA suites: the policy wins.
		{"22-imperva-rsa-only-cipher-order.reg", finding.Fail, nil, nil},
		// The policy lists ECDHE AES-GCM suites and the switches are in
		// the file: the policy wins over the local order.
		{"04-racetracks-tls12-strict.reg", finding.Pass, nil, nil},
		{"19-sfb-tlsdisable.reg", finding.Pass, nil, nil},
		// The policy's Functions deleted: the local order, which the file
		// does not include, is in effect.
		{"01-iiscrypto-backup-restore.reg", finding.Skip, []string{local}, []string{policy, ciphers, kex}},
		{"06-racetracks-defaults.reg", finding.Skip, []string{local}, []string{policy, ciphers, kex}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			fd := judgeRegText(t, tt.file, data)
			if fd.Status != tt.want {
				t.Fatalf("os.cipher-policy = %s %q; want %s", fd.Status, fd.Summary, tt.want)
			}
			if tt.want == finding.Skip && !strings.Contains(fd.Summary, "does not include") {
				t.Errorf("summary %q; want it to say the export does not include the keys", fd.Summary)
			}
			for _, k := range tt.names {
				if !strings.Contains(fd.Summary, k+" ") && !strings.HasSuffix(fd.Summary, k+".") {
					t.Errorf("summary %q; want it to name %s", fd.Summary, k)
				}
			}
			for _, k := range tt.absent {
				if strings.Contains(fd.Summary, k+" ") || strings.HasSuffix(fd.Summary, k+".") {
					t.Errorf("summary %q names %s, which the file includes or which does not decide", fd.Summary, k)
				}
			}
		})
	}
}

// TestCipherPolicyPartialSources: the same rule on sources built for the
// case: a full registry (a live read, a snapshot) knows absent keys, a
// .reg export does not.
func TestCipherPolicyPartialSources(t *testing.T) {
	const head = "Windows Registry Editor Version 5.00\r\n\r\n"
	modern := `"Functions"="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA"` + "\r\n"
	tests := []struct {
		name  string
		reg   string
		want  finding.Status
		names []string
		says  string
	}{
		{"policy with a modern suite, SCHANNEL not exported", head + `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]` + "\r\n" + modern,
			finding.Skip, []string{winstate.KeySchannelCiphers, winstate.KeySchannelKeyExchanges}, "does not include"},
		{"policy with a modern suite, one AES cipher known on", head + `[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002]` + "\r\n" + modern +
			"\r\n" + `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Ciphers\AES 128/128]` + "\r\n" + `"Enabled"=dword:ffffffff` + "\r\n" +
			"\r\n" + `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\KeyExchangeAlgorithms]` + "\r\n",
			finding.Pass, nil, "keeps a TLS 1.2 ECDHE suite"},
		{"SHA-2 off, order not exported", head + `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL]` + "\r\n" +
			"\r\n" + `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Hashes\SHA256]` + "\r\n" + `"Enabled"=dword:00000000` + "\r\n" +
			"\r\n" + `[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Hashes\SHA384]` + "\r\n" + `"Enabled"=dword:00000000` + "\r\n",
			finding.Warn, nil, "The export leaves out the cipher-suite order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := judgeRegText(t, "case.reg", []byte(tt.reg))
			if fd.Status != tt.want || !strings.Contains(fd.Summary, tt.says) {
				t.Fatalf("os.cipher-policy = %s %q; want %s with %q", fd.Status, fd.Summary, tt.want, tt.says)
			}
			for _, k := range tt.names {
				if !strings.Contains(fd.Summary, k) {
					t.Errorf("summary %q; want it to name %s", fd.Summary, k)
				}
			}
		})
	}
	// A full registry without any of the keys: not configured, Windows'
	// default suites, a pass.
	f := &facts.Facts{System: winstate.Collect(machine(), "live", "", nil)}
	if fd := judgeCipherPolicy(f, i18n.New(i18n.English)); fd.Status != finding.Pass || !strings.Contains(fd.Summary, "Windows uses its default suites") {
		t.Errorf("live registry without the keys: os.cipher-policy = %s %q; want a pass on Windows' default suites", fd.Status, fd.Summary)
	}
}
