//go:build !linux

package cli

import "crypto/x509"

// systemRoots is nil: crypto/x509 verifies with the platform's own
// verifier (CryptoAPI on Windows), which no pool stands for.
func systemRoots() *x509.CertPool { return nil }
