package cli

import (
	"crypto/x509"
	"encoding/pem"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/inputfile"
)

// maxCAFileSize bounds --ca-file: Mozilla's whole root bundle is about
// 250 KiB; a file many times that is not a bundle of CA certificates.
const maxCAFileSize = 8 << 20

// needsRoots reports whether a run with these needs verifies a served
// chain, so the system roots are worth loading before it starts. A run
// that does not (qadoctor diagnose --only profile.age) never reads them.
func needsRoots(n facts.Needs) bool { return n.TLS || n.HTTP }

// loadRoots returns the pool the handshakes verify against: the system
// roots plus the certificates of caFile, or, without caFile, the system
// roots as systemRoots loads them (nil: crypto/x509's own, loaded on first
// use). need is false when no handshake verifies (needsRoots); then
// without caFile nothing is read.
func loadRoots(caFile string, need bool) (*x509.CertPool, error) {
	if caFile == "" {
		if !need {
			return nil, nil
		}
		return systemRoots()
	}
	// The file first: a usage error should not wait for the system roots.
	data, err := inputfile.Read(caFile, maxCAFileSize)
	if err != nil {
		return nil, usageErrorf("read --ca-file: %w", err)
	}
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, usageErrorf("--ca-file %s: certificate %d: %v", caFile, len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, usageErrorf("--ca-file %s: no PEM certificate found; want one or more -----BEGIN CERTIFICATE----- blocks", caFile)
	}
	pool, err := systemRoots()
	switch {
	case err != nil || pool == nil:
		// nil from systemRoots means crypto/x509's own pool: a copy of it,
		// which on Windows and macOS still asks the platform verifier.
		if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
	default:
		pool = pool.Clone() // systemRoots is shared by every run in the process
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
