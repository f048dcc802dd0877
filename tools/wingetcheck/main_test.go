package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// A good manifest set, as scripts/release writes it, and one edit each
// that winget-pkgs' validation would refuse.
func TestCheck(t *testing.T) {
	exe := []byte("MZ a portable exe")
	sum := sha256.Sum256(exe)
	sha := strings.ToUpper(hex.EncodeToString(sum[:]))
	good := map[string]string{
		"qadoctor.qadoctor.yaml": "PackageIdentifier: qadoctor.qadoctor\nPackageVersion: 1.2.3\nDefaultLocale: en-US\nManifestType: version\nManifestVersion: 1.10.0\n",
		"qadoctor.qadoctor.installer.yaml": "PackageIdentifier: qadoctor.qadoctor\nPackageVersion: 1.2.3\nInstallerType: portable\nCommands:\n- qadoctor\nInstallers:\n" +
			"- Architecture: x64\n  InstallerUrl: https://example.invalid/1.2.3/qadoctor-windows-amd64.exe\n  InstallerSha256: " + sha + "\nManifestType: installer\nManifestVersion: 1.10.0\n",
		"qadoctor.qadoctor.locale.en-US.yaml": "PackageIdentifier: qadoctor.qadoctor\nPackageVersion: 1.2.3\nPackageLocale: en-US\nPublisher: qadoctor\nPackageName: qadoctor\nLicense: Proprietary\n" +
			"ShortDescription: Finds why Quick Assist ends.\nManifestType: defaultLocale\nManifestVersion: 1.10.0\n",
	}
	tests := []struct {
		name, file, from, to string
		want                 string // in the error; "" = valid
	}{
		{"as released", "", "", "", ""},
		{"identifier without a publisher part", "qadoctor.qadoctor.installer.yaml", "PackageIdentifier: qadoctor.qadoctor", "PackageIdentifier: qadoctor", "does not match pattern"},
		{"no licence", "qadoctor.qadoctor.locale.en-US.yaml", "License: Proprietary\n", "", "License"},
		{"versions disagree", "qadoctor.qadoctor.locale.en-US.yaml", "PackageVersion: 1.2.3", "PackageVersion: 1.2.4", "the version manifest says"},
		{"unknown installer type", "qadoctor.qadoctor.installer.yaml", "InstallerType: portable", "InstallerType: tarball", "InstallerType"},
		{"SHA-256 of another file", "qadoctor.qadoctor.installer.yaml", sha, strings.Repeat("A", 64), "has " + sha},
		{"SHA-256 not hex", "qadoctor.qadoctor.installer.yaml", sha, "xyz", "InstallerSha256"},
		{"a schema Microsoft never published", "qadoctor.qadoctor.yaml", "ManifestVersion: 1.10.0", "ManifestVersion: 9.9.9", "no such schema"},
		{"a version that names a path", "qadoctor.qadoctor.yaml", "ManifestVersion: 1.10.0", "ManifestVersion: ../../x", "want a type such as installer"},
		{"no short description", "qadoctor.qadoctor.locale.en-US.yaml", "ShortDescription: Finds why Quick Assist ends.\n", "", "ShortDescription"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testpeer.TempDir(t)
			dist := testpeer.TempDir(t)
			os.WriteFile(filepath.Join(dist, "qadoctor-windows-amd64.exe"), exe, 0o644)
			for f, text := range good {
				if f == tt.file {
					if !strings.Contains(text, tt.from) {
						t.Fatalf("%s has no %q", f, tt.from)
					}
					text = strings.Replace(text, tt.from, tt.to, 1)
				}
				os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644)
			}
			err := check(dir, dist, testpeer.Samples(t, "winget"))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("valid set refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v; want it to mention %q", err, tt.want)
			}
		})
	}
}

// A missing file is named.
func TestCheckWantsAllThree(t *testing.T) {
	dir := testpeer.TempDir(t)
	os.WriteFile(filepath.Join(dir, "qadoctor.qadoctor.yaml"), []byte("PackageIdentifier: qadoctor.qadoctor\nPackageVersion: 1.2.3\nDefaultLocale: en-US\nManifestType: version\nManifestVersion: 1.10.0\n"), 0o644)
	err := check(dir, "", testpeer.Samples(t, "winget"))
	if err == nil || !strings.Contains(err.Error(), "no installer manifest") || !strings.Contains(err.Error(), "no defaultLocale manifest") {
		t.Errorf("err = %v; want the installer and defaultLocale files asked for", err)
	}
}

// Without Microsoft's schemas the check refuses to run, saying where it
// looked and how to point elsewhere; it never passes unchecked.
func TestMissingSchemasNamed(t *testing.T) {
	t.Setenv("QADOCTOR_SAMPLES", testpeer.TempDir(t))
	_, err := defaultSchemas()
	if err == nil || !strings.Contains(err.Error(), "winget schemas are not at") || !strings.Contains(err.Error(), "-schemas DIR") {
		t.Errorf("defaultSchemas() = %v; want an error naming the folder and -schemas", err)
	}
}
