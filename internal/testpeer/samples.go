package testpeer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// SamplesEnv names the folder of real-world samples when it is not
// ../shared/samples beside the module (CI clones main with shared/ beside it).
const SamplesEnv = "QADOCTOR_SAMPLES"

// Samples returns the folder of real-world files written by others
// (../shared/samples/<sub>: .reg exports, winget schemas, event logs). The
// project keeps no copy of them; a test that needs them fails, saying where
// it looked and how to point it elsewhere, when they are missing.
func Samples(t testing.TB, sub string) string {
	t.Helper()
	dir, err := SamplesDir()
	if err != nil {
		t.Fatalf("real-world samples: %v", err)
	}
	dir = filepath.Join(dir, sub)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("real-world samples: %s is not a folder (want ../shared/samples/%s beside the repository, or set %s)", dir, sub, SamplesEnv)
	}
	return dir
}

// SamplesDir finds ../shared/samples beside the module root (the folder
// holding go.mod, found upward from the working directory), or the folder
// $QADOCTOR_SAMPLES names.
func SamplesDir() (string, error) {
	if dir := os.Getenv(SamplesEnv); dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "samples"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod in %s or above it; set %s to the samples folder", wd, SamplesEnv)
		}
	}
}
