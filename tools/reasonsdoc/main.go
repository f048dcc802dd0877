// Command reasonsdoc writes docs/reasons.md from the reason-code table in
// internal/checks/reasons.go, the one place the codes, their legs and
// steps are kept:
//
//	go run ./tools/reasonsdoc > docs/reasons.md
package main

import (
	"os"

	"github.com/qadoctor/qadoctor/internal/checks"
)

func main() {
	if _, err := os.Stdout.Write(checks.WriteReasonsDoc()); err != nil {
		os.Exit(1)
	}
}
