package main

import "testing"

func TestFileVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v1.2.3":            "1.2.3.0",
		"1.2.3":             "1.2.3.0",
		"V2":                "2.0.0.0",
		"1.2.3-rc1":         "1.2.3.0",
		"v1.2.3.4.5":        "1.2.3.4",
		"dev":               "0.0.0.0",
		"3c48dca":           "0.0.0.0",
		"v1.2.3-4-gabc1234": "1.2.3.0",
		"v10.20.30.4":       "10.20.30.4",
	} {
		if got := fileVersion(in); got != want {
			t.Errorf("fileVersion(%q) = %q; want %q", in, got, want)
		}
	}
}
