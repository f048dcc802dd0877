package main

import (
	"strings"
	"testing"
)

// On Windows (here: under Wine) diagnose reads the live registry: the
// system checks judge it rather than skipping.
func TestBinaryReadsLiveRegistry(t *testing.T) {
	code, out, _ := qadoctor(t, "diagnose", "--json", "--only", "os.schannel,os.version,app.quickassist")
	st := statuses(t, out)
	if st["os.schannel"] != "pass" {
		t.Errorf("os.schannel = %q; want pass from the live registry (Windows defaults)", st["os.schannel"])
	}
	if st["app.quickassist"] == "skip" || st["os.version"] == "skip" {
		t.Errorf("statuses %v: the live registry was not read", st)
	}
	if code != 0 && code != 1 {
		t.Errorf("exit %d; want 0 or 1 (a verdict); output:\n%s", code, out)
	}
	if !strings.Contains(out, "SCHANNEL") {
		t.Errorf("the report names no SCHANNEL evidence:\n%s", out)
	}
}
