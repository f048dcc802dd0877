package bundle

import (
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func TestRedactTokensNotKeys(t *testing.T) {
	r := NewRedactor([]string{"st"}, "PC1", []string{"files.corp"})
	got := string(r.Redact("report.json", []byte(`{"status": "st", "subject": "C:\\Users\\st\\x", "note": "PC1 and pc1, not PC12; files.corp; http://u:pw@proxy:8080"}`)))
	for _, want := range []string{`"status": "<user>"`, `C:\\Users\\<user>\\x`, `<machine> and <machine>, not PC12; <host-1>; http://<credentials>@proxy:8080`} {
		if !strings.Contains(got, want) {
			t.Errorf("Redact = %s; want it to hold %s", got, want)
		}
	}
}

// Whatever the text and the secret, no redacted value is left standing
// as a token of its own, in a JSON string or in the hex of one as
// UTF-16LE; the document stays JSON with the same keys.
func FuzzRedact(f *testing.F) {
	f.Add("alice", "C:\\Users\\alice\\AppData")
	f.Add("st", "status: st")
	f.Add("ALICE-PC", "proxy on alice-pc:8080")
	f.Fuzz(func(t *testing.T, secret, text string) {
		if len(secret) < 2 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(secret) {
			return
		}
		r := NewRedactor([]string{secret}, "", nil)
		u := winstate.EncodeUTF16(text)
		doc, _ := json.Marshal(map[string]string{"detail": text, "data": hex.EncodeToString(u)})
		out, err := r.JSON(doc)
		if err != nil {
			t.Fatalf("JSON(%s) = %v", doc, err)
		}
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil || len(back) != 2 {
			t.Fatalf("JSON(%s) = %s, no longer the same object: %v", doc, out, err)
		}
		token := regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(secret) + `($|[^A-Za-z0-9_])`)
		if token.MatchString(back["detail"]) {
			t.Fatalf("%q survives as a token in %q", secret, back["detail"])
		}
		if raw, err := hex.DecodeString(back["data"]); err == nil && len(raw)%2 == 0 && token.MatchString(winstate.DecodeUTF16(raw)) {
			t.Fatalf("%q survives in the hex of UTF-16LE %q", secret, winstate.DecodeUTF16(raw))
		}
	})
}

// A WinHTTP proxy of blanks (the review's panic) names no host.
func TestInternalHostsBlankWinHTTP(t *testing.T) {
	f := &facts.Facts{Proxy: facts.ProxySettings{WinHTTP: "   "}}
	if got := InternalHosts(f); len(got) != 0 {
		t.Errorf("InternalHosts = %v; want none", got)
	}
}
