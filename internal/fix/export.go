package fix

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// regRoots spells short roots the way regedit files do.
var regRoots = map[string]string{"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT", "HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG"}

func longKey(key string) string {
	root, rest, _ := strings.Cut(key, `\`)
	if long, ok := regRoots[root]; ok {
		root = long
	}
	return root + `\` + rest
}

// WriteReg writes the plan's registry changes as a regedit file an admin
// can review and deploy; with undo, the file that puts the prior values
// back (absent ones deleted). Commands cannot be expressed in .reg: they
// are listed as comments.
func WriteReg(w io.Writer, plan []PlannedAction, undo bool) error {
	var b strings.Builder
	b.WriteString("Windows Registry Editor Version 5.00\r\n\r\n")
	verb := "qadoctor fix"
	if undo {
		verb = "qadoctor undo"
	}
	fmt.Fprintf(&b, "; %s: %d action(s). Review before importing (regedit /S FILE, as administrator).\r\n\r\n", verb, len(plan))
	for _, a := range plan {
		fmt.Fprintf(&b, "; %s (%s): %s\r\n", escape.Comment(a.Action), escape.Comment(a.Finding), escape.Comment(a.Title))
		for _, s := range a.Registry {
			st := s.New
			if undo {
				st = s.Prior
			}
			line, err := regLine(s.Name, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "[%s]\r\n%s\r\n\r\n", longKey(s.Key), line)
		}
		if !undo {
			for _, c := range a.Commands {
				fmt.Fprintf(&b, "; then run: %s\r\n", FormatArgv(c.Argv))
			}
		}
	}
	// regedit writes and expects UTF-16LE with a byte-order mark.
	_, err := w.Write(utf16le(b.String()))
	return err
}

func regLine(name string, st RegValueState) (string, error) {
	n := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	if name == "" {
		n = "@"
	}
	if !st.Exists {
		return n + "=-", nil
	}
	v, err := st.value()
	if err != nil {
		return "", err
	}
	switch v.Type {
	case winstate.TypeDWORD:
		u, _ := v.Uint()
		return fmt.Sprintf("%s=dword:%08x", n, u), nil
	case winstate.TypeSZ:
		// A string with a line break or another control character cannot
		// be a quoted "..." line: the rest would import as keys and values
		// of its own. Nor can one the quoted form would not give back byte
		// for byte (a NUL inside, no terminator, odd bytes). regedit exports
		// such a string as hex(1): (its UTF-16LE bytes), and so does this.
		str := v.String()
		exact := bytes.Equal(winstate.StringValue(str).Data, v.Data)
		if exact && !strings.ContainsFunc(str, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return n + `="` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(str) + `"`, nil
		}
	}
	hexes := make([]string, len(v.Data))
	for i, c := range v.Data {
		hexes[i] = fmt.Sprintf("%02x", c)
	}
	return fmt.Sprintf("%s=hex(%x):%s", n, v.Type, strings.Join(hexes, ",")), nil
}

func utf16le(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// WritePS1 writes the plan as a PowerShell script with its own undo
// (-Undo), for Group Policy or Intune deployment.
func WritePS1(w io.Writer, plan []PlannedAction) error {
	var b strings.Builder
	b.WriteString("#Requires -RunAsAdministrator\r\n")
	b.WriteString("# Written by qadoctor fix --export ps1. Review before deploying.\r\n")
	b.WriteString("# Run it to apply the repairs; run it with -Undo to put the prior values back.\r\n")
	b.WriteString("param([switch]$Undo)\r\n$ErrorActionPreference = 'Stop'\r\n\r\n")
	b.WriteString("function Set-Value($Key, $Name, $Type, $Value) {\r\n")
	b.WriteString("  if (-not (Test-Path -LiteralPath $Key)) { New-Item -Path $Key -Force | Out-Null }\r\n")
	b.WriteString("  New-ItemProperty -LiteralPath $Key -Name $Name -PropertyType $Type -Value $Value -Force | Out-Null\r\n}\r\n")
	b.WriteString("function Remove-Value($Key, $Name) {\r\n")
	b.WriteString("  Remove-ItemProperty -LiteralPath $Key -Name $Name -ErrorAction SilentlyContinue\r\n}\r\n\r\n")
	var apply, undo strings.Builder
	for _, a := range plan {
		fmt.Fprintf(&apply, "  # %s (%s): %s\r\n", escape.ASCIIComment(a.Action), escape.ASCIIComment(a.Finding), escape.ASCIIComment(a.Title))
		for _, s := range a.Registry {
			apply.WriteString("  " + psLine(s.Key, s.Name, s.New) + "\r\n")
			undo.WriteString("  " + psLine(s.Key, s.Name, s.Prior) + "\r\n")
		}
		for _, c := range a.Commands {
			q := make([]string, len(c.Argv))
			for i, arg := range c.Argv {
				q[i] = psQuote(arg)
			}
			fmt.Fprintf(&apply, "  & %s\r\n", strings.Join(q, " "))
		}
	}
	b.WriteString("if ($Undo) {\r\n" + undo.String() + "} else {\r\n" + apply.String() + "}\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// psQuote makes s a PowerShell string expression that is plain ASCII, so
// Windows PowerShell 5.1 reads the script alike in any code page: a
// single-quoted string (where only ' is special, doubled), or, when s has
// characters beyond ASCII, those joined as [char] codes:
// ('it' + [char]0x2019 + 's'). PowerShell also takes the typographic
// quotes for ', so they never appear raw.
func psQuote(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		ascii = ascii && s[i] < 0x80
	}
	quote := func(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
	if ascii {
		return quote(s)
	}
	var parts []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, quote(run.String()))
			run.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			run.WriteRune(r)
		case r <= 0xffff:
			flush()
			parts = append(parts, fmt.Sprintf("[char]0x%04x", r))
		default:
			flush()
			parts = append(parts, fmt.Sprintf("[char]::ConvertFromUtf32(0x%x)", r))
		}
	}
	flush()
	return "(" + strings.Join(parts, " + ") + ")"
}

func psLine(key, name string, st RegValueState) string {
	path := psQuote("Registry::" + longKey(key))
	if !st.Exists {
		return fmt.Sprintf("Remove-Value %s %s", path, psQuote(name))
	}
	v, err := st.value()
	if err != nil {
		return "# unreadable value: " + escape.ASCIIComment(err.Error())
	}
	switch v.Type {
	case winstate.TypeDWORD:
		u, _ := v.Uint()
		return fmt.Sprintf("Set-Value %s %s DWord 0x%x", path, psQuote(name), u)
	case winstate.TypeSZ:
		return fmt.Sprintf("Set-Value %s %s String %s", path, psQuote(name), psQuote(v.String()))
	case winstate.TypeExpandSZ:
		return fmt.Sprintf("Set-Value %s %s ExpandString %s", path, psQuote(name), psQuote(v.String()))
	case winstate.TypeQWORD:
		u, _ := v.Uint()
		return fmt.Sprintf("Set-Value %s %s QWord 0x%x", path, psQuote(name), u)
	case winstate.TypeMultiSZ:
		q := []string{}
		for _, x := range v.Strings() {
			q = append(q, psQuote(x))
		}
		return fmt.Sprintf("Set-Value %s %s MultiString @(%s)", path, psQuote(name), strings.Join(q, ","))
	}
	bs := make([]string, len(v.Data))
	for i, c := range v.Data {
		bs[i] = fmt.Sprintf("0x%02x", c)
	}
	return fmt.Sprintf("Set-Value %s %s Binary ([byte[]](%s))", path, psQuote(name), strings.Join(bs, ","))
}
