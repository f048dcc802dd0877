//go:build !windows

package probe

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// TestCertErrorsAgreeWithChromium: a trusted CA's leaf, as a server in
// the path serves it, judged by Chromium (its NetLog's error, with the CA
// in its own store) and by qadoctor's verification. The kinds must agree:
// a SHA-1 signature from a trusted CA is refused by both, and for neither
// because of an unknown issuer (Chromium 156 names it CERT_INVALID; its
// error list keeps CERT_WEAK_SIGNATURE_ALGORITHM for the older verifier).
func TestCertErrorsAgreeWithChromium(t *testing.T) {
	const host = "weak.qadoctor.test"
	for _, tc := range []struct {
		name     string
		alg      x509.SignatureAlgorithm
		notAfter time.Duration
		dns      string
		chromium string // net error, without ERR_
		ours     string // ClassifyVerify
	}{
		{"SHA-256 leaf", x509.SHA256WithRSA, time.Hour, host, "", ""},
		{"SHA-1 leaf", x509.SHA1WithRSA, time.Hour, host, "CERT_INVALID", "weak-signature"},
		{"expired leaf", x509.SHA256WithRSA, -time.Minute, host, "CERT_DATE_INVALID", "expired"},
		{"another name", x509.SHA256WithRSA, time.Hour, "other.qadoctor.test", "CERT_COMMON_NAME_INVALID", "hostname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := testpeer.TempDir(t)
			cert, caFile := leafFrom(t, dir, tc.alg, tc.notAfter, tc.dns)
			addr := testpeer.HTTPSServer(t, cert, testpeer.HTTPOptions{})
			_, port, _ := net.SplitHostPort(addr)
			got := testpeer.ChromiumNetError(t, dir, fmt.Sprintf("https://%s:%s/", host, port), testpeer.ChromiumOptions{Map: host, CAFiles: []string{caFile}})
			if got != tc.chromium {
				t.Errorf("Chromium: %q; the case expects %q", got, tc.chromium)
			}
			pem, _ := os.ReadFile(caFile)
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM(pem)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			res, err := Handshake(context.Background(), conn, HandshakeConfig{ServerName: host, Verify: true, Roots: roots})
			if err != nil {
				t.Fatal(err)
			}
			if kind := ClassifyVerify(res.VerifyErr); kind != tc.ours {
				t.Errorf("qadoctor: %q (%v); want %q, as Chromium's %q", kind, res.VerifyErr, tc.ours, got)
			}
		})
	}
}

// leafFrom makes a CA (written to dir as PEM) and a leaf for dns signed
// by it with alg, valid until notAfter from now.
func leafFrom(t *testing.T, dir string, alg x509.SignatureAlgorithm, notAfter time.Duration, dns string) (tls.Certificate, string) {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "qadoctor weak-signature test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leafKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dns}, DNSNames: []string{dns},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(notAfter), SignatureAlgorithm: alg,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}, caFile
}
