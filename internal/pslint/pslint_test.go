package pslint

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/fix"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name, src, says string // says: "" for a clean script
	}{
		{"the planted $x: error", `Write-Output "not found at $exe: deploy it"`, `"$exe:"`},
		{"${x}: is fine", `Write-Output "not found at ${exe}: deploy it"`, ""},
		{"$env: is a drive", `$exe = "$env:ProgramFiles\qadoctor"`, ""},
		{"an escaped dollar", "Write-Output \"cost `$5: fine\"", ""},
		{"single quotes do not expand", `Write-Output 'at $exe: fine'`, ""},
		{"unclosed double quote", `Write-Output "open`, "never closed"},
		{"unclosed single quote", `Write-Output 'it''s open`, "never closed"},
		{"unbalanced brace", "if ($a) {\n  exit 1\n", `'{' is never closed`},
		{"a stray paren", "exit 1)", "closes nothing"},
		{"braces inside strings do not count", `Write-Output "{ ( ["`, ""},
		{"a comment may hold anything but ASCII", "# it's fine: { (\nexit 0", ""},
		{"a block comment", "<# { #>\nexit 0", ""},
		{"a BOM", "\uFEFFexit 0", "byte-order mark"},
		{"a non-ASCII dash", "Write-Output \"a — b\"", "not ASCII"},
		{"a here-string", "$s = @\"\nat $exe: here\n\"@\n", `"$exe:"`},
	}
	for _, tt := range tests {
		got := Lint([]byte(tt.src))
		var msgs []string
		for _, p := range got {
			msgs = append(msgs, p.String())
		}
		all := strings.Join(msgs, "; ")
		switch {
		case tt.says == "" && len(got) > 0:
			t.Errorf("%s: Lint = %s; want nothing", tt.name, all)
		case tt.says != "" && !strings.Contains(all, tt.says):
			t.Errorf("%s: Lint = %q; want a problem saying %s", tt.name, all, tt.says)
		}
	}
}

// Every script qadoctor ships, and the one fix --export ps1 writes (its
// golden file), is clean.
func TestShippedScripts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "scripts", "intune", "*.ps1"))
	win32, _ := filepath.Glob(filepath.Join("..", "..", "scripts", "intune", "win32", "*.ps1"))
	files = append(append(files, win32...), filepath.Join("..", "fix", "testdata", "fix.ps1"))
	if len(files) < 5 {
		t.Fatalf("found %v; want the Intune scripts and the export golden", files)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Lint(src) {
			t.Errorf("%s: %s", f, p)
		}
	}
}

// What fix --export ps1 writes for hostile values (a title with a line
// break and a command, text beyond ASCII, quotes of every kind) still lints
// clean: ASCII, every string closed.
func TestExportedScriptLintsClean(t *testing.T) {
	sz := func(s string) fix.RegValueState {
		var b []byte
		for _, u := range utf16.Encode([]rune(s + "\x00")) {
			b = append(b, byte(u), byte(u>>8))
		}
		return fix.RegValueState{Exists: true, Type: "REG_SZ", Data: hex.EncodeToString(b)}
	}
	plan := []fix.PlannedAction{{Finding: "clock.settings", Action: "clock.auto-time-on", Title: "x\r\nRemove-Item C:\\ -Recurse; \"$exe:\" ‘q’",
		Registry: []fix.RegStep{{Key: winstate.KeyW32TimeParameters, Name: "NtpServer", Prior: sz("ntp.例え.jp,0x9 it's “q” 😀"), New: sz("time.windows.com,0x9")}},
		Commands: []fix.CommandStep{{Argv: []string{"w32tm", "/config", "/manualpeerlist:\"a’b\""}}}}}
	var b strings.Builder
	if err := fix.WritePS1(&b, plan); err != nil {
		t.Fatal(err)
	}
	for _, p := range Lint([]byte(b.String())) {
		t.Errorf("%s\n%s", p, b.String())
	}
}
