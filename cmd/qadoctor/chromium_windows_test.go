package main

import "testing"

// chromiumHome: the Windows build asks Edge, which Wine lacks; the tests
// that call this run on Linux.
func chromiumHome(t *testing.T, caFiles ...string) string {
	t.Fatal("chromiumHome is for the Linux build")
	return ""
}
