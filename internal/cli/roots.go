package cli

import (
	"crypto/x509"
	"encoding/pem"

	"github.com/qadoctor/qadoctor/internal/inputfile"
)

// maxCAFileSize bounds --ca-file: Mozilla's whole root bundle is about
// 250 KiB; a file many times that is not a bundle of CA certificates.
const maxCAFileSize = 8 << 20

// loadRoots returns the pool the handshakes verify against: the system
// roots without caFile (systemRoots; nil where crypto/x509's own are
// used, or where no handshake runs, verify false), else a copy of them
// with caFile's certificates added. The file is read and checked first,
// so a usage error does not wait for the system roots.
func loadRoots(caFile string, verify bool) (*x509.CertPool, error) {
	if caFile == "" {
		if !verify {
			return nil, nil // no handshake: the roots are not parsed at all
		}
		return systemRoots(), nil
	}
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
	pool := systemRoots() // built for this call
	if pool == nil {
		var err error
		if pool, err = x509.SystemCertPool(); err != nil || pool == nil { // a copy: the process's own stays untouched
			pool = x509.NewCertPool()
		}
	}
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
