package sessionread

import "testing"

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\bob.CONTOSO\AppData\Local\Temp\QuickAssist\EBWebView\Default\History`: `%LOCALAPPDATA%\Temp\QuickAssist\EBWebView\Default\History`,
		`D:\Profiles\x\TEMP\QuickAssist\EBWebView\Default\History`:                      `%LOCALAPPDATA%\TEMP\QuickAssist\EBWebView\Default\History`,
		`C:\elsewhere\History`: `History`,
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}
