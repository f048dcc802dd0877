package cli

import "crypto/x509"

// systemRoots returns nil: crypto/x509's own roots, which it loads once per
// process on first use (on Windows and macOS the platform verifier's). A
// run that verifies nothing never asks (needsRoots).
func systemRoots() (*x509.CertPool, error) { return nil, nil }
