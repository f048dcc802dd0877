//go:build !windows

package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// TestIssuerFromAIAAsChromium: a server that sends only its leaf, whose
// issuer (an intermediate) sits at the leaf's AIA caIssuers URL. Chromium
// fetches it and connects (issue 24, item 1); so does qadoctor, saying so.
// With nothing at the URL, both refuse the chain as from an unknown
// authority.
func TestIssuerFromAIAAsChromium(t *testing.T) {
	const host = "aia.qadoctor.test"
	for _, tc := range []struct {
		name     string
		give     bool
		chromium string
		status   finding.Status
		reason   string
	}{
		{"the issuer at its AIA URL", true, "", finding.Pass, ""},
		{"nothing at the AIA URL", false, "CERT_AUTHORITY_INVALID", finding.Fail, "cert-unknown-authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			aiaURL := fmt.Sprintf("http://127.0.0.1:%d/issuer.cer", ln.Addr().(*net.TCPAddr).Port)
			leaf, inter, caFile := aiaChain(t, host, aiaURL)
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tc.give || r.URL.Path != "/issuer.cer" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/pkix-cert")
				w.Write(inter)
			})}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			addr := testpeer.HTTPSServer(t, leaf, testpeer.HTTPOptions{})
			port := testpeer.Port(t, addr)
			got := testpeer.ChromiumNetError(t, testpeer.TempDir(t), fmt.Sprintf("https://%s:%d/", host, port),
				testpeer.ChromiumOptions{Map: host, CAFiles: []string{caFile}})
			if got != tc.chromium {
				t.Errorf("Chromium: %q; the case expects %q", got, tc.chromium)
			}
			dns := testpeer.DNSServer(t, testpeer.Zone(map[string]string{host + ".": "127.0.0.1"}))
			prof := testpeer.WriteProfile(t, testpeer.Endpoint{Host: host, Port: port, Required: true, Purpose: "test peer"})
			_, out, _ := runCLI(t, gather.Env{Resolver: testpeer.Resolver(dns)}, "diagnose", "--json", "--profile", prof, "--ca-file", caFile,
				"--only", "net.reach,tls.handshake", "--timeout", "8s")
			f := want(t, decodeReport(t, out), "tls.handshake", tc.status, tc.reason)
			if tc.give && !strings.Contains(evidenceText(f), aiaURL) {
				t.Errorf("tls.handshake should say the issuer was fetched from %s:\n%s", aiaURL, evidenceText(f))
			}
		})
	}
}

// aiaChain makes a root (written to a PEM file), an intermediate (DER)
// and a leaf for host signed by the intermediate, whose AIA names aiaURL.
func aiaChain(t *testing.T, host, aiaURL string) (leaf tls.Certificate, interDER []byte, caFile string) {
	t.Helper()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	rootKey, interKey, leafKey := key(), key(), key()
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "qadoctor AIA Root"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, &rootKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ = x509.ParseCertificate(rootDER)
	in := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "qadoctor AIA Intermediate"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	interDER, err = x509.CreateCertificate(rand.Reader, in, root, &interKey.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	in, _ = x509.ParseCertificate(interDER)
	lf := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IssuingCertificateURL: []string{aiaURL}}
	leafDER, err := x509.CreateCertificate(rand.Reader, lf, in, &leafKey.PublicKey, interKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(testpeer.TempDir(t), "root.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}, interDER, caFile
}
