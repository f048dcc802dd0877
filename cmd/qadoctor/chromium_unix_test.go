//go:build !windows

package main

import (
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func chromiumHome(t *testing.T, caFiles ...string) string {
	return testpeer.ChromiumHome(t, testpeer.TempDir(t), caFiles...)
}
