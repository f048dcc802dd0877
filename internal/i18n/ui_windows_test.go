package i18n

import (
	"testing"

	"golang.org/x/text/language"
)

// The Windows display language comes back as a BCP 47 tag (run for real
// under Wine, which answers from its own locale).
func TestUILanguage(t *testing.T) {
	ui := UILanguage()
	if ui == "" {
		t.Fatal("UILanguage() is empty")
	}
	if _, err := language.Parse(ui); err != nil {
		t.Errorf("UILanguage() = %q, not a language tag: %v", ui, err)
	}
	t.Logf("display language %q speaks %s", ui, Detect(func(string) string { return "" }, UILanguage))
}
