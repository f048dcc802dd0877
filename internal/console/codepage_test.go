package console

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// Text written to a pipe arrives in the console's code page, as Windows
// PowerShell 5.1 decodes it, even when a character is cut between writes.
func TestCodePageWriterText(t *testing.T) {
	tests := []struct {
		cp   uint32
		text string
		want func(string) string
	}{
		{932, "クイック アシスト: 接続を終了しました\n", func(s string) string { b, _ := japanese.ShiftJIS.NewEncoder().String(s); return b }},
		{1252, "qadoctor 1.2.3 — profile 2026.11.1\n", func(s string) string { b, _ := charmap.Windows1252.NewEncoder().String(s); return b }},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		w, ok := testWriter(&out, tt.cp)
		if !ok {
			t.Fatalf("code page %d unknown", tt.cp)
		}
		b := []byte(tt.text)
		for i := 0; i < len(b); i += 3 { // cut inside characters
			w.Write(b[i:min(i+3, len(b))])
		}
		w.Close()
		if got, want := out.String(), tt.want(tt.text); got != want {
			t.Errorf("cp %d: % x; want % x", tt.cp, got, want)
		}
		// And back, as PowerShell reads it.
		back, _ := map[uint32]func([]byte) ([]byte, error){932: japanese.ShiftJIS.NewDecoder().Bytes, 1252: charmap.Windows1252.NewDecoder().Bytes}[tt.cp](out.Bytes())
		if string(back) != tt.text {
			t.Errorf("cp %d reads back as %q; want %q", tt.cp, back, tt.text)
		}
	}
	// A character the code page lacks becomes its substitute, never a cut byte.
	var out bytes.Buffer
	w, _ := testWriter(&out, 437)
	w.Write([]byte("日本 ok\n"))
	w.Close()
	if out.String() != "\x1a\x1a ok\n" {
		t.Errorf("cp 437: %q; want the code page's substitute for what it lacks", out.String())
	}
	// The header's "—" has a stand-in where the code page lacks it.
	for cp, want := range map[uint32]string{932: "\x81\x5c", 437: "-", 1252: "\x97"} {
		var out bytes.Buffer
		w, _ := testWriter(&out, cp)
		w.Write([]byte("—"))
		w.Close()
		if out.String() != want {
			t.Errorf("cp %d writes — as % x; want % x", cp, out.String(), want)
		}
	}
	if _, ok := CodePageWriter(&out, 65001); ok {
		t.Error("UTF-8 (65001) needs no transcoding")
	}
}

// A JSON report stays ASCII with \u escapes, and decodes to the same text.
func TestCodePageWriterJSON(t *testing.T) {
	doc := map[string]string{"summary": "接続を終了しました — 😀", "id": "os.schannel"}
	b, _ := json.Marshal(doc)
	var out bytes.Buffer
	w, _ := testWriter(&out, 932)
	for i := 0; i < len(b); i += 5 {
		w.Write(b[i:min(i+5, len(b))])
	}
	w.Close()
	for _, c := range out.Bytes() {
		if c >= 0x80 {
			t.Fatalf("JSON on a pipe is not ASCII: %q", out.String())
		}
	}
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["summary"] != doc["summary"] {
		t.Errorf("decoded %v (%v); want %v", back, err, doc)
	}
}
