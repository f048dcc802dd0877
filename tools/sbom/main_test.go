//go:build !windows

// The SBOM is made on the Linux release machine, with the go command.

package main

import (
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The licences of modules qadoctor links, classified from their real
// LICENSE files in the module cache, as pkg.go.dev shows them; and the
// copyright holder when the file names one.
func TestLicenseOf(t *testing.T) {
	tests := []struct {
		path, version, id, holder string
	}{
		{"github.com/beevik/ntp", "v1.6.0", "BSD-2-Clause", "Brett Vickers"},
		{"github.com/dlclark/regexp2/v2", "v2.5.2", "MIT", "Doug Clark"},
		{"github.com/spf13/cobra", "v1.10.2", "Apache-2.0", ""}, // the bare Apache text names no holder
		{"golang.org/x/text", "v0.44.0", "BSD-3-Clause", "The Go Authors"},
	}
	for _, tt := range tests {
		dir, err := moduleDir(tt.path, tt.version)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		l := licenseOf(dir)
		if l.ID != tt.id || l.Holder != tt.holder {
			t.Errorf("%s@%s: %q held by %q; want %q held by %q", tt.path, tt.version, l.ID, l.Holder, tt.id, tt.holder)
		}
	}
	if l := licenseOf(testpeer.TempDir(t)); l.ID != "NOASSERTION" || l.Holder != "" {
		t.Errorf("a folder without a licence: %+v; want NOASSERTION", l)
	}
}
