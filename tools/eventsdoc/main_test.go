package main

import (
	"bytes"
	"os"
	"testing"
)

func TestEventsDocUpToDate(t *testing.T) {
	committed, err := os.ReadFile("../../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, doc()) {
		t.Error("docs/events.md differs from the wanted-events table: run go run ./tools/eventsdoc > docs/events.md")
	}
}
