//go:build !windows

package fix

import "testing"

func testUntrustedJournalDirWindows(t *testing.T) { t.Fatal("only on Windows") }
